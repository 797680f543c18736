import { classifyFailure, DependencyUnavailableError, describeError, PermanentError, TransactionAbortedError } from './failures';
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
    expect(classifyFailure(withCode('could not serialize access due to concurrent update', '40001'))).toBe('transient');
    expect(classifyFailure(withCode('canceling statement due to lock timeout', '55P03'))).toBe('transient');
    expect(classifyFailure(withCode('relation "reservation" does not exist', '42P01'))).toBe('transient');
    expect(classifyFailure('a string')).toBe('transient');
  });

  it('retries a statement timeout and then dead-letters it, rather than stalling the partition as if the database were down', () => {
    const timeout = Object.assign(new Error('query failed'), {
      name: 'QueryFailedError',
      driverError: withCode('canceling statement due to statement timeout', '57014'),
    });
    expect(classifyFailure(timeout)).toBe('transient');
    expect(classifyFailure(withCode('canceling statement due to user request', '57014'))).toBe('transient');
  });

  it('dead-letters integrity and data errors of a query at once: the same event fails the same way', () => {
    expect(classifyFailure(withCode('duplicate key value violates unique constraint', '23505'))).toBe('permanent');
    expect(classifyFailure(withCode('insert or update violates foreign key constraint', '23503'))).toBe('permanent');
    expect(classifyFailure(withCode('null value in column "sku" violates not-null constraint', '23502'))).toBe('permanent');
    expect(classifyFailure(withCode('invalid input syntax for type uuid', '22P02'))).toBe('permanent');
    expect(classifyFailure(withCode('numeric field overflow', '22003'))).toBe('permanent');
    expect(classifyFailure(Object.assign(new Error('query failed'), { driverError: withCode('value too long', '22001') }))).toBe('permanent');
  });

  it('holds the partition for connection and resource failures of the database', () => {
    expect(classifyFailure(withCode('connection failure', '08006'))).toBe('unavailable');
    expect(classifyFailure(withCode('too many connections for role', '53300'))).toBe('unavailable');
    expect(classifyFailure(withCode('could not write to file', '58030'))).toBe('unavailable');
  });

  it('retries an event whose handler swallowed a database error, whatever that error was', () => {
    const swallowed = withCode('duplicate key value violates unique constraint', '23505');
    expect(classifyFailure(new TransactionAbortedError(withCode('current transaction is aborted', '25P02')))).toBe('transient');
    expect(classifyFailure(Object.assign(new TransactionAbortedError(swallowed)))).toBe('transient');
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
