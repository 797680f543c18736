import { classifyFailure, DependencyUnavailableError, describeError, PermanentError } from './failures';
import { MalformedEnvelopeError } from '../envelope/envelope';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyFailure', () => {
  it('dead-letters at once what retrying cannot fix', () => {
    class InsufficientStock extends PermanentError {}
    expect(classifyFailure(new InsufficientStock('SKU-1 has 0 left'))).toBe('permanent');
    expect(classifyFailure(Object.assign(new Error('bad'), { name: 'ZodError' }))).toBe('permanent');
    expect(classifyFailure(Object.assign(new Error('bad bytes'), { name: 'UndecodableEventError' }))).toBe('undecodable');
    expect(classifyFailure(Object.assign(new Error('id 9'), { name: 'UnknownSchemaIdError' }))).toBe('undecodable');
    expect(classifyFailure(new MalformedEnvelopeError('missing ce_id header'))).toBe('undecodable');
  });

  it('holds the partition when the database or a dependency is down', () => {
    expect(classifyFailure(new DependencyUnavailableError('Odoo unreachable'))).toBe('unavailable');
    expect(classifyFailure(Object.assign(new Error('open'), { name: 'BrokenCircuitError' }))).toBe('unavailable');
    expect(classifyFailure(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe('unavailable');
    expect(classifyFailure(withCode('terminating connection due to administrator command', '57P01'))).toBe('unavailable');
    const wrapped = Object.assign(new Error('query failed'), { driverError: withCode('the database system is starting up', '57P03') });
    expect(classifyFailure(wrapped)).toBe('unavailable');
    expect(classifyFailure(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
  });

  it('retries everything else, including deadlocks and serialization failures', () => {
    expect(classifyFailure(new Error('Odoo answered 500'))).toBe('transient');
    expect(classifyFailure(withCode('deadlock detected', '40P01'))).toBe('transient');
    expect(classifyFailure(withCode('duplicate key value', '23505'))).toBe('transient');
    expect(classifyFailure('a string')).toBe('transient');
  });
});

describe('describeError', () => {
  it('names the most precise class', () => {
    class ReservationRejected extends PermanentError {}
    expect(describeError(new ReservationRejected('no stock'))).toEqual({ errorClass: 'ReservationRejected', message: 'no stock' });
    expect(describeError(Object.assign(new Error('x'), { name: 'UnknownSchemaIdError' }))).toEqual({ errorClass: 'UnknownSchemaIdError', message: 'x' });
    expect(describeError(new TypeError('y'))).toEqual({ errorClass: 'TypeError', message: 'y' });
    expect(describeError({ status: 'error' })).toEqual({ errorClass: 'object', message: '{"status":"error"}' });
  });
});
