import { OdooCommandSucceeded, StockPositionChanged, StockReserved } from '@omnibus/contracts';
import { AvroSerde, SchemaRegistryClient } from '@omnibus/messaging';
import { appLogFile, AppStatus, appStatuses, platformContext, SERVICES, serviceUrl } from '@omnibus/infra';
import { issueToken } from '@omnibus/service-kit';
import { kafkaClientConfig } from '@omnibus/service-kit/kafka';
import { Admin, Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { formatTable } from '../table';
import { CatalogueProduct, DEMO_SKUS, demoOrders } from './demo-orders';
import { endOffsets, EventWatcher } from './event-watcher';
import { OdooJsonRpc } from './odoo-json-rpc';

export interface DemoSettings {
  orderUrl: string;
  registryUrl: string;
  odoo: { url: string; database: string; login: string; password: string };
  kafka: KafkaConfig;
  /** How many orders to post (1-5). */
  orders: number;
  /** Deadline for each wait (orders confirmed, events arriving). */
  timeoutMs: number;
  /** Also change stock in Odoo and wait for the event. */
  stock: boolean;
}

/** Where the running platform is: the operator contract's URLs, each overridable as for `omnibus up`. */
export function demoSettingsFromEnv(env: NodeJS.ProcessEnv, options: { orders: number; timeoutMs: number; stock: boolean }): DemoSettings {
  const urlOf = (name: string) => serviceUrl(SERVICES.find((service) => service.name === name)!, env);
  return {
    orderUrl: urlOf('order'),
    registryUrl: env.SCHEMA_REGISTRY_URL ?? urlOf('schema-registry'),
    // odoo-sim's development login; point these at another Odoo like the adapter's settings.
    odoo: { url: env.ODOO_URL ?? urlOf('odoo-sim'), database: env.ODOO_DATABASE ?? 'omnibus', login: env.ODOO_LOGIN ?? 'admin', password: env.ODOO_PASSWORD ?? 'admin' },
    kafka: kafkaClientConfig(env, { clientId: 'omnibus-demo', logLevel: logLevel.NOTHING }),
    ...options,
  };
}

type Print = (line?: string) => void;

const JOURNEY_TOPICS = ['retail.orders', 'inventory.commands', 'retail.reservations', 'payments.commands', 'retail.payments', 'odoo.commands', 'odoo.results'];
const WATCHED_TOPICS = [...JOURNEY_TOPICS, 'retail.inventory'];
const CHANNEL = 'channel:demo-shop';

interface PostedOrder {
  ref: string;
  /** The request as sent, with its Idempotency-Key, to show what a channel's retry does. */
  request: { key: string; body: Record<string, unknown> };
  shopper: string;
  orderId: string;
  postedAt: number;
  traceId: string;
  total: { amountMinor: number; currency: string };
}

/**
 * `omnibus demo`: a channel posts orders to the order service; each order's saga reserves its stock in
 * inventory, goes through the outbox, Kafka and the odoo-adapter into Odoo, and comes back as
 * `confirmed_in_odoo`, then `released_to_warehouse`. The demo shows the sale orders as
 * Odoo's own API returns them, one order's events on Kafka, and a stock change in Odoo arriving as
 * an event. Throws (the command exits 1) with what to look at when a step does not happen in time.
 */
export async function runDemo(settings: DemoSettings, print: Print): Promise<void> {
  print('Omnibus demo: orders from a web shop to Odoo and back, through the outbox, Kafka and the Odoo adapter');

  await expectReady('order service', settings.orderUrl);
  const odoo = new OdooJsonRpc(settings.odoo.url, settings.odoo.database, settings.odoo.login, settings.odoo.password);
  const products = (
    await odoo.searchRead<{ default_code: string; name: string; lst_price: number }>('product.product', [['default_code', 'in', [...DEMO_SKUS]]], ['default_code', 'name', 'lst_price'])
  ).map((product): CatalogueProduct => ({ sku: product.default_code, name: product.name, listPrice: product.lst_price }));

  section(print, '1', 'A channel token');
  const token = await issueToken({ sub: CHANNEL, scopes: ['orders:write', 'orders:read'], ttl: '15m' });
  print(`   ${CHANNEL}, scopes orders:write orders:read, valid 15 minutes (npx omnibus token makes your own)`);

  // One reader of the demo's topics from here on; it joins its consumer group while the orders go out.
  const kafka = new Kafka(settings.kafka);
  const admin = kafka.admin();
  await admin.connect();
  // It reads from the ends of the logs before the first order, so nothing of the journey is missed.
  const watching = EventWatcher.start(kafka, admin, await endOffsets(admin, WATCHED_TOPICS));
  watching.catch(() => undefined); // awaited below; a failure surfaces there
  let posted: PostedOrder[];
  try {
    section(print, '2', `${settings.orders} order${settings.orders === 1 ? '' : 's'} for products of Odoo's catalogue: POST ${settings.orderUrl}/orders`);
    posted = await postOrders(settings, token, products, print);

    section(print, '3', `Following them through stock, payment and Odoo to the warehouse (deadline ${settings.timeoutMs / 1000} s)`);
    await followToOdoo(settings, token, posted, print);

    section(print, '4', `The sale orders in Odoo, read back through Odoo's JSON-RPC API (${settings.odoo.url}/jsonrpc)`);
    await showSaleOrders(odoo, posted, print);

    const watcher = await watching;
    section(print, '5', `The journey of ${posted[0].ref} on Kafka (order ${posted[0].orderId})`);
    await showJourney(watcher, admin, posted[0], settings, print);

    if (settings.stock) {
      section(print, '6', 'A stock change in Odoo arriving as an event');
      await showStockChange(watcher, odoo, products[0]?.sku ?? DEMO_SKUS[0], settings, print);
    }
  } finally {
    await (await watching.catch(() => undefined))?.stop();
    await admin.disconnect();
  }

  section(print, settings.stock ? '7' : '6', 'Where to look');
  await showWhereToLook(posted[0].orderId, settings, print);
}

function section(print: Print, number: string, title: string): void {
  print();
  print(`${number}. ${title}`);
}

async function expectReady(what: string, url: string): Promise<void> {
  let status: number;
  try {
    status = (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3_000) })).status;
  } catch {
    throw new Error(`the ${what} does not answer at ${url}: start the platform first with npx omnibus up (or npm start)`);
  }
  if (status !== 200) throw new Error(`the ${what} at ${url} is not ready (GET /health/ready answered ${status}): see npx omnibus status`);
}

