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
// Network-level failures reaching PostgreSQL (or anything else) and PostgreSQL's own
// "connection exception" / "operator intervention" classes: the database is not there right now.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '57', '53'];
const UNAVAILABLE_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i];

export function classifyFailure(error: unknown): FailureKind {
  if (isUndecodable(error) || error instanceof MalformedEnvelopeError) return 'undecodable';
  if (!(error instanceof Error)) return 'transient';
  if (error instanceof PermanentError || PERMANENT_ERROR_NAMES.has(error.name)) return 'permanent';
  if (error instanceof DependencyUnavailableError || UNAVAILABLE_ERROR_NAMES.has(error.name)) return 'unavailable';
  if (isConnectionFailure(error)) return 'unavailable';
  return 'transient';
}

function isConnectionFailure(error: Error): boolean {
  // TypeORM wraps driver errors (QueryFailedError.driverError); pg errors carry a SQLSTATE `code`.
  for (const candidate of [error, (error as { driverError?: unknown }).driverError, error.cause]) {
    if (!(candidate instanceof Error)) continue;
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNAVAILABLE_CODES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
    }
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
