import { OdooCommandSucceeded, ShipmentDispatched, StockPositionChanged, StockReserved } from '@omnibus/contracts';
import { AvroSerde, SchemaRegistryClient } from '@omnibus/messaging';
import { appLogFile, AppStatus, appStatuses, platformContext, SERVICES, serviceUrl } from '@omnibus/infra';
import { issueToken } from '@omnibus/service-kit';
import { kafkaClientConfig } from '@omnibus/service-kit/kafka';
import { Admin, Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { formatTable } from '../table';
import { RETURN_STORE, showReturn } from './demo-return';
import { CatalogueProduct, DEMO_SKUS, DemoOrder, demoOrders, toMinorUnits } from './demo-orders';
import { endOffsets, EventWatcher } from './event-watcher';
import { OdooJsonRpc } from './odoo-json-rpc';
import { CarrierApi, CarrierShipment, DEV_CARRIER_KEY, planParcels } from './warehouse';

export interface DemoSettings {
  orderUrl: string;
  inventoryUrl: string;
  /** The returns service, for the return of a delivered order. */
  returnsUrl: string;
  registryUrl: string;
  odoo: { url: string; database: string; login: string; password: string };
  /** retail-sim's carrier, with which the demo (as the warehouse) books the parcels. */
  carrier: { url: string; key: string };
  kafka: KafkaConfig;
  /** The platform's topic names where they are not the catalogue's (TOPIC_OVERRIDES, as the apps take it). */
  topics: Record<string, string>;
  /** How many orders to post (1-5). */
  orders: number;
  /** Deadline for each wait (orders confirmed, events arriving). */
  timeoutMs: number;
  /** Also change stock in Odoo and wait for the event. */
  stock: boolean;
  /** Also return part of a delivered order at a store (refund, restock, Odoo return picking and credit note). */
  returns: boolean;
}

/** Where the running platform is: the operator contract's URLs, each overridable as for `omnibus up`. */
export function demoSettingsFromEnv(env: NodeJS.ProcessEnv, { returns = true, ...options }: { orders: number; timeoutMs: number; stock: boolean; returns?: boolean }): DemoSettings {
  const urlOf = (name: string) => serviceUrl(SERVICES.find((service) => service.name === name)!, env);
  return {
    orderUrl: urlOf('order'),
    inventoryUrl: urlOf('inventory'),
    returnsUrl: urlOf('returns'),
    registryUrl: env.SCHEMA_REGISTRY_URL ?? urlOf('schema-registry'),
    // odoo-sim's development login; point these at another Odoo like the adapter's settings.
    odoo: { url: env.ODOO_URL ?? urlOf('odoo-sim'), database: env.ODOO_DATABASE ?? 'omnibus', login: env.ODOO_LOGIN ?? 'admin', password: env.ODOO_PASSWORD ?? 'admin' },
    carrier: { url: urlOf('retail-sim'), key: env.RETAIL_SIM_CARRIER_KEY ?? DEV_CARRIER_KEY },
    kafka: kafkaClientConfig(env, { clientId: 'omnibus-demo', logLevel: logLevel.NOTHING }),
    topics: env.TOPIC_OVERRIDES ? (JSON.parse(env.TOPIC_OVERRIDES) as Record<string, string>) : {},
    returns,
    ...options,
  };
}

type Print = (line?: string) => void;

const JOURNEY_TOPICS = ['retail.orders', 'inventory.commands', 'retail.reservations', 'payments.commands', 'retail.payments', 'odoo.commands', 'odoo.results', 'retail.shipments'];
const WATCHED_TOPICS = [...JOURNEY_TOPICS, 'retail.inventory'];
const CHANNEL = 'channel:demo-shop';
/** The inventory region the order service reserves US orders in (its default ORDER_RESERVATION_REGIONS). */
const DEMO_REGION = 'us-west';

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

/** A parcel as the demo booked it. */
interface BookedParcel {
  shipment: CarrierShipment;
  lines: string;
}

/**
 * `omnibus demo`: a channel posts orders to the order service; each order's saga reserves its stock in
 * inventory, goes through the outbox, Kafka and the odoo-adapter into Odoo, and comes back as
 * `confirmed_in_odoo`, then `released_to_warehouse`. Then the demo is the warehouse: it books each
 * order's parcels with retail-sim's carrier, whose signed webhooks move the saga on (Odoo delivery
 * validated, the parcel's share captured, invoiced and paid in Odoo) until the order is `completed`.
 * It shows the sale orders, deliveries and invoices as Odoo's own API returns them, one order's events
 * on Kafka, and a stock change in Odoo arriving as an event. Throws (the command exits 1) with what to look at when a step does not happen in time.
 */
export async function runDemo(settings: DemoSettings, print: Print): Promise<void> {
  print('Omnibus demo: orders from a web shop to Odoo and back, through the outbox, Kafka and the Odoo adapter');

  await expectReady('order service', settings.orderUrl);
  await expectReady("retail-sim (the payment gateway and the carrier)", settings.carrier.url);
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
  const watching = EventWatcher.start(kafka, admin, await endOffsets(admin, WATCHED_TOPICS.map((topic) => settings.topics[topic] ?? topic)));
  watching.catch(() => undefined); // awaited below; a failure surfaces there
  let posted: PostedOrder[];
  const next = sectionNumbers(2);
  try {
    section(print, '2', `${settings.orders} order${settings.orders === 1 ? '' : 's'} for products of Odoo's catalogue: POST ${settings.orderUrl}/orders`);
    posted = await postOrders(settings, token, products, print);

    section(print, next(), `Following them through stock, payment and Odoo to the warehouse (deadline ${settings.timeoutMs / 1000} s)`);
    await followToWarehouse(settings, token, posted, print);

    section(print, next(), `The sale orders in Odoo, read back through Odoo's JSON-RPC API (${settings.odoo.url}/jsonrpc)`);
    await showSaleOrders(odoo, posted, print);

    section(print, next(), `The warehouse ships them with retail-sim's carrier (${settings.carrier.url}/carrier/v1), which reports to the order service by signed webhooks (deadline ${settings.timeoutMs / 1000} s)`);
    const parcels = await shipToCompletion(settings, token, posted, print);

    section(print, next(), 'Each order shipped, paid, invoiced in Odoo and delivered');
    for (const order of posted) await showFulfilment(settings, token, odoo, order, parcels.get(order.orderId) ?? [], print);

    const watcher = await watching;
    section(print, next(), `The journey of ${posted[0].ref} on Kafka (order ${posted[0].orderId})`);
    await showJourney(watcher, admin, posted[0], settings, print);

    if (settings.returns) {
      section(print, next(), `A return of ${posted[0].ref} at another store (${RETURN_STORE.locationId}): POST ${settings.returnsUrl}/returns, then the store's receipt`);
      await returnFirstLine(settings, token, odoo, watcher, posted[0], print);
    }

    if (settings.stock) {
      section(print, next(), 'A stock change in Odoo arriving as an event');
      await showStockChange(watcher, odoo, products[0]?.sku ?? DEMO_SKUS[0], settings, print);
    }
  } finally {
    await (await watching.catch(() => undefined))?.stop();
    await admin.disconnect();
  }

  section(print, next(), 'Where to look');
  await showWhereToLook(posted[0].orderId, settings, print);
}

/** The customer of the first order sends back all units of its first line (delivered in its first parcel). */
async function returnFirstLine(settings: DemoSettings, token: string, odoo: OdooJsonRpc, watcher: EventWatcher, order: PostedOrder, print: Print): Promise<void> {
  await expectReady('returns service', settings.returnsUrl);
  const current = await getOrder(settings, token, order.orderId);
  const [line] = current.lines as Array<{ lineId: string; sku: string; quantity: string }>;
  const channelId = (order.request.body.channel as { channelId: string }).channelId;
  await showReturn(settings, odoo, watcher, { ref: order.ref, orderId: order.orderId, channelId, currency: order.total.currency, line: { lineId: line.lineId, sku: line.sku, quantity: line.quantity } }, print);
}

/** Section numbers from `first` on, so an optional section does not leave a gap. */
function sectionNumbers(first: number): () => string {
  let current = first;
  return () => String(++current);
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
  const orders = demoOrders(products, Date.now().toString(36).toUpperCase(), settings.orders);
  await waitForStock(settings, orders, print);
  const posted: PostedOrder[] = [];
  const rows: string[][] = [];
  for (const order of orders) {
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

/**
 * Waits until inventory can promise every channel what its orders take: on a platform just started,
 * Odoo's stock may still be on its way (odoo-adapter sync → retail.inventory → inventory), and an
 * order placed before it arrives is rightly refused.
 */
async function waitForStock(settings: DemoSettings, orders: DemoOrder[], print: Print): Promise<void> {
  const needed = new Map<string, Map<string, number>>();
  for (const order of orders) {
    const ofChannel = needed.get(order.channelId) ?? new Map<string, number>();
    for (const line of order.body.lines as Array<{ sku: string; quantity: string }>) ofChannel.set(line.sku, (ofChannel.get(line.sku) ?? 0) + Number(line.quantity));
    needed.set(order.channelId, ofChannel);
  }
  const token = await issueToken({ sub: CHANNEL, scopes: ['availability:read'], ttl: '15m' });
  const started = Date.now();
  let short: string[] = [];
  for (;;) {
    short = [];
    for (const [channel, skus] of needed) {
      const url = `${settings.inventoryUrl}/availability?skus=${[...skus.keys()].join(',')}&channel=${channel}&region=${DEMO_REGION}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } }).catch((error: Error) => {
        throw new Error(`inventory does not answer at ${settings.inventoryUrl} (${error.message}): npx omnibus status`);
      });
      if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
      const answer = (await response.json()) as { skus: Array<{ sku: string; availableToPromise: string | null }> };
      for (const [sku, quantity] of skus) {
        const promised = Number(answer.skus.find((entry) => entry.sku === sku)?.availableToPromise ?? 0);
        if (promised < quantity) short.push(`${sku} ×${quantity} (${promised} available to ${channel})`);
      }
    }
    if (short.length === 0) break;
    if (Date.now() - started > settings.timeoutMs) {
      throw new Error(
        `inventory still cannot promise ${short.join(', ')} after ${settings.timeoutMs / 1000} s: Odoo's stock has not reached it. Look at: ` +
          `the odoo-adapter's stock sync (ODOO_SYNC_ENABLED), npx omnibus lag (retail.inventory consumed?), ${logPath('odoo-adapter')}, ${logPath('inventory')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const waited = (Date.now() - started) / 1000;
  print(`   Inventory can promise what they take (Odoo's stock, through the odoo-adapter)${waited >= 1 ? `, after waiting ${waited.toFixed(1)} s for it` : ''}.`);
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

async function followToWarehouse(settings: DemoSettings, token: string, posted: PostedOrder[], print: Print): Promise<void> {
  const deadline = Date.now() + settings.timeoutMs;
  await Promise.all(
    posted.map(async (order) => {
      // Stock reserved, payment authorised, Odoo sale order confirmed, stock released to the warehouse.
      const current = await waitForOrder(settings, token, order, deadline, (o) => o.status === 'released_to_warehouse', () => [
        `${order.ref} still not in Odoo after ${settings.timeoutMs / 1000} s. Look at: npx omnibus status (all running?), ` +
          `npx omnibus outbox status --service order ` +
          `(command published?), npx omnibus lag (odoo.commands consumed?), npx omnibus dlq list --service odoo-adapter, ` +
          `${logPath('odoo-adapter')}`,
      ]);
      const seconds = ((Date.now() - order.postedAt) / 1000).toFixed(1);
      print(`   ✓ ${order.ref}  ${current.status} as ${current.odoo.saleOrderName} (Odoo id ${current.odoo.saleOrderId}), payment ${current.paymentStatus}, after ${seconds} s`);
    }),
  );
}

async function getOrder(settings: DemoSettings, token: string, orderId: string): Promise<any> {
  const response = await fetch(`${settings.orderUrl}/orders/${orderId}`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET /orders/${orderId} answered ${response.status}`);
  return response.json();
}

/**
 * Polls the order until `holds`; an order cancelled or sent to review ends the demo with its reason,
 * and one still waiting at the deadline with what `late` says to look at.
 */
async function waitForOrder(settings: DemoSettings, token: string, order: PostedOrder, deadline: number, holds: (current: any) => boolean, late: (current: any) => string[]): Promise<any> {
  for (;;) {
    const current = await getOrder(settings, token, order.orderId);
    if (holds(current)) return current;
    if (current.status === 'flagged_for_review' || current.status === 'cancelled') {
      const reason = current.status === 'cancelled' ? JSON.stringify(current.cancellation) : ([current.review?.reason, current.review?.detail].filter(Boolean).join(': ') || 'no reason given');
      throw new Error(`order ${order.ref} (${order.orderId}) was ${current.status}: ${reason}`);
    }
    if (Date.now() > deadline) throw new Error(late(current).join(' '));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * For every order at once: parcel 1 (the first line) booked with the carrier; once the order service has
 * validated its Odoo delivery and captured its share, parcel 2 (the rest). The carrier moves each parcel
 * on by itself; the order is done when it is `completed` (everything shipped, captured, invoiced and
 * paid in Odoo, delivered).
 */
async function shipToCompletion(settings: DemoSettings, token: string, posted: PostedOrder[], print: Print): Promise<Map<string, BookedParcel[]>> {
  const carrier = new CarrierApi(settings.carrier.url, settings.carrier.key);
  const deadline = Date.now() + settings.timeoutMs;
  const booked = new Map<string, BookedParcel[]>();
  await Promise.all(
    posted.map(async (order) => {
      const parcels = planParcels(await getOrder(settings, token, order.orderId));
      const mine: BookedParcel[] = [];
      booked.set(order.orderId, mine);
      for (const [index, parcel] of parcels.entries()) {
        const shipment = await carrier.book(order.orderId, parcel);
        const lines = parcel.lines.map((line) => `${line.sku} ×${line.quantity}`).join(', ');
        mine.push({ shipment, lines });
        print(`   → ${order.ref}  parcel ${index + 1} of ${parcels.length} booked from ${parcel.fromLocation}: ${lines}, tracking ${shipment.tracking_number}`);
        if (index === parcels.length - 1) break;
        // The next parcel leaves once this one is in Odoo and paid for, as a warehouse ships one after another.
        const shipped = await waitForOrder(settings, token, order, deadline, (o) => isValidatedAndCaptured(o, parcel.reference), (o) => notShipped(settings, order, o, parcel.reference));
        const share = shipped.shipments.find((s: any) => s.shipmentId === parcel.reference);
        print(`   ✓ ${order.ref}  parcel ${index + 1} dispatched: its Odoo delivery validated, ${money(share.capturedAmount)} captured (${shipped.status}, payment ${shipped.paymentStatus})`);
      }
      const last = parcels[parcels.length - 1].reference;
      const done = await waitForOrder(settings, token, order, deadline, (o) => o.status === 'completed', (o) => notShipped(settings, order, o, last));
      const seconds = ((Date.now() - order.postedAt) / 1000).toFixed(1);
      print(`   ✓ ${order.ref}  ${done.status}: payment ${done.paymentStatus}, fulfilment ${done.fulfilmentStatus}, invoice ${done.odoo.invoice?.name ?? '-'}, ${seconds} s after it was posted`);
    }),
  );
  return booked;
}

function isValidatedAndCaptured(order: any, shipmentId: string): boolean {
  const shipment = order.shipments?.find((s: any) => s.shipmentId === shipmentId);
  return shipment?.odooDeliveryValidated === true && shipment.capture === 'captured';
}

/** Why an order may not have moved: first, whether the carrier's webhooks reach the order service at all. */
function notShipped(settings: DemoSettings, order: PostedOrder, current: any, shipmentId: string): string[] {
  const heard = current.shipments?.some((s: any) => s.shipmentId === shipmentId);
  return [
    `${order.ref} is ${current.status} (payment ${current.paymentStatus}, fulfilment ${current.fulfilmentStatus}) after ${settings.timeoutMs / 1000} s.`,
    heard
      ? `Look at: npx omnibus outbox status --service order, npx omnibus lag, npx omnibus dlq list --service odoo-adapter, npx omnibus review list, ${logPath('order')}, ${logPath('odoo-adapter')}`
      : `The order service has heard nothing of parcel ${shipmentId}: do retail-sim's carrier webhooks reach it? ` +
        `(An order service and retail-sim started by an older omnibus up have no webhook secrets: npx omnibus down, then npx omnibus up.) ` +
        `Look at ${logPath('retail-sim')} and ${logPath('order')} (401: the secrets differ).`,
  ];
}

/** One order's end: its parcels, its deliveries and invoice in Odoo, its captures, its three statuses. */
async function showFulfilment(settings: DemoSettings, token: string, odoo: OdooJsonRpc, order: PostedOrder, booked: BookedParcel[], print: Print): Promise<void> {
  const current = await getOrder(settings, token, order.orderId);
  print();
  print(`   ${order.ref}  ${current.odoo.saleOrderName}  status ${current.status} · payment ${current.paymentStatus} · fulfilment ${current.fulfilmentStatus}`);
  const shipments = new Map<string, any>(current.shipments.map((s: any) => [s.shipmentId, s]));
  const parcelRows = booked.map(({ shipment, lines }) => {
    const ours = shipments.get(shipment.reference);
    return [shipment.reference, shipment.tracking_number, lines, ours?.status ?? '(not heard of)', ours?.odooDeliveryValidated ? 'validated' : 'no', ours?.capturedAmount ? money(ours.capturedAmount) : '-'];
  });
  print(indent(formatTable(['parcel', 'tracking', 'lines', 'carrier status', 'Odoo delivery', 'captured'], parcelRows), 6));

  const pickings = await odoo.searchRead<{ name: string; state: string; backorder_id: [number, string] | false }>(
    'stock.picking',
    [['sale_id', '=', current.odoo.saleOrderId]],
    ['name', 'state', 'backorder_id'],
    { order: 'id asc' },
  );
  print(`      Odoo deliveries (stock.picking, sale_id ${current.odoo.saleOrderId}):`);
  print(indent(formatTable(['name', 'state', 'backorder of'], pickings.map((p) => [p.name, p.state, p.backorder_id ? p.backorder_id[1] : '-'])), 8));

  const captured = current.shipments.map((s: any) => s.capturedAmount?.amountMinor ?? 0) as number[];
  const sum = captured.reduce((a, b) => a + b, 0);
  const parts = captured.map((amountMinor) => money({ amountMinor, currency: order.total.currency })).join(' + ');
  if (sum !== order.total.amountMinor) throw new Error(`${order.ref}: the captures ${parts} do not add up to the order total ${money(order.total)}`);
  print(`      Captures: ${parts} = ${money(order.total)}, the order total (one authorisation, a capture per parcel)`);

  const invoiceId = current.odoo.invoice?.invoiceId;
  const [invoice] = invoiceId
    ? await odoo.searchRead<{ name: string; state: string; amount_total: number; payment_state: string }>('account.move', [['ref', '=', invoiceId]], ['name', 'state', 'amount_total', 'payment_state'])
    : [];
  if (!invoice) throw new Error(`${order.ref}: Odoo has no invoice with ref ${invoiceId ?? '(none recorded on the order)'}`);
  print(`      Odoo invoice (account.move ref ${invoiceId}): ${invoice.name}, ${invoice.state}, amount_total ${invoice.amount_total.toFixed(2)}, payment_state ${invoice.payment_state}`);
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
  const priced = posted.every((order) => saleOrders.some((so) => so.client_order_ref === order.orderId && toMinorUnits(so.amount_total) === order.total.amountMinor));
  print('   One sale order per order, confirmed ("sale"), priced as the channel priced it (its sales tax per line, shipping as a line):');
  print(priced ? "   Odoo's amount_total is our total." : "   ⚠ an amount_total differs from our total: see the columns above.");
}

async function showJourney(watcher: EventWatcher, admin: Admin, order: PostedOrder, settings: DemoSettings, print: Print) {
  // Everything published up to now has been read: the journey is complete.
  const until = await endOffsets(admin, JOURNEY_TOPICS.map((topic) => settings.topics[topic] ?? topic));
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
    if (event.type === ShipmentDispatched.type && event.value) {
      const dispatched = await serde.decodeAs(ShipmentDispatched, event.value).catch(() => undefined);
      if (dispatched) detail = `${dispatched.trackingNumber ?? dispatched.shipmentId}${dispatched.finalShipment ? ' (final)' : ''}`;
    }
    rows.push([event.topic, shortType(event.type), event.id, event.correlationId === order.orderId ? '= order id' : (event.correlationId ?? '-'), event.causationId ?? '-', detail]);
  }
  print(indent(formatTable(['topic', 'event', 'ce_id', 'correlation-id', 'causation-id', 'result'], rows)));
  const inTrace = journey.filter((event) => event.traceId === order.traceId).length;
  const channelTrace = `the channel request's trace ${order.traceId} (W3C traceparent), from the HTTP request through inventory, the payment gateway and Odoo`;
  if (inTrace === journey.length) {
    print(`   All ${journey.length} events carry ${channelTrace}.`);
  } else {
    // What the carrier's webhooks set off is a trace of its own: the carrier knows nothing of the channel's.
    const others = new Set(journey.filter((event) => event.traceId && event.traceId !== order.traceId).map((event) => event.traceId)).size;
    const untraced = journey.filter((event) => !event.traceId).length;
    print(`   ${inTrace} of ${journey.length} events carry ${channelTrace} to the warehouse; what the carrier's webhooks set off`);
    print(`   carries ${others} trace${others === 1 ? '' : 's'} of its own${untraced ? ` (${untraced} event${untraced === 1 ? '' : 's'} without a traceparent)` : ''}.`);
  }
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

function indent(text: string, spaces = 3): string {
  return text
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');
}