async function postOrders(settings: DemoSettings, token: string, products: CatalogueProduct[], print: Print): Promise<PostedOrder[]> {
  const run = Date.now().toString(36).toUpperCase();
  const posted: PostedOrder[] = [];
  const rows: string[][] = [];
  for (const order of demoOrders(products, run, settings.orders)) {
    const traceId = randomBytes(16).toString('hex');
    const request = { key: randomUUID(), body: order.body };
    // The trace starts at the channel: everything this order causes carries this trace id.
    const { status, body } = await postOrder(settings, token, request, `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    if (status !== 201) throw new Error(`POST /orders answered ${status} for ${order.body.channelOrderRef}: ${JSON.stringify(body.issues ?? body.message ?? body)}`);
    posted.push({ ref: body.channelOrderRef, request, shopper: order.shopper, orderId: body.orderId, postedAt: Date.now(), traceId, total: body.totals.grandTotal });
    rows.push([body.channelOrderRef, order.channelId, order.shopper, `${body.lines.length}`, money(body.totals.grandTotal), `${status} ${body.status}`, body.orderId]);
  }
  print(indent(formatTable(['channel ref', 'channel', 'customer', 'lines', 'total', 'answer', 'order id'], rows)));

  // A channel that lost the answer sends the same request again.
  const first = posted[0];
  const retry = await postOrder(settings, token, first.request);
  if (retry.status !== 200 || retry.body.orderId !== first.orderId) {
    throw new Error(`re-sending ${first.ref} with the same Idempotency-Key answered ${retry.status} ${JSON.stringify(retry.body)}`);
  }
  print(`   Re-sent ${first.ref} with the same Idempotency-Key (a channel's retry): 200, the same order ${first.orderId}, nothing new.`);
  return posted;
}

async function postOrder(settings: DemoSettings, token: string, request: PostedOrder['request'], traceparent?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${settings.orderUrl}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': request.key,
      ...(traceparent ? { traceparent } : {}),
    },
    body: JSON.stringify(request.body),
  });
  return { status: response.status, body: await response.json() };
}

