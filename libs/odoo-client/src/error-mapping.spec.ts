import { mapHttpStatus, mapJson2Error, mapJsonRpcError, mapNetworkError, mapXmlRpcFault, SUCCEEDED_WITHOUT_VALUE } from './error-mapping';
import {
  OdooAccessDeniedError,
  OdooAccessError,
  OdooInvalidParamsError,
  OdooLockError,
  OdooMissingError,
  OdooNotFoundError,
  OdooRedirectWarning,
  OdooSerializationError,
  OdooServerError,
  OdooSessionExpiredError,
  OdooUnavailableError,
  OdooUnknownOutcomeError,
  OdooUserError,
  OdooValidationError,
  retryClassOf,
} from './errors';

const SERIALIZATION_TRACEBACK =
  'Traceback (most recent call last):\n  File "odoo/service/model.py", line 133, in retrying\n' +
  'psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update';

describe('XML-RPC faults (/xmlrpc/2, same codes in 16, 17, 18 and 19)', () => {
  it.each([
    [2, 'Nothing to check the availability for.', OdooUserError],
    [2, 'The operation cannot be completed: another model requires the record being deleted.', OdooValidationError],
    [2, 'Record does not exist or has been deleted.\n(Record: sale.order(99,), User: 2)', OdooMissingError],
    [3, 'Access Denied', OdooAccessDeniedError],
    [4, 'Private methods (such as _compute) cannot be called remotely.', OdooAccessError],
    [1, SERIALIZATION_TRACEBACK, OdooSerializationError],
    [1, "Traceback...\nAttributeError: 'sale.order' object has no attribute 'action_fly'", OdooServerError],
  ])('fault %s "%s" becomes %p', (code, text, klass) => {
    const error = mapXmlRpcFault(code, text, { model: 'sale.order', method: 'action_confirm' });
    expect(error).toBeInstanceOf(klass);
    expect(error).toMatchObject({ transport: 'xmlrpc', faultCode: code, model: 'sale.order' });
  });

  it("keeps Odoo's message for business faults and the last traceback line for server faults", () => {
    expect((mapXmlRpcFault(2, 'You cannot cancel a locked order.') as Error).message).toBe('You cannot cancel a locked order.');
    expect((mapXmlRpcFault(1, SERIALIZATION_TRACEBACK) as Error).message).toBe(
      'psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update',
    );
  });

  it('treats "cannot marshal None" as success: Odoo committed before marshalling the result', () => {
    const fault = 'Traceback...\nTypeError: cannot marshal None unless allow_none is enabled';
    expect(mapXmlRpcFault(1, fault, { model: 'stock.quant', method: 'action_apply_inventory' })).toBe(SUCCEEDED_WITHOUT_VALUE);
  });

  it.each([
    ['AccessDenied', OdooAccessDeniedError],
    ['warning -- MissingError\n\nRecord does not exist or has been deleted.', OdooMissingError],
    ['warning -- AccessError\n\nYou are not allowed to access this document.', OdooAccessError],
    ['warning -- UserError\n\nNo quantity set.', OdooUserError],
  ])('legacy /xmlrpc string fault code %j is understood', (code, klass) => {
    expect(mapXmlRpcFault(code, 'None')).toBeInstanceOf(klass);
  });
});

