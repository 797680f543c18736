import { isUndecodable } from '../codec';
import { MalformedEnvelopeError } from '../envelope/envelope';
import type { OutgoingEvent } from '../publishing/event-outbox';
import { classifySqlState, isConnectionFailure, sqlState } from '@omnibus/service-kit';

// What a database error says about retrying is service-kit's (HTTP answers 503 by the same rules).
export { classifySqlState, sqlState };

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
