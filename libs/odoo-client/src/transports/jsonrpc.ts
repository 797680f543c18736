import { OdooCall } from '../call';
import { mapHttpStatus, mapJsonRpcError, mapNetworkError } from '../error-mapping';
import { OdooUnknownOutcomeError } from '../errors';
import { HttpReply, OdooHttp } from '../http';
import { OdooCredentials, RpcServicesTransport } from './transport';

/** The `/jsonrpc` service envelope: the XML-RPC services with JSON encoding (reference §1.4). */
export class JsonRpcTransport extends RpcServicesTransport {
  readonly name = 'jsonrpc' as const;
  private nextId = 1;

  constructor(private readonly http: OdooHttp, credentials: OdooCredentials, major: number) {
    super(credentials, major);
  }

  /** A call to one of the RPC services (`common`, `object`, `db`). */
  async service(service: string, method: string, args: unknown[], call?: OdooCall): Promise<unknown> {
    const where = { model: call?.model, method: call?.method ?? `${service}.${method}` };
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', id, params: { service, method, args } });
    let reply: HttpReply;
    try {
      reply = await this.http.request('POST', '/jsonrpc', body, { 'content-type': 'application/json' });
    } catch (error) {
      throw mapNetworkError(error, this.name, where);
    }
    return decodeJsonRpcReply(reply, where);
  }
}

/** Shared with the version probe: a JSON-RPC reply to its result, or the mapped error. */
export function decodeJsonRpcReply(reply: HttpReply, where: { model?: string; method?: string }): unknown {
  if (reply.status !== 200) {
    throw (
      mapHttpStatus(reply.status, 'jsonrpc', reply.text, { ...where, retryAfter: header(reply, 'retry-after') }) ??
      new OdooUnknownOutcomeError(`unexpected HTTP ${reply.status} from /jsonrpc`, { transport: 'jsonrpc', ...where })
    );
  }
  let parsed: { result?: unknown; error?: Parameters<typeof mapJsonRpcError>[0] };
  try {
    parsed = JSON.parse(reply.text);
  } catch {
    throw new OdooUnknownOutcomeError(`unreadable JSON-RPC reply: ${reply.text.slice(0, 200)}`, { transport: 'jsonrpc', ...where });
  }
  if (parsed.error) throw mapJsonRpcError(parsed.error, where);
  // Odoo omits `result` when the method returned None (§1.4): success without a value.
  return parsed.result ?? null;
}

export function header(reply: HttpReply, name: string): string | null {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : (value ?? null);
}
