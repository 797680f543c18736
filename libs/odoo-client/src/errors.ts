/**
 * Typed errors for everything an Odoo call can end in. The class says what the caller may do next
 * (reference §2.5): retry, re-check by reference, or give up and surface Odoo's message.
 */
export type OdooTransportName = 'jsonrpc' | 'xmlrpc' | 'json2';

/**
 * - `transient`: nothing was done (or Odoo rolled it back); the same call may simply be repeated.
 * - `unknown-outcome`: the request reached Odoo but we never saw the answer; Odoo may have committed.
 *   Reads can be repeated; writes must first be re-checked by our reference.
 * - `permanent`: repeating the same call gives the same answer (business rule, rights, missing record,
 *   wrong dialect). Fix the input or the configuration.
 */
export type RetryClass = 'transient' | 'unknown-outcome' | 'permanent';

export interface OdooErrorDetails {
  /** Odoo's exception class as it travelled (`odoo.exceptions.ValidationError`), when the transport says. */
  odooName?: string;
  transport?: OdooTransportName;
  model?: string;
  method?: string;
  faultCode?: number | string;
  httpStatus?: number;
  /** Server traceback, when Odoo sent one. Never shown to end users. */
  debug?: string;
  cause?: unknown;
}

export abstract class OdooError extends Error {
  abstract readonly retryClass: RetryClass;
  readonly odooName?: string;
  readonly transport?: OdooTransportName;
  model?: string;
  method?: string;
  readonly faultCode?: number | string;
  readonly httpStatus?: number;
  readonly debug?: string;

  constructor(message: string, details: OdooErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.odooName = details.odooName;
    this.transport = details.transport;
    this.model = details.model;
    this.method = details.method;
    this.faultCode = details.faultCode;
    this.httpStatus = details.httpStatus;
    this.debug = details.debug;
  }
}

/** Bad login, password or API key (fault 3, `AccessDenied`, JSON-2 401). */
export class OdooAccessDeniedError extends OdooError {
  readonly retryClass = 'permanent' as const;
}

/** The integration user may not do this: ACLs, record rules, companies, private methods (fault 4, 403). */
export class OdooAccessError extends OdooError {
  readonly retryClass = 'permanent' as const;
}

/** A business rule refused the call (fault 2, `UserError`, 422). */
export class OdooUserError extends OdooError {
  readonly retryClass: RetryClass = 'permanent';
}

/** A constraint refused the values (`ValidationError`, also integrity errors). Over XML-RPC it looks like a UserError. */
export class OdooValidationError extends OdooUserError {}

/** The record does not exist or was deleted (`MissingError`, JSON-2 404 on a record). */
export class OdooMissingError extends OdooUserError {}

/** `RedirectWarning`: a business refusal that also names an action for a human. */
export class OdooRedirectWarning extends OdooUserError {}

/** Row lock not acquired (19's `LockError`, JSON-2 409): Odoo rolled back; repeat later. */
export class OdooLockError extends OdooUserError {
  override readonly retryClass = 'transient' as const;
}

/**
 * Concurrent update (PostgreSQL serialization failure / deadlock / lock not available) that survived
 * Odoo's own five internal retries. Odoo rolled back; repeating is safe.
 */
export class OdooSerializationError extends OdooError {
  readonly retryClass = 'transient' as const;
}

/** Unknown model or method, or an endpoint this server does not have (JSON-2 404, JSON-RPC 404). */
export class OdooNotFoundError extends OdooError {
  readonly retryClass = 'permanent' as const;
}

/** Parameters Odoo could not bind (JSON-2 422 UnprocessableEntity, 400 BadRequest): a dialect bug. */
export class OdooInvalidParamsError extends OdooError {
  readonly retryClass = 'permanent' as const;
}

/** Any other server-side exception (fault 1: AttributeError, TypeError, …): a bug, not a hiccup. */
export class OdooServerError extends OdooError {
  readonly retryClass = 'permanent' as const;
}

/** Web-client session expired (JSON-RPC code 100). Re-authenticate once. */
export class OdooSessionExpiredError extends OdooError {
  readonly retryClass = 'transient' as const;
}

/** Odoo could not be reached and nothing was sent (connection refused, 429, circuit open). */
export class OdooUnavailableError extends OdooError {
  readonly retryClass: RetryClass = 'transient';
  /** Seconds Odoo (or its proxy) asked us to wait, from `Retry-After`. */
  retryAfterSeconds?: number;
}

/** The circuit breaker is open: Odoo has been failing, calls are refused locally until it recovers. */
export class OdooCircuitOpenError extends OdooUnavailableError {}

/**
 * The request was sent but the answer never came (connection dropped, timeout, 502/503/504 from a proxy,
 * a garbled reply). Odoo may or may not have committed: re-check by reference before repeating a create.
 */
export class OdooUnknownOutcomeError extends OdooError {
  readonly retryClass = 'unknown-outcome' as const;
}

/** Client configuration is wrong (e.g. JSON-2 without an API key). Raised before any call. */
export class OdooConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OdooConfigurationError';
  }
}

export function isOdooError(error: unknown): error is OdooError {
  return error instanceof OdooError;
}

/** How a failure may be retried; anything that is not an OdooError is treated as permanent. */
export function retryClassOf(error: unknown): RetryClass {
  return error instanceof OdooError ? error.retryClass : 'permanent';
}

/** A failure that says Odoo itself is down or unreachable (what opens the circuit). */
export function isOutage(error: unknown): boolean {
  return error instanceof OdooUnavailableError || error instanceof OdooUnknownOutcomeError;
}