async function followToOdoo(settings: DemoSettings, token: string, posted: PostedOrder[], print: Print): Promise<void> {
  const confirmed = new Set<string>();
  const deadline = Date.now() + settings.timeoutMs;
  while (confirmed.size < posted.length) {
    for (const order of posted.filter((o) => !confirmed.has(o.orderId))) {
      const current = (await (await fetch(`${settings.orderUrl}/orders/${order.orderId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
      // The end of today's journey: stock reserved, payment authorised, Odoo sale order confirmed, stock
      // released to the warehouse and the payment captured.
      if (current.status === 'released_to_warehouse') {
        confirmed.add(order.orderId);
        const seconds = ((Date.now() - order.postedAt) / 1000).toFixed(1);
        print(`   ✓ ${order.ref}  ${current.status} as ${current.odoo.saleOrderName} (Odoo id ${current.odoo.saleOrderId}), payment ${current.paymentStatus}, after ${seconds} s`);
      } else if (current.status === 'flagged_for_review' || current.status === 'cancelled') {
        const reason = current.status === 'cancelled' ? JSON.stringify(current.cancellation) : (current.review?.message ?? 'no reason given');
        throw new Error(`order ${order.ref} (${order.orderId}) was ${current.status}: ${reason}`);
      }
    }
    if (confirmed.size === posted.length) break;
    if (Date.now() > deadline) {
      const waiting = posted.filter((o) => !confirmed.has(o.orderId)).map((o) => o.ref);
      throw new Error(
        `${waiting.join(', ')} still not in Odoo after ${settings.timeoutMs / 1000} s. Look at: npx omnibus status (all running?), ` +
          `npx omnibus outbox status --service order ` +
          `(command published?), npx omnibus lag (odoo.commands consumed?), npx omnibus dlq list --service odoo-adapter, ` +
          `${logPath('odoo-adapter')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function showSaleOrders(odoo: OdooJsonRpc, posted: PostedOrder[], print: Print): Promise<void> {
  const saleOrders = await odoo.searchRead<{ name: string; state: string; client_order_ref: string; partner_id: [number, string]; amount_total: number; order_line: number[] }>(
    'sale.order',
    [['client_order_ref', 'in', posted.map((order) => order.orderId)]],
    ['name', 'state', 'client_order_ref', 'partner_id', 'amount_total', 'order_line'],
    { order: 'id asc' },
  );
  const ours = new Map(posted.map((order) => [order.orderId, order]));
  const rows = saleOrders.map((so) => [
    so.name,
    so.state,
    so.client_order_ref,
    so.partner_id[1],
    String(so.order_line.length),
    so.amount_total.toFixed(2),
    ours.get(so.client_order_ref) ? money(ours.get(so.client_order_ref)!.total) : '',
  ]);
  print(indent(formatTable(['name', 'state', 'client_order_ref (our order id)', 'customer', 'lines', 'amount_total', 'our total'], rows)));
  const missing = posted.filter((order) => !saleOrders.some((so) => so.client_order_ref === order.orderId));
  if (missing.length > 0) throw new Error(`Odoo has no sale order for ${missing.map((order) => order.ref).join(', ')}`);
  const twice = posted.filter((order) => saleOrders.filter((so) => so.client_order_ref === order.orderId).length > 1);
  if (twice.length > 0) throw new Error(`Odoo has more than one sale order for ${twice.map((order) => order.ref).join(', ')}`);
  print('   One sale order per order, confirmed ("sale"). Odoo computes its own tax; shipping is not sent to Odoo yet,');
  print("   so Odoo's amount_total is our total without shipping.");
}

async function showJourney(watcher: EventWatcher, admin: Admin, order: PostedOrder, settings: DemoSettings, print: Print) {
  // Everything published up to now has been read: the journey is complete.
  const until = await endOffsets(admin, JOURNEY_TOPICS);
  await watcher.until((events) => (watcher.caughtUp(until) ? events : undefined), settings.timeoutMs, 'complete read of the journey topics');
  // In the order they happened (ce_time; results of Odoo commands have deterministic, not time-ordered, ids).
  const journey = watcher.events.filter((event) => event.key === order.orderId).sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url: settings.registryUrl }) });
  const rows: string[][] = [];
  for (const event of journey) {
    let detail = '';
    if (event.type === OdooCommandSucceeded.type && event.value) {
      const result = await serde.decodeAs(OdooCommandSucceeded, event.value).catch(() => undefined);
      if (result) detail = `${result.odooModel} ${result.odooRecordName ?? result.odooRecordId}${result.alreadyApplied ? ' (already there)' : ''}`;
    }
    if (event.type === StockReserved.type && event.value) {
      const reserved = await serde.decodeAs(StockReserved, event.value).catch(() => undefined);
      if (reserved) detail = reserved.lines.map((line) => `${line.sku} ×${Number(line.quantity.milli) / 1000} @ ${line.location.locationId}`).join(', ');
    }
    rows.push([event.topic, shortType(event.type), event.id, event.correlationId === order.orderId ? '= order id' : (event.correlationId ?? '-'), event.causationId ?? '-', detail]);
  }
  print(indent(formatTable(['topic', 'event', 'ce_id', 'correlation-id', 'causation-id', 'result'], rows)));
  const traces = new Set(journey.map((event) => event.traceId));
  print(
    traces.size === 1 && traces.has(order.traceId)
      ? `   All ${journey.length} events carry the channel request's trace ${order.traceId} (W3C traceparent), from the HTTP request through inventory, the payment gateway and Odoo.`
      : `   Trace ids seen: ${[...traces].join(', ')}`,
  );
}

async function showStockChange(watcher: EventWatcher, odoo: OdooJsonRpc, sku: string, settings: DemoSettings, print: Print): Promise<void> {
  const [product] = await odoo.searchRead<{ id: number }>('product.product', [['default_code', '=', sku]], ['id']);
  const [warehouse] = await odoo.searchRead<{ lot_stock_id: [number, string] }>('stock.warehouse', [['code', '=', 'WH']], ['lot_stock_id']);
  const [quant] = await odoo.searchRead<{ quantity: number }>('stock.quant', [['product_id', '=', product.id], ['location_id', '=', warehouse.lot_stock_id[0]]], ['quantity']);
  const counted = Math.round(quant?.quantity ?? 0) + 7;

  // An inventory count in Odoo, as a warehouse clerk would record it.
  const inventory = { context: { inventory_mode: true } };
  const quantId = await odoo.execute('stock.quant', 'create', [{ product_id: product.id, location_id: warehouse.lot_stock_id[0], inventory_quantity: counted }], inventory);
  await odoo.execute('stock.quant', 'action_apply_inventory', [[quantId]], inventory);
  const countedAt = Date.now();
  print(`   Odoo: ${sku} counted at ${warehouse.lot_stock_id[1]}: ${quant?.quantity ?? 0} → ${counted} (stock.quant.action_apply_inventory)`);

  const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url: settings.registryUrl }) });
  const position = await watcher
    .until(
      async (events) => {
        for (const event of events) {
          if (event.type !== StockPositionChanged.type || event.key !== sku || !event.value) continue;
          const value = await serde.decodeAs(StockPositionChanged, event.value);
          if (value.onHand.milli === counted * 1000) return value;
        }
        return undefined;
      },
      settings.timeoutMs,
      `StockPositionChanged for ${sku}`,
    )
    .catch((error: Error) => error);
  if (position instanceof Error) {
    print(`   – ${position.message} on retail.inventory: the adapter's inbound stock sync is not running (ODOO_SYNC_ENABLED=false?); skipped`);
    return;
  }
  const seconds = ((Date.now() - countedAt) / 1000).toFixed(1);
  print(`   ✓ StockPositionChanged on retail.inventory after ${seconds} s: ${position.sku} at ${position.location.locationId}, on hand ${position.onHand.milli / 1000} (source ${position.source})`);
}

