import { isUndecodable } from '../codec';
import { MalformedEnvelopeError } from '../envelope/envelope';
import type { OutgoingEvent } from '../publishing/event-outbox';

/**
 * Thrown by a handler when retrying cannot help: the event breaks a business rule or fails
 * validation. The event goes to dead letters without retries.
 *
 * `emitOnDeadLetter`: events announcing the failure (e.g. a command's "failed" result). They are
 * staged in the transaction that records the dead letter, after the events before this one have
 * committed and before those behind it run, so they keep the key's order; the handler's own
 * transaction is rolled back, so that a re-drive is not taken for a duplicate by the inbox.
 */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  readonly emitOnDeadLetter: OutgoingEvent[];
  constructor(message: string, options?: { cause?: unknown; emitOnDeadLetter?: OutgoingEvent[] }) {
    super(message, options);
    this.emitOnDeadLetter = options?.emitOnDeadLetter ?? [];
  }
}

/**
 * Thrown by a handler when something it depends on is down (Odoo unreachable, a circuit breaker
 * open). The event is not failed at all: the partition is paused and retried later, because every
 * event behind it would fail the same way and dead-lettering them all helps nobody.
 */
export class DependencyUnavailableError extends Error {
  override readonly name: string = 'DependencyUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown by a chunk's `beforeCommit` work (or by a later handler that ran it early) that did many
 * events' work at once and knows which event made it fail (a batched write refused one record):
 * that event fails alone, as if its handler had thrown `cause`, and the events before and after it
 * run again as chunks, not one by one.
 */
export class EventFailedInChunk extends Error {
  override readonly name: string = 'EventFailedInChunk';
  constructor(
    readonly eventId: string,
    override readonly cause: unknown,
  ) {
    super(`event ${eventId} failed in its chunk: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * A handler caught a database error and returned as if it had succeeded; the transaction was
 * aborted, so its effects cannot commit (PostgreSQL would turn COMMIT into a rollback). The event
 * is failed like any transient error: retried alone, then through the retry topics, then dead-lettered.
 */
export class TransactionAbortedError extends Error {
  override readonly name: string = 'TransactionAbortedError';
  constructor(cause: unknown) {
    super('the handler caught a database error and returned: its transaction was aborted and its effects would be lost', { cause });
  }
}

/**
 * - `transient`: retried in place, then through the retry topic, then dead-lettered;
 * - `permanent`: dead-lettered at once (PermanentError, validation errors);
 * - `undecodable`: the record cannot be read (bad bytes, unknown schema id, no envelope): dead-lettered at once;
 * - `unavailable`: our own infrastructure or a dependency is down: the partition waits, nothing is failed.
 */
export type FailureKind = 'transient' | 'permanent' | 'undecodable' | 'unavailable';

const PERMANENT_ERROR_NAMES = new Set(['PermanentError', 'ZodError', 'ValidationError']);
const UNAVAILABLE_ERROR_NAMES = new Set([
  'DependencyUnavailableError',
  'BrokenCircuitError', // cockatiel circuit breaker open
  'IsolatedCircuitError',
]);
// Network-level failures reaching PostgreSQL (or anything else): the database is not there right now.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i];

/**
 * What a PostgreSQL SQLSTATE says about retrying (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 * A statement timeout (57014) is the query's own fault, not an outage: treating it as one would
 * stall the partition forever behind a poison query, so it is retried and then dead-lettered.
 */
export function classifySqlState(code: string): FailureKind | undefined {
  if (code === '57014') return 'transient'; // query_canceled: statement_timeout, lock_timeout's cousin, pg_cancel_backend
  const sqlClass = code.slice(0, 2);
  switch (sqlClass) {
    case '08': // connection exception
    case '53': // insufficient resources (disk full, out of memory, too many connections)
    case '57': // operator intervention: admin/crash shutdown, cannot connect now
    case '58': // system error (I/O)
      return 'unavailable';
    case '40': // transaction rollback: serialization failure 40001, deadlock 40P01
    case '55': // object not in prerequisite state: lock_not_available 55P03
    case '25': // invalid transaction state: in_failed_sql_transaction 25P02 after a caught error
      return 'transient';
    case '22': // data exception: bad value, out of range, invalid text representation
    case '23': // integrity constraint violation: unique, foreign key, not null, check
      return 'permanent';
    default:
      // Syntax errors, missing tables or columns (42), …: a bug to fix and re-drive; retried, then dead-lettered.
      return undefined;
  }
}

/** The SQLSTATE of a pg error, also when TypeORM wraps it (QueryFailedError.driverError) or it is a cause. */
export function sqlState(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  for (const candidate of [error, (error as { driverError?: unknown }).driverError, error.cause]) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function classifyFailure(error: unknown): FailureKind {
  if (isUndecodable(error) || error instanceof MalformedEnvelopeError) return 'undecodable';
  if (!(error instanceof Error)) return 'transient';
  if (error instanceof TransactionAbortedError) return 'transient';
  if (error instanceof PermanentError || PERMANENT_ERROR_NAMES.has(error.name)) return 'permanent';
  if (error instanceof DependencyUnavailableError || UNAVAILABLE_ERROR_NAMES.has(error.name)) return 'unavailable';
  if (isConnectionFailure(error)) return 'unavailable';
  const code = sqlState(error);
  return (code && classifySqlState(code)) || 'transient';
}

function isConnectionFailure(error: Error): boolean {
  for (const candidate of [error, (error as { driverError?: unknown }).driverError, error.cause]) {
    if (!(candidate instanceof Error)) continue;
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(candidate.message))) return true;
  }
  return false;
}

/** `Class: message` of an error, for headers and logs. */
export function describeError(error: unknown): { errorClass: string; message: string } {
  if (error instanceof Error) {
    // The constructor names a subclass (class InsufficientStock extends PermanentError) more precisely.
    const constructorName = error.constructor?.name;
    const errorClass = constructorName && constructorName !== 'Error' ? constructorName : error.name || 'Error';
    return { errorClass, message: error.message };
  }
  let message: string;
  try {
    message = typeof error === 'object' && error !== null ? JSON.stringify(error) : String(error);
  } catch {
    message = String(error);
  }
  return { errorClass: typeof error, message };
}
