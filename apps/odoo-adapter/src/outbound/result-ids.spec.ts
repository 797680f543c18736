import { v7 as uuidv7, validate, version } from 'uuid';
import { resultEventId } from './result-ids';

describe('result event ids', () => {
  const command = uuidv7();

  it('a redelivered command gets the same result id for the same outcome', () => {
    expect(resultEventId(command, 'failed')).toBe(resultEventId(command.toUpperCase(), 'failed'));
    expect(validate(resultEventId(command, 'failed')) && version(resultEventId(command, 'failed'))).toBe(5);
  });

  it('a failure and a later success of the same command, and results of other commands, differ', () => {
    expect(resultEventId(command, 'failed')).not.toBe(resultEventId(command, 'succeeded'));
    expect(resultEventId(command, 'failed')).not.toBe(resultEventId(uuidv7(), 'failed'));
  });
});
