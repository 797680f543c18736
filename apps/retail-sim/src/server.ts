import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayAnswer, PaymentGateway } from './gateway/payment-gateway';
import { WebhookSender, WebhookTarget } from './webhooks/webhook-sender';

export const DEV_GATEWAY_KEY = 'sk_test_omnibus_dev';

export interface RetailSimOptions {
  port: number;
  host?: string;
  /** The secret key callers send as `Authorization: Bearer <key>`. */
  gatewayKey: string;
  /** Added to every gateway call, as a real gateway's round trip. */
  latencyMs: number;
  declineRate: number;
  /** Share of writes that take effect but answer only after `timeoutDelayMs`: the caller's outcome is unknown. */
  timeoutRate: number;
  timeoutDelayMs: number;
  /** Where signed payment webhooks go (authorised, declined, captured, voided); none: no webhooks. */
  webhook?: WebhookTarget | null;
}

export interface RunningRetailSim {
  url: string;
  port: number;
  gateway: PaymentGateway;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/**
 * retail-sim over HTTP: the payment gateway under `/v1` (JSON bodies, Stripe's paths and answers),
 * `/health/live` and `/health/ready` for the platform's start-up. The carrier comes next.
 */
export async function startRetailSim(options: RetailSimOptions): Promise<RunningRetailSim> {
  const gateway = new PaymentGateway({ declineRate: options.declineRate });
  const webhooks = new WebhookSender(options.webhook ?? null);
  let writes = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: { type: 'api_error', message: String(error) } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://retail-sim');
    if (url.pathname === '/health/live' || url.pathname === '/health/ready') return send(res, 200, { status: 'ok' });
    if (!url.pathname.startsWith('/v1/')) return send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } });
    if (req.headers.authorization !== `Bearer ${options.gatewayKey}`) {
      return send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (body === INVALID) return send(res, 400, { error: { type: 'invalid_request_error', message: 'the body must be a JSON object of at most 64 KiB' } });
    if (options.latencyMs > 0) await sleep(options.latencyMs);
    const fields = body as Record<string, unknown> | undefined;
    const answer = route(req.method ?? 'GET', url, fields, header(req, 'idempotency-key'));
    if (!answer) return send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } });
    // The effect is done; only the answer is late (a lost response): the caller must query before it gives up.
    const fresh = req.method === 'POST' && !answer.replayed;
    // The gateway tells the merchant at once, whether or not its answer to the caller gets through.
    if (fresh) notify(url, answer, fields);
    if (fresh && (fields?.payment_method === ANSWER_LOST_METHOD || (options.timeoutRate > 0 && (++writes * options.timeoutRate) % 1 < options.timeoutRate))) await sleep(options.timeoutDelayMs);
    send(res, answer.status, answer.body, answer.replayed ? { 'idempotent-replayed': 'true' } : {});
  }

  /** The webhook of a write that changed something: Stripe's event types. */
  function notify(url: URL, answer: GatewayAnswer, body: Record<string, unknown> | undefined): void {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[1] !== 'payment_intents') return;
    if (answer.status === 402 && parts.length === 2) {
      const error = (answer.body as { error: { decline_code?: string; message: string } }).error;
      const metadata = body?.metadata && typeof body.metadata === 'object' ? body.metadata : {};
      webhooks.send('payment_intent.payment_failed', { id: null, object: 'payment_intent', status: 'requires_payment_method', amount: body?.amount, currency: body?.currency, metadata, last_payment_error: error });
      return;
    }
    if (answer.status !== 200) return;
    const type = parts.length === 2 ? 'payment_intent.amount_capturable_updated' : parts[3] === 'capture' ? 'payment_intent.succeeded' : 'payment_intent.canceled';
    webhooks.send(type, answer.body);
  }

  function route(method: string, url: URL, body: Record<string, unknown> | undefined, key: string | undefined): GatewayAnswer | undefined {
    const parts = url.pathname.split('/').filter(Boolean); // v1, payment_intents, id, action
    const write = (run: () => GatewayAnswer) => gateway.write(key, { method, path: url.pathname, body }, run);
    if (parts[1] === 'payment_intents') {
      if (method === 'POST' && parts.length === 2) return write(() => gateway.authorise(key!, body ?? {}));
      if (method === 'GET' && parts.length === 2) return gateway.search(url.searchParams.get('order_id') ?? '');
      if (method === 'GET' && parts.length === 3) return gateway.retrieve(parts[2]);
      if (method === 'POST' && parts[3] === 'capture') return write(() => gateway.capture(parts[2], body ?? {}));
      if (method === 'POST' && parts[3] === 'cancel') return write(() => gateway.cancel(parts[2]));
    }
    if (parts[1] === 'refunds' && method === 'POST' && parts.length === 2) return write(() => gateway.refund(body ?? {}));
    return undefined;
  }

  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    gateway,
    close: async () => {
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await webhooks.drain();
    },
  };
}

/** The test payment method whose authorisation takes effect but answers late (an answer lost in transit). */
export const ANSWER_LOST_METHOD = 'pm_card_answer_lost';

const INVALID = Symbol('invalid body');

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return INVALID;
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : INVALID;
  } catch {
    return INVALID;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
