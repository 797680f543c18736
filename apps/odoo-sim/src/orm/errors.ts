/**
 * Python exceptions as the Odoo server raises them. The ORM throws these; the wire layer maps them to
 * XML-RPC faults, JSON-RPC error objects or JSON-2 status codes per transport and version.
 */
export type ExceptionFamily =
  | 'user_error' // odoo.exceptions.UserError, ValidationError, MissingError, LockError
  | 'redirect_warning'
  | 'access_error'
  | 'access_denied'
  | 'server_error' // anything else: builtins.*, psycopg2.errors.*
  | 'http'; // werkzeug.exceptions.* (JSON-2 / web routes only)

export class OdooException extends Error {
  constructor(
    /** Fully qualified Python class, e.g. `odoo.exceptions.ValidationError`. */
    readonly pythonClass: string,
    message: string,
    readonly family: ExceptionFamily,
    /** Python `exception.args`. */
    readonly args: unknown[] = [message],
    /** JSON-2 status (http_status class attribute in 19, werkzeug code for HTTP exceptions). */
    readonly httpStatus = 500,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(message);
  }

  get shortClass(): string {
    return this.pythonClass.split('.').pop() as string;
  }

  /** The last line of a Python traceback: builtins are printed without their module. */
  get tracebackTail(): string {
    const name = this.pythonClass.startsWith('builtins.') ? this.shortClass : this.pythonClass;
    return `${name}: ${this.message}`;
  }
}

export const userError = (message: string) =>
  new OdooException('odoo.exceptions.UserError', message, 'user_error', [message], 422);
export const validationError = (message: string) =>
  new OdooException('odoo.exceptions.ValidationError', message, 'user_error', [message], 422);
export const missingError = (message: string) =>
  new OdooException('odoo.exceptions.MissingError', message, 'user_error', [message], 404);
export const lockError = (message: string) =>
  new OdooException('odoo.exceptions.LockError', message, 'user_error', [message], 409);
export const accessError = (message: string) =>
  new OdooException('odoo.exceptions.AccessError', message, 'access_error', [message], 403);
export const accessDenied = (message = 'Access Denied') =>
  new OdooException('odoo.exceptions.AccessDenied', message, 'access_denied', [message], 403);
export const redirectWarning = (message: string, action: unknown, buttonText: string, context: unknown = {}) =>
  new OdooException('odoo.exceptions.RedirectWarning', message, 'redirect_warning', [message, action, buttonText, context], 500);

/** A plain Python exception such as `builtins.TypeError`; always a server error (fault 1 / 500). */
export const pythonError = (pythonClass: string, message: string, args: unknown[] = [message]) =>
  new OdooException(pythonClass, message, 'server_error', args, 500);

export const serializationFailure = () =>
  pythonError('psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update\n');

/** werkzeug HTTP exception, for JSON-2 and the web routes. */
export const httpException = (name: string, status: number, description: string, headers: Record<string, string> = {}) =>
  new OdooException(`werkzeug.exceptions.${name}`, description, 'http', [description, status], status, headers);

/** A plausible Python traceback text; Odoo sends the real one in fault strings and `data.debug`. */
export function pythonTraceback(error: OdooException, frames: string[] = DEFAULT_FRAMES): string {
  const lines = ['Traceback (most recent call last):'];
  for (const frame of frames) lines.push(frame);
  lines.push(error.tracebackTail);
  return `${lines.join('\n')}\n`;
}

const DEFAULT_FRAMES = [
  '  File "/usr/lib/python3/dist-packages/odoo/http.py", line 1764, in _serve_db',
  '    return service_model.retrying(self._serve_ir_http, self.env)',
  '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 133, in retrying',
  '    result = func()',
  '  File "/usr/lib/python3/dist-packages/odoo/api.py", line 466, in call_kw',
  '    result = _call_kw_multi(method, model, args, kwargs)',
];
