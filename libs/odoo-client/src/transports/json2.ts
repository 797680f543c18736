import { json2Body, OdooCall } from '../call';
import { mapHttpStatus, mapJson2Error, mapNetworkError } from '../error-mapping';
import { OdooAccessDeniedError, OdooUnknownOutcomeError } from '../errors';
import { HttpReply, OdooHttp } from '../http';
import { header } from './jsonrpc';
import { OdooTransport } from './transport';

/** Odoo 19's JSON-2 API: `POST /json/2/<model>/<method>`, bearer API key, named parameters (reference §1.7). */
export class Json2Transport implements OdooTransport {
  readonly name = 'json2' as const;

  constructor(
    private readonly http: OdooHttp,
    private readonly settings: { database: string; apiKey: string; userAgent: string },
    private readonly major: number,
  ) {}

  async authenticate(): Promise<number> {
    const context = (await this.execute({ model: 'res.users', method: 'context_get' })) as { uid?: number } | null;
    if (!context || typeof context.uid !== 'number') {
      throw new OdooAccessDeniedError('Odoo did not say which user the API key belongs to', { transport: this.name });
    }
    return context.uid;
  }

  async execute(call: OdooCall): Promise<unknown> {
    const where = { model: call.model, method: call.method };
    let reply: HttpReply;
    try {
      reply = await this.http.request('POST', `/json/2/${call.model}/${call.method}`, JSON.stringify(json2Body(call, this.major)), {
        authorization: `bearer ${this.settings.apiKey}`,
        'x-odoo-database': this.settings.database,
        'content-type': 'application/json; charset=utf-8',
        'user-agent': this.settings.userAgent,
      });
    } catch (error) {
      throw mapNetworkError(error, this.name, where);
    }
    const body = parseJson(reply.text);
    if (reply.status === 200) {
      if (body === UNPARSEABLE) {
        throw new OdooUnknownOutcomeError(`unreadable JSON-2 reply: ${reply.text.slice(0, 200)}`, { transport: this.name, ...where });
      }
      return body;
    }
    if (body === UNPARSEABLE) {
      // Not Odoo's own answer (a proxy, a killed worker): judge by the status alone.
      throw (
        mapHttpStatus(reply.status, this.name, reply.text, { ...where, retryAfter: header(reply, 'retry-after') }) ??
        new OdooUnknownOutcomeError(`unexpected HTTP ${reply.status} from JSON-2`, { transport: this.name, ...where })
      );
    }
    if (reply.status === 429 || reply.status === 502 || reply.status === 503 || reply.status === 504) {
      throw mapHttpStatus(reply.status, this.name, reply.text, { ...where, retryAfter: header(reply, 'retry-after') });
    }
    throw mapJson2Error(reply.status, body, where);
  }
}

const UNPARSEABLE = Symbol('unparseable');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return UNPARSEABLE;
  }
}
