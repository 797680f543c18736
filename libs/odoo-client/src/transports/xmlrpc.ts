import { OdooCall } from '../call';
import { mapHttpStatus, mapNetworkError, mapXmlRpcFault, SUCCEEDED_WITHOUT_VALUE } from '../error-mapping';
import { OdooUnknownOutcomeError } from '../errors';
import { HttpReply, OdooHttp } from '../http';
import { decodeMethodResponse, encodeMethodCall, XmlRpcResponse } from '../xmlrpc-codec';
import { header } from './jsonrpc';
import { OdooCredentials, RpcServicesTransport } from './transport';

/** `/xmlrpc/2/common` and `/xmlrpc/2/object` with integer fault codes (reference §1.2, §1.3, §2.1). */
export class XmlRpcTransport extends RpcServicesTransport {
  readonly name = 'xmlrpc' as const;

  constructor(private readonly http: OdooHttp, credentials: OdooCredentials, major: number) {
    super(credentials, major);
  }

  async service(service: string, method: string, params: unknown[], call?: OdooCall): Promise<unknown> {
    const where = { model: call?.model, method: call?.method ?? `${service}.${method}` };
    let reply: HttpReply;
    try {
      reply = await this.http.request('POST', `/xmlrpc/2/${service}`, encodeMethodCall(method, params), { 'content-type': 'text/xml' });
    } catch (error) {
      throw mapNetworkError(error, this.name, where);
    }
    if (reply.status !== 200) {
      throw (
        mapHttpStatus(reply.status, this.name, reply.text, { ...where, retryAfter: header(reply, 'retry-after') }) ??
        new OdooUnknownOutcomeError(`unexpected HTTP ${reply.status} from /xmlrpc/2/${service}`, { transport: this.name, ...where })
      );
    }
    let decoded: XmlRpcResponse;
    try {
      decoded = await decodeMethodResponse(reply.text);
    } catch {
      throw new OdooUnknownOutcomeError(`unreadable XML-RPC reply: ${reply.text.slice(0, 200)}`, { transport: this.name, ...where });
    }
    if (decoded.ok) return decoded.value;
    const mapped = mapXmlRpcFault(decoded.faultCode, decoded.faultString, where);
    if (mapped === SUCCEEDED_WITHOUT_VALUE) return null;
    throw mapped;
  }
}
