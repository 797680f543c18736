import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CarrierApi, CarrierOptions, DEV_CARRIER_KEY } from './carrier/carrier-api';
import { Carrier } from './carrier/shipments';
import { CheckoutSessions, GatewayEvent, SessionAnswer } from './gateway/checkout-sessions';
import { GatewayAnswer, PaymentGateway } from './gateway/payment-gateway';
import { everyNth } from './idempotency';
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
  /** Where signed payment webhooks go (authorised, declined, captured, voided, refunded, pay-by-link); none: no webhooks. */
  webhook?: WebhookTarget | null;
  /** The carrier under `/carrier/v1`; default: the dev key, 1 s steps, no exceptions, no webhooks. */
  carrier?: Partial<CarrierOptions>;
}

export interface RunningRetailSim {
  url: string;
  port: number;
  gateway: PaymentGateway;
  checkout: CheckoutSessions;
  carrier: Carrier;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/**
 * retail-sim over HTTP: the payment gateway under `/v1` (JSON bodies, Stripe's paths and answers) with
 * its pay-by-link page `/pay/:id`, the carrier under `/carrier/v1`, `/health/live` and `/health/ready`
 * for the platform's start-up.
 */
export async function startRetailSim(options: RetailSimOptions): Promise<RunningRetailSim> {
  let url = '';
  const simUrl = () => url;
  const gateway = new PaymentGateway({ declineRate: options.declineRate });
  const checkout = new CheckoutSessions(gateway, simUrl);
  const carrierApi = new CarrierApi({ key: DEV_CARRIER_KEY, stepMs: 1000, exceptionRate: 0, ...options.carrier }, simUrl);
  const webhooks = new WebhookSender(options.webhook ?? null);
  let writes = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: { type: 'api_error', message: String(error) } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://retail-sim');
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean);
    if (url.pathname === '/health/live' || url.pathname === '/health/ready') return send(res, 200, { status: 'ok' });
    const api = parts[0] === 'v1' ? 'gateway' : parts[0] === 'carrier' && parts[1] === 'v1' ? 'carrier' : parts[0] === 'pay' && parts.length === 2 && method === 'POST' ? 'pay' : undefined;
    if (!api) return unrecognised(res, method, url);
    // The customer's payment page needs no key; each API has its own.
    const authorised = api === 'pay' || (api === 'gateway' ? req.headers.authorization === `Bearer ${options.gatewayKey}` : carrierApi.authorised(req.headers.authorization));
    if (!authorised) return send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    const body = method === 'POST' ? await readJson(req) : undefined;
    if (body === INVALID) return send(res, 400, { error: { type: 'invalid_request_error', message: 'the body must be a JSON object of at most 64 KiB' } });
    const fields = body as Record<string, unknown> | undefined;
    const key = header(req, 'idempotency-key');
    if (api === 'carrier') return reply(res, carrierApi.route(method, parts, fields, key), method, url);
    if (api === 'pay') return reply(res, withEvents(checkout.pay(parts[1], fields ?? {})), method, url);
    if (options.latencyMs > 0) await sleep(options.latencyMs);
    const answer = route(method, url, parts, fields, key);
    if (!answer) return unrecognised(res, method, url);
    // The effect is done; only the answer is late (a lost response): the caller must query before it gives up.
    const fresh = method === 'POST' && !answer.replayed;
    // The gateway tells the merchant at once, whether or not its answer to the caller gets through.
    if (fresh) notify(parts, answer, fields);
    if (fresh && (fields?.payment_method === ANSWER_LOST_METHOD || everyNth(++writes, options.timeoutRate))) await sleep(options.timeoutDelayMs);
    reply(res, answer, method, url);
  }

  /** The webhook of an intent write that changed something: Stripe's event types. */
  function notify(parts: string[], answer: GatewayAnswer, body: Record<string, unknown> | undefined): void {
    // A refund made: Stripe's refund.created with the Refund (its metadata names the merchant's refund).
    if (parts[1] === 'refunds' && answer.status === 200) return void webhooks.send('refund.created', answer.body);
    if (parts[1] !== 'payment_intents') return;
    if (answer.status === 402 && parts.length === 2) {
      const error = (answer.body as { error: { decline_code?: string; message: string } }).error;
      const metadata = body?.metadata && typeof body.metadata === 'object' ? body.metadata : {};
      webhooks.send('payment_intent.payment_failed', { id: null, object: 'payment_intent', status: 'requires_payment_method', amount: body?.amount, currency: body?.currency, metadata, last_payment_error: error });
      return;
    }
    if (answer.status !== 200) return;
    const { status } = answer.body as { status: string };
    // A non-final capture leaves the intent requires_capture with less capturable (Stripe's event for that);
    // a cancel after partial captures ends it succeeded.
    const type = parts.length === 2 || status === 'requires_capture' ? 'payment_intent.amount_capturable_updated' : status === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.canceled';
    webhooks.send(type, answer.body);
  }

  /** A checkout session's answer, its webhooks sent (lazily noticed expiry included). */
  function withEvents({ answer, events }: SessionAnswer): GatewayAnswer {
    events.forEach((event: GatewayEvent) => webhooks.send(event.type, event.object));
    return answer;
  }

  function route(method: string, url: URL, parts: string[], body: Record<string, unknown> | undefined, key: string | undefined): GatewayAnswer | undefined {
    // v1, payment_intents | checkout, id | sessions, action | id, action
    const write = (run: () => GatewayAnswer) => gateway.write(key, { method, path: url.pathname, body }, run);
    if (parts[1] === 'payment_intents') {
      if (method === 'POST' && parts.length === 2) return write(() => gateway.authorise(key!, body ?? {}));
      if (method === 'GET' && parts.length === 2) return gateway.search(url.searchParams.get('order_id') ?? '');
      if (method === 'GET' && parts.length === 3) return gateway.retrieve(parts[2]);
      if (method === 'POST' && parts[3] === 'capture') return write(() => gateway.capture(parts[2], body ?? {}));
      if (method === 'POST' && parts[3] === 'cancel') return write(() => gateway.cancel(parts[2]));
    }
    if (parts[1] === 'refunds' && method === 'POST' && parts.length === 2) return write(() => gateway.refund(body ?? {}));
    if (parts[1] === 'checkout' && parts[2] === 'sessions') {
      if (method === 'POST' && parts.length === 3) return write(() => checkout.create(body ?? {}));
      if (method === 'GET' && parts.length === 4) return withEvents(checkout.retrieve(parts[3]));
      // Expire is idempotent by itself (a second call is refused, nothing changes), but Stripe takes a key on every POST.
      if (method === 'POST' && parts.length === 5 && parts[4] === 'expire') return write(() => withEvents(checkout.expire(parts[3])));
    }
    return undefined;
  }

  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    port,
    gateway,
    checkout,
    carrier: carrierApi.carrier,
    close: async () => {
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      await Promise.all([webhooks.drain(), carrierApi.close()]);
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

function unrecognised(res: ServerResponse, method: string, url: URL): void {
  send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${url.pathname})` } });
}

function reply(res: ServerResponse, answer: GatewayAnswer | undefined, method: string, url: URL): void {
  if (!answer) return unrecognised(res, method, url);
  send(res, answer.status, answer.body, answer.replayed ? { 'idempotent-replayed': 'true' } : {});
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