async function showWhereToLook(orderId: string, settings: DemoSettings, print: Print): Promise<void> {
  const apps: AppStatus[] = await appStatuses(platformContext()).catch(() => []);
  const rows = apps.map((app) => [app.name, app.url, `${app.url}/metrics`, app.readiness.ready ? 'ready' : 'not ready', logPath(app.name)]);
  if (rows.length > 0) print(indent(formatTable(['app', 'URL', 'metrics', 'state', 'log'], rows)));
  print();
  print(`   This order:      curl -s ${settings.orderUrl}/orders/${orderId} -H "authorization: Bearer $(npx omnibus token --sub ${CHANNEL} --scope orders:read)"`);
  print('   Everything up?   npx omnibus status');
  print('   Dead letters:    npx omnibus dlq list            (add --service odoo-adapter, order, …)');
  print('   Consumer lag:    npx omnibus lag');
  print('   Outbox backlog:  npx omnibus outbox status');
  print('   Topics:          npx omnibus topics');
}

function logPath(app: string): string {
  return path.relative(process.cwd(), appLogFile(platformContext(), app)) || appLogFile(platformContext(), app);
}

function shortType(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

function money(amount: { amountMinor: number; currency: string }): string {
  return `${amount.currency} ${(amount.amountMinor / 100).toFixed(2)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');
}
