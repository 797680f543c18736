import { OdooException, pythonTraceback } from '../orm/errors';
import type { OdooVersion } from '../orm/types';

/** How each transport and version shows an exception (reference §2.1, §2.2, §1.7). */

/** Any thrown value as the Python exception the server would have raised. */
export function asOdooException(error: unknown): OdooException {
  if (error instanceof OdooException) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OdooException('builtins.RuntimeError', message, 'server_error');
}

const XMLRPC_FRAMES = [
  '  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 160, in xmlrpc_2',
  '    response = self._xmlrpc(service)',
  '  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 139, in _xmlrpc',
  '    result = dispatch_rpc(service, method, params)',
  '  File "/usr/lib/python3/dist-packages/odoo/http.py", line 368, in dispatch_rpc',
  '    return dispatch(method, params)',
  '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 37, in dispatch',
  '    res = execute_kw(db, uid, *params[3:])',
];

export function debugText(error: OdooException, version: OdooVersion): string {
  if (error.family === 'access_denied' && version >= 19) return '';
  return pythonTraceback(error);
}

/** /xmlrpc/2: integer fault codes, most specific class first. */
export function xmlrpcFault(error: OdooException): { faultCode: number; faultString: string } {
  switch (error.family) {
    case 'redirect_warning':
      return { faultCode: 2, faultString: error.message };
    case 'access_error':
      return { faultCode: 4, faultString: error.message };
    case 'access_denied':
      return { faultCode: 3, faultString: error.message };
    case 'user_error':
      return { faultCode: 2, faultString: error.message };
    default:
      return { faultCode: 1, faultString: pythonTraceback(error, XMLRPC_FRAMES) };
  }
}

/** Legacy /xmlrpc/<service>: string fault codes. */
export function legacyXmlrpcFault(error: OdooException): { faultCode: string; faultString: string } {
  const cls = error.shortClass;
  if (error.family === 'redirect_warning') return { faultCode: `warning -- Warning\n\n${error.message}`, faultString: '' };
  if (cls === 'MissingError') return { faultCode: `warning -- MissingError\n\n${error.message}`, faultString: '' };
  if (error.family === 'access_error') return { faultCode: `warning -- AccessError\n\n${error.message}`, faultString: '' };
  if (error.family === 'access_denied') return { faultCode: 'AccessDenied', faultString: error.message };
  if (error.family === 'user_error') return { faultCode: `warning -- UserError\n\n${error.message}`, faultString: '' };
  return { faultCode: error.message, faultString: pythonTraceback(error, XMLRPC_FRAMES) };
}

/** serialize_exception(): key order changed in 17. */
export function serializeException(error: OdooException, version: OdooVersion): Record<string, unknown> {
  const http = error.family === 'http';
  const body = {
    name: error.pythonClass,
    message: error.message,
    arguments: http ? error.args : error.args,
    context: {},
    debug: debugText(error, version),
  };
  if (version === 16) return { name: body.name, debug: body.debug, message: body.message, arguments: body.arguments, context: body.context };
  return body;
}

/** The JSON-RPC `error` member (HTTP 200): code 200 in 16–18, 0 in 19; 100 for an expired session. */
export function jsonRpcError(error: OdooException, version: OdooVersion): Record<string, unknown> {
  let code = version >= 19 ? 0 : 200;
  let message = 'Odoo Server Error';
  if (error.pythonClass === 'werkzeug.exceptions.NotFound') {
    code = 404;
    message = '404: Not Found';
  } else if (error.pythonClass === 'odoo.http.SessionExpiredException') {
    code = 100;
    message = 'Odoo Session Expired';
  }
  return { code, message, data: serializeException(error, version) };
}

/** JSON-2 (19): a real status and the serialize_exception body. */
export function json2Error(error: OdooException, version: OdooVersion): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
  if (error.family === 'http') {
    return { status: error.httpStatus, body: serializeException(error, version), headers: error.extraHeaders };
  }
  if (error.family === 'server_error' || error.family === 'redirect_warning') {
    return { status: 500, body: serializeException(error, version), headers: {} };
  }
  return { status: error.httpStatus, body: serializeException(error, version), headers: {} };
}

export const sessionExpired = () =>
  new OdooException('odoo.http.SessionExpiredException', 'Session expired', 'server_error', ['Session expired'], 403);
