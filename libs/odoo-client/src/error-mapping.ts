/**
 * Odoo's failures per transport and version (reference §1.7, §2.1–2.5) mapped onto our typed errors.
 * Pure functions: the transports call them with what came off the wire.
 */
import {
  OdooAccessDeniedError,
  OdooAccessError,
  OdooError,
  OdooErrorDetails,
  OdooInvalidParamsError,
  OdooLockError,
  OdooMissingError,
  OdooNotFoundError,
  OdooRedirectWarning,
  OdooSerializationError,
  OdooServerError,
  OdooSessionExpiredError,
  OdooTransportName,
  OdooUnavailableError,
  OdooUnknownOutcomeError,
  OdooUserError,
  OdooValidationError,
} from './errors';

type ErrorClass = new (message: string, details?: OdooErrorDetails) => OdooError;

/** Exception class names as JSON-RPC (`data.name`) and JSON-2 (`name`) carry them. */
const BY_ODOO_NAME: Record<string, ErrorClass> = {
  'odoo.exceptions.AccessDenied': OdooAccessDeniedError,
  'odoo.exceptions.AccessError': OdooAccessError,
  'odoo.exceptions.UserError': OdooUserError,
  'odoo.exceptions.ValidationError': OdooValidationError,
  'odoo.exceptions.MissingError': OdooMissingError,
  'odoo.exceptions.RedirectWarning': OdooRedirectWarning,
  'odoo.exceptions.LockError': OdooLockError,
  'odoo.exceptions.except_orm': OdooUserError,
  'odoo.http.SessionExpiredException': OdooSessionExpiredError,
  'werkzeug.exceptions.NotFound': OdooNotFoundError,
  'werkzeug.exceptions.Unauthorized': OdooAccessDeniedError,
  'werkzeug.exceptions.Forbidden': OdooAccessError,
  'werkzeug.exceptions.UnprocessableEntity': OdooInvalidParamsError,
  'werkzeug.exceptions.BadRequest': OdooInvalidParamsError,
};

/** PostgreSQL concurrency failures that Odoo retried five times before giving up (§2.4). */
const CONCURRENCY_FAILURE = /SerializationFailure|TransactionRollbackError|DeadlockDetected|LockNotAvailable|could not serialize access|deadlock detected|could not obtain lock/i;

/** Odoo committed, then failed to marshal a `None` result over XML-RPC (§1.3): that is a success. */
const NONE_MARSHAL = /cannot marshal None/;

function classForName(name: string | undefined, text: string): ErrorClass | undefined {
  if (name && BY_ODOO_NAME[name]) return BY_ODOO_NAME[name];
  if (CONCURRENCY_FAILURE.test(`${name ?? ''} ${text}`)) return OdooSerializationError;
  return undefined;
}

/** Marks a reply that means "succeeded with no value" rather than an error. */
export const SUCCEEDED_WITHOUT_VALUE = Symbol('succeeded-without-value');

// ---------------------------------------------------------------- XML-RPC

/**
 * `/xmlrpc/2/*` faults carry integer codes: 1 server error, 2 UserError family, 3 AccessDenied,
 * 4 AccessError. Legacy `/xmlrpc/*` uses strings like "warning -- MissingError\n\n<msg>".
 * Over XML-RPC a ValidationError, MissingError or LockError all arrive as fault 2; we recognise
 * the two messages Odoo uses for missing records and integrity errors, the rest stay UserError.
 */
export function mapXmlRpcFault(
  faultCode: number | string | undefined,
  faultString: string,
  context: { model?: string; method?: string } = {},
): OdooError | typeof SUCCEEDED_WITHOUT_VALUE {
  const details: OdooErrorDetails = { transport: 'xmlrpc', faultCode, ...context };
  if (typeof faultCode === 'string') return mapLegacyXmlRpcFault(faultCode, faultString, details);
  switch (faultCode) {
    case 2:
      return new (userErrorClassFromMessage(faultString))(faultString, details);
    case 3:
      return new OdooAccessDeniedError(faultString || 'Access Denied', details);
    case 4:
      return new OdooAccessError(faultString, details);
    default: {
      if (NONE_MARSHAL.test(faultString)) return SUCCEEDED_WITHOUT_VALUE;
      const message = lastLineOf(faultString);
      if (CONCURRENCY_FAILURE.test(faultString)) {
        return new OdooSerializationError(message, { ...details, debug: faultString });
      }
      return new OdooServerError(message, { ...details, debug: faultString });
    }
  }
}

function userErrorClassFromMessage(message: string): ErrorClass {
  if (/Record does not exist or has been deleted/i.test(message)) return OdooMissingError;
  if (/^The operation cannot be completed/i.test(message)) return OdooValidationError;
  return OdooUserError;
}

function mapLegacyXmlRpcFault(code: string, faultString: string, details: OdooErrorDetails): OdooError | typeof SUCCEEDED_WITHOUT_VALUE {
  if (code === 'AccessDenied') return new OdooAccessDeniedError('Access Denied', details);
  const warning = /^warning -- (\w+)\n\n([\s\S]*)$/.exec(code);
  if (warning) {
    const [, kind, message] = warning;
    const klass = BY_ODOO_NAME[`odoo.exceptions.${kind}`] ?? OdooUserError;
    return new klass(message, { ...details, odooName: `odoo.exceptions.${kind}` });
  }
  if (NONE_MARSHAL.test(code) || NONE_MARSHAL.test(faultString)) return SUCCEEDED_WITHOUT_VALUE;
  if (CONCURRENCY_FAILURE.test(code)) return new OdooSerializationError(code, { ...details, debug: faultString });
  return new OdooServerError(code, { ...details, debug: faultString });
}

