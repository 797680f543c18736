import { accessDenied, accessError, httpException, missingError, pythonError, serializationFailure, userError, validationError } from '../src/orm/errors';
import { json2Error, jsonRpcError, legacyXmlrpcFault, xmlrpcFault } from '../src/wire/error-encoding';
import { PyFloat, pyFloatRepr, pyJsonDumps } from '../src/wire/py-values';
import { MarshalError, dumpFault, dumpResponse, parseMethodCall } from '../src/wire/xmlrpc-codec';

describe('wire encodings', () => {
  it('writes XML-RPC responses byte for byte like Python xmlrpc.client.dumps', () => {
    expect(dumpResponse({ id: 7, name: 'A & B <x>', active: true, price: new PyFloat(10), tags: [1, 2], partner_id: false })).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n" +
        '<member>\n<name>id</name>\n<value><int>7</int></value>\n</member>\n' +
        '<member>\n<name>name</name>\n<value><string>A &amp; B &lt;x&gt;</string></value>\n</member>\n' +
        '<member>\n<name>active</name>\n<value><boolean>1</boolean></value>\n</member>\n' +
        '<member>\n<name>price</name>\n<value><double>10.0</double></value>\n</member>\n' +
        '<member>\n<name>tags</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n</data></array></value>\n</member>\n' +
        '<member>\n<name>partner_id</name>\n<value><boolean>0</boolean></value>\n</member>\n' +
        '</struct></value>\n</param>\n</params>\n</methodResponse>\n',
    );
    expect(dumpFault(3, 'Access Denied')).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>3</int></value>\n</member>\n" +
        '<member>\n<name>faultString</name>\n<value><string>Access Denied</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n',
    );
  });

  it('refuses None and big ints like the allow_none=False marshaller, and strips control characters', () => {
    expect(() => dumpResponse(null)).toThrow(new MarshalError('TypeError', 'cannot marshal None unless allow_none is enabled'));
    expect(() => dumpResponse(2 ** 31)).toThrow('int exceeds XML-RPC limits');
    expect(dumpResponse('a\u0001b\tc')).toContain('<string>ab\tc</string>');
  });

  it('parses requests with untyped strings, nil, i8, base64 and dateTime', () => {
    const xml =
      "<?xml version='1.0'?><methodCall><methodName>execute_kw</methodName><params>" +
      '<param><value>omnibus</value></param><param><value><i8>2</i8></value></param><param><value><nil/></value></param>' +
      '<param><value><base64>aGk=</base64></value></param><param><value><dateTime.iso8601>20240501T10:00:00</dateTime.iso8601></value></param>' +
      '<param><value><struct><member><name>k</name><value><array><data><value><double>1.5</double></value></data></array></value></member></struct></value></param>' +
      '</params></methodCall>';
    expect(parseMethodCall(xml)).toEqual({ methodName: 'execute_kw', params: ['omnibus', 2, null, 'hi', '2024-05-01 10:00:00', { k: [1.5] }] });
  });

  it("prints floats with Python's repr and JSON with Python's separators", () => {
    expect([1e16, 1e-5, 0.1, 120.5, 3, -0.0001].map(pyFloatRepr)).toEqual(['1e+16', '1e-05', '0.1', '120.5', '3.0', '-0.0001']);
    expect(pyJsonDumps({ jsonrpc: '2.0', id: 1, result: [{ a: new PyFloat(2), b: 'é"' }] })).toBe('{"jsonrpc": "2.0", "id": 1, "result": [{"a": 2.0, "b": "é\\""}]}');
  });

  it('maps exceptions to /xmlrpc/2 fault codes, most specific first', () => {
    expect(xmlrpcFault(userError('nope'))).toEqual({ faultCode: 2, faultString: 'nope' });
    expect(xmlrpcFault(validationError('bad'))).toEqual({ faultCode: 2, faultString: 'bad' });
    expect(xmlrpcFault(missingError('gone')).faultCode).toBe(2);
    expect(xmlrpcFault(accessError('forbidden'))).toEqual({ faultCode: 4, faultString: 'forbidden' });
    expect(xmlrpcFault(accessDenied())).toEqual({ faultCode: 3, faultString: 'Access Denied' });
    const fault = xmlrpcFault(serializationFailure());
    expect(fault.faultCode).toBe(1);
    expect(fault.faultString).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(fault.faultString).toContain('psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update');
    expect(xmlrpcFault(pythonError('builtins.TypeError', 'x')).faultString).toMatch(/\nTypeError: x\n$/);
  });

  it('maps exceptions to legacy /xmlrpc string fault codes', () => {
    expect(legacyXmlrpcFault(missingError('gone')).faultCode).toBe('warning -- MissingError\n\ngone');
    expect(legacyXmlrpcFault(accessDenied()).faultCode).toBe('AccessDenied');
    expect(legacyXmlrpcFault(userError('u')).faultCode).toBe('warning -- UserError\n\nu');
  });

  it('shapes JSON-RPC errors per version: code 200 in 16–18, 0 in 19, key order changed in 17', () => {
    const v16 = jsonRpcError(validationError('bad'), 16);
    expect(v16.code).toBe(200);
    expect(Object.keys(v16.data as object)).toEqual(['name', 'debug', 'message', 'arguments', 'context']);
    const v17 = jsonRpcError(validationError('bad'), 17);
    expect(Object.keys(v17.data as object)).toEqual(['name', 'message', 'arguments', 'context', 'debug']);
    expect(v17.data).toMatchObject({ name: 'odoo.exceptions.ValidationError', message: 'bad', arguments: ['bad'], context: {} });
    expect(jsonRpcError(validationError('bad'), 19).code).toBe(0);
    expect((jsonRpcError(accessDenied(), 19).data as { debug: string }).debug).toBe('');
    expect((jsonRpcError(accessDenied(), 18).data as { debug: string }).debug).toContain('Traceback');
  });

  it('gives JSON-2 errors real status codes', () => {
    expect(json2Error(userError('u'), 19).status).toBe(422);
    expect(json2Error(validationError('v'), 19).status).toBe(422);
    expect(json2Error(accessError('a'), 19).status).toBe(403);
    expect(json2Error(accessDenied(), 19).status).toBe(403);
    expect(json2Error(missingError('m'), 19).status).toBe(404);
    expect(json2Error(serializationFailure(), 19).status).toBe(500);
    const unauthorized = json2Error(httpException('Unauthorized', 401, 'Invalid apikey', { 'WWW-Authenticate': 'Bearer' }), 19);
    expect(unauthorized).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
    expect(unauthorized.body).toMatchObject({ name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey', arguments: ['Invalid apikey', 401] });
  });
});
