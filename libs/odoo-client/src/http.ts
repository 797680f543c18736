import { Dispatcher, Pool } from 'undici';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface OdooHttpOptions {
  /** Parallel keep-alive connections to Odoo (its workers are few; 2–4 per DB is sensible, §6.2). */
  connections: number;
  /** Abort a call whose answer has not fully arrived within this time (keep well under Odoo's limit_time_real). */
  timeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * Keep-alive HTTP to one Odoo server. Errors are thrown as they come from undici; the transports turn
 * them into "not sent" or "unknown outcome" (see mapNetworkError).
 */
export class OdooHttp {
  private readonly pool: Pool;

  constructor(readonly baseUrl: string, options: OdooHttpOptions) {
    const url = new URL(baseUrl);
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      pipelining: 1,
    });
    this.basePath = url.pathname.replace(/\/$/, '');
  }

  private readonly basePath: string;

  async request(method: 'GET' | 'POST', path: string, body?: string, headers: Record<string, string> = {}): Promise<HttpReply> {
    const options: Dispatcher.RequestOptions = { method, path: `${this.basePath}${path}`, headers, body };
    const response = await this.pool.request(options);
    // Reading the body can fail too (connection dropped mid-reply): the caller sees one error either way.
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