// ---------------------------------------------------------------- JSON-RPC

export interface JsonRpcErrorObject {
  code?: number;
  message?: string;
  data?: { name?: string; message?: string; arguments?: unknown[]; debug?: string; context?: unknown };
}

/**
 * JSON-RPC errors arrive with HTTP 200. `code` is 200 (16–18) or 0 (19) and means nothing, except
 * 100 (session expired) and 404; `data.name` is the exception class.
 */
export function mapJsonRpcError(error: JsonRpcErrorObject, context: { model?: string; method?: string } = {}): OdooError {
  const name = error.data?.name;
  const message = error.data?.message || firstArgument(error.data?.arguments) || error.message || 'Odoo Server Error';
  const details: OdooErrorDetails = { transport: 'jsonrpc', odooName: name, faultCode: error.code, debug: error.data?.debug, ...context };
  if (error.code === 100) return new OdooSessionExpiredError(message, details);
  const klass = classForName(name, `${message} ${error.data?.debug ?? ''}`);
  if (klass) return new klass(message, details);
  if (error.code === 404) return new OdooNotFoundError(message, details);
  return new OdooServerError(message, details);
}

function firstArgument(args: unknown[] | undefined): string | undefined {
  return Array.isArray(args) && typeof args[0] === 'string' ? args[0] : undefined;
}

// ---------------------------------------------------------------- JSON-2

/**
 * JSON-2 (19) answers errors with a real status and a `{name, message, arguments, context, debug}` body;
 * pre-release 19 builds sent a bare JSON string, which we accept too.
 */
export function mapJson2Error(status: number, body: unknown, context: { model?: string; method?: string } = {}): OdooError {
  const shaped = typeof body === 'object' && body !== null ? (body as { name?: string; message?: string; debug?: string }) : {};
  const message = (typeof body === 'string' ? body : shaped.message) || `HTTP ${status}`;
  const details: OdooErrorDetails = { transport: 'json2', odooName: shaped.name, httpStatus: status, debug: shaped.debug, ...context };
  const byName = classForName(shaped.name, `${message} ${shaped.debug ?? ''}`);
  if (byName) return new byName(message, details);
  switch (status) {
    case 401:
      return new OdooAccessDeniedError(message, details);
    case 403:
      return shaped.name === 'odoo.exceptions.AccessDenied' ? new OdooAccessDeniedError(message, details) : new OdooAccessError(message, details);
    case 404:
      return shaped.name === 'odoo.exceptions.MissingError' ? new OdooMissingError(message, details) : new OdooNotFoundError(message, details);
    case 409:
      return new OdooLockError(message, details);
    case 400:
    case 422:
      return new OdooInvalidParamsError(message, details);
    default:
      break;
  }
  if (status >= 500 && shaped.name) return new OdooServerError(message, details);
  return mapHttpStatus(status, 'json2', message, context) ?? new OdooServerError(message, details);
}

// ---------------------------------------------------------------- HTTP and network

/**
 * Statuses that are not Odoo's own answer. 502/503/504 come from a proxy or a killed worker: the call
 * may have run (unknown outcome). 429 is a front-end refusing before Odoo saw anything.
 */
export function mapHttpStatus(
  status: number,
  transport: OdooTransportName,
  text: string,
  context: { model?: string; method?: string; retryAfter?: string | null } = {},
): OdooError | undefined {
  const { retryAfter, ...where } = context;
  const details: OdooErrorDetails = { transport, httpStatus: status, ...where };
  const message = `HTTP ${status} from Odoo${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (status === 429) {
    const error = new OdooUnavailableError(message, details);
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    if (Number.isFinite(seconds)) error.retryAfterSeconds = seconds;
    return error;
  }
  if (status >= 500) return new OdooUnknownOutcomeError(message, details);
  if (status === 404) return new OdooNotFoundError(message, details);
  if (status === 401) return new OdooAccessDeniedError(message, details);
  if (status === 403) return new OdooAccessError(message, details);
  if (status >= 400) return new OdooInvalidParamsError(message, details);
  return undefined;
}

/** Socket-level failures that happen before a single byte reached Odoo: safe to repeat. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/**
 * A network error from the HTTP client. Connection refused and friends happen before the request is
 * sent (transient); anything later (reset, "other side closed", timeouts) leaves the outcome unknown.
 */
export function mapNetworkError(
  error: unknown,
  transport: OdooTransportName,
  context: { model?: string; method?: string } = {},
): OdooError {
  const codes = errorCodes(error);
  const text = error instanceof Error ? error.message : String(error);
  const details: OdooErrorDetails = { transport, cause: error, ...context };
  if (codes.some((code) => NOT_SENT_CODES.has(code))) {
    return new OdooUnavailableError(`Odoo unreachable (${codes.join(', ')}): ${text}`, details);
  }
  return new OdooUnknownOutcomeError(`connection to Odoo lost after the request was sent (${codes.join(', ') || 'no code'}): ${text}`, details);
}

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const nested = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(nested)) for (const inner of nested) codes.push(...errorCodes(inner));
    current = (current as { cause?: unknown }).cause;
  }
  return [...new Set(codes)];
}

function lastLineOf(traceback: string): string {
  const lines = traceback.trim().split('\n').filter((line) => line.trim() !== '');
  return lines.length > 0 ? lines[lines.length - 1].trim() : traceback;
}