describe('JSON-RPC errors', () => {
  // The `code` is 200 on 16–18 and 0 on 19; it must not change the mapping.
  const versions = [
    { version: 16, code: 200 },
    { version: 17, code: 200 },
    { version: 18, code: 200 },
    { version: 19, code: 0 },
  ];
  describe.each(versions)('Odoo $version (code $code)', ({ code }) => {
    it.each([
      ['odoo.exceptions.UserError', OdooUserError],
      ['odoo.exceptions.ValidationError', OdooValidationError],
      ['odoo.exceptions.MissingError', OdooMissingError],
      ['odoo.exceptions.AccessError', OdooAccessError],
      ['odoo.exceptions.AccessDenied', OdooAccessDeniedError],
      ['odoo.exceptions.RedirectWarning', OdooRedirectWarning],
      ['odoo.exceptions.LockError', OdooLockError],
      ['psycopg2.errors.SerializationFailure', OdooSerializationError],
      ['psycopg2.errors.DeadlockDetected', OdooSerializationError],
      ['builtins.AttributeError', OdooServerError],
      ['builtins.TypeError', OdooServerError],
    ])('data.name %s becomes %p with Odoo\'s message', (name, klass) => {
      const error = mapJsonRpcError({
        code,
        message: 'Odoo Server Error',
        data: { name, message: 'The quantity must be positive.', arguments: ['The quantity must be positive.'], debug: 'Traceback…' },
      });
      expect(error).toBeInstanceOf(klass);
      expect(error.message).toBe('The quantity must be positive.');
      expect(error).toMatchObject({ odooName: name, transport: 'jsonrpc', debug: 'Traceback…' });
    });
  });

  it('code 100 is an expired session', () => {
    expect(mapJsonRpcError({ code: 100, message: 'Odoo Session Expired', data: { name: 'odoo.http.SessionExpiredException', message: 'Session expired' } })).toBeInstanceOf(
      OdooSessionExpiredError,
    );
  });

  it('code 404 is a missing route', () => {
    expect(mapJsonRpcError({ code: 404, message: '404: Not Found', data: { name: 'werkzeug.exceptions.NotFound', message: 'Not Found' } })).toBeInstanceOf(OdooNotFoundError);
  });

  it('falls back to arguments[0] and then the envelope message', () => {
    expect(mapJsonRpcError({ code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.UserError', arguments: ['Nope'] } }).message).toBe('Nope');
    expect(mapJsonRpcError({ code: 200, message: 'Odoo Server Error' }).message).toBe('Odoo Server Error');
  });
});

describe('JSON-2 errors (Odoo 19)', () => {
  const body = (name: string, message = 'msg') => ({ name, message, arguments: [message], context: {}, debug: '' });
  it.each([
    [401, body('werkzeug.exceptions.Unauthorized', 'Invalid apikey'), OdooAccessDeniedError],
    [403, body('odoo.exceptions.AccessDenied'), OdooAccessDeniedError],
    [403, body('odoo.exceptions.AccessError'), OdooAccessError],
    [404, body('werkzeug.exceptions.NotFound', "the model 'x.y' does not exist"), OdooNotFoundError],
    [404, body('odoo.exceptions.MissingError'), OdooMissingError],
    [409, body('odoo.exceptions.LockError'), OdooLockError],
    [422, body('odoo.exceptions.UserError'), OdooUserError],
    [422, body('odoo.exceptions.ValidationError'), OdooValidationError],
    [422, body('werkzeug.exceptions.UnprocessableEntity', "got an unexpected keyword argument 'x'"), OdooInvalidParamsError],
    [400, body('werkzeug.exceptions.BadRequest'), OdooInvalidParamsError],
    [500, body('psycopg2.errors.SerializationFailure'), OdooSerializationError],
    [500, body('builtins.KeyError'), OdooServerError],
    [422, 'bare message from a pre-release 19 build', OdooInvalidParamsError],
  ])('status %i with %j becomes %p', (status, reply, klass) => {
    const error = mapJson2Error(status, reply);
    expect(error).toBeInstanceOf(klass);
    expect(error.httpStatus).toBe(status);
  });

  it("keeps Odoo's message", () => {
    expect(mapJson2Error(422, body('odoo.exceptions.UserError', 'You cannot cancel a locked order.')).message).toBe('You cannot cancel a locked order.');
  });
});

describe('HTTP statuses that are not Odoo answering', () => {
  it.each([502, 503, 504, 500])('%i from a proxy or a killed worker leaves the outcome unknown', (status) => {
    expect(mapHttpStatus(status, 'jsonrpc', 'Bad Gateway')).toBeInstanceOf(OdooUnknownOutcomeError);
  });

  it('429 means not processed; Retry-After is kept', () => {
    const error = mapHttpStatus(429, 'xmlrpc', '', { retryAfter: '3' }) as OdooUnavailableError;
    expect(error).toBeInstanceOf(OdooUnavailableError);
    expect(error.retryAfterSeconds).toBe(3);
  });
});

describe('network failures', () => {
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT'])('%s happens before sending: transient', (code) => {
    const error = mapNetworkError(withCode(code), 'jsonrpc');
    expect(error).toBeInstanceOf(OdooUnavailableError);
    expect(retryClassOf(error)).toBe('transient');
  });

  it('finds a refused connection inside an AggregateError (dual-stack connect)', () => {
    const aggregate = Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: undefined });
    expect(mapNetworkError(aggregate, 'xmlrpc')).toBeInstanceOf(OdooUnavailableError);
  });

  it.each(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])(
    '%s after the request went out: unknown outcome',
    (code) => {
      const error = mapNetworkError(withCode(code, 'other side closed'), 'json2', { model: 'sale.order', method: 'create' });
      expect(error).toBeInstanceOf(OdooUnknownOutcomeError);
      expect(error).toMatchObject({ model: 'sale.order', method: 'create' });
    },
  );
});
