// Refunds through the gateway connector, end to end on the real Kafka and PostgreSQL: a return's
// RefundPayment (as the returns service sends it, returnId set) → the connector → retail-sim's
// POST /v1/refunds → RefundIssued once, however often the command and the refund's webhook arrive; a
// refund above what is refundable → RefundFailed with the gateway's words; and the saga's own refunds:
// a rest-cancel after a parcel whose captured share exceeds what is still owed (refunded, or to review
// when the gateway refuses), a marketplace order's rest-cancel (the refund due recorded for the
// channel, no gateway call), a parcel returned to the sender (review; the return's refund does not
// disturb the saga). The schema registry, odoo-sim, retail-sim, inventory and the adapter run as child
// processes, the order service in this process; every topic and consumer group is this file's own.
import { RefundFailed, RefundIssued, RefundPayment, RegisterPayment } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { metricsRegistry } from '@omnibus/observability';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DataSource } from 'typeorm';
import type { OrderConfig } from '../src/config';
import { orderService } from '../src/service';
import { freePort } from './free-port';
import { webOrderRequest } from './orders';

jest.setTimeout(90_000);

const CATALOGUE_TOPICS = ['retail.orders', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'retail.inventory', 'payments.commands', 'retail.payments', 'retail.shipments', 'inventory.checks'] as const;
const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const WEBHOOK_SECRET = whsec();
const CARRIER_SECRET = whsec();
const GATEWAY_KEY = `sk_test_${randomUUID()}`;
const CARRIER_KEY = `ck_test_${randomUUID()}`;
const orderConsumer = uniqueName('order-refunds');
const adapterConsumer = uniqueName('odoo-adapter-refunds');
const inventoryConsumer = uniqueName('inventory-refunds');

let registry: AppProcess;
let sim: OdooSimProcess;
let adapter: AppProcess;
let inventory: AppProcess;
let gateway: AppProcess;
let order: TestService<OrderConfig>;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let channel: string;
let proxy: Server;
/** Refund amounts whose first answer the proxy in front of the gateway holds past the connector's timeout (the refund is made; its answer is lost). */
const answerLostFor = new Set<number>();

beforeAll(async () => {
  [registry, sim, { topics }] = await Promise.all([startSchemaRegistry('order_refunds'), OdooSimProcess.start({ version: 17 }), createUniqueTopics(CATALOGUE_TOPICS, [orderConsumer, adapterConsumer, inventoryConsumer])]);
  const [orderDatabase, adapterDatabase, inventoryDatabase, orderPort] = await Promise.all([createTestDatabase('order_refunds'), createTestDatabase('odoo_adapter_refunds'), createTestDatabase('inventory_refunds'), freePort()]);
  // The connector reaches the gateway through this proxy, which can lose an answer on purpose.
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(['authorization', 'content-type', 'idempotency-key'].filter((name) => req.headers[name]).map((name) => [name, String(req.headers[name])]));
      const answer = await fetch(`${gateway.url}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? body : undefined });
      const text = await answer.text();
      const amount = req.url === '/v1/refunds' ? (JSON.parse(body.toString() || '{}') as { amount?: number }).amount : undefined;
      const late = amount !== undefined && answerLostFor.delete(amount);
      setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text), late ? 2_000 : 0);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  gateway = await startApp('retail-sim', {
    RETAIL_SIM_GATEWAY_KEY: GATEWAY_KEY,
    RETAIL_SIM_WEBHOOK_URL: `http://127.0.0.1:${orderPort}/webhooks/payments/retail-sim`,
    RETAIL_SIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    RETAIL_SIM_CARRIER_KEY: CARRIER_KEY,
    RETAIL_SIM_CARRIER_WEBHOOK_URL: `http://127.0.0.1:${orderPort}/webhooks/carriers/retail-sim`,
    RETAIL_SIM_CARRIER_WEBHOOK_SECRET: CARRIER_SECRET,
  });
  [adapter, inventory, order, recorder, publisher] = await Promise.all([
    startApp('odoo-adapter', { ...shared, DATABASE_URL: adapterDatabase.url, ODOO_URL: sim.url, ODOO_CONSUMER_SERVICE: adapterConsumer, ODOO_SYNC_ENABLED: 'false' }, { cleanup: () => adapterDatabase.drop() }),
    startApp(
      'inventory',
      { ...shared, DATABASE_URL: inventoryDatabase.url, INVENTORY_CONSUMER_SERVICE: inventoryConsumer, INVENTORY_NETWORK_FILE: path.join(__dirname, 'network.yaml'), AVAILABILITY_COALESCE_MS: '60000' },
      { cleanup: () => inventoryDatabase.drop() },
    ),
    startTestService(orderService, {
      ...shared,
      DATABASE_URL: orderDatabase.url,
      PORT: String(orderPort),
      ORDER_CONSUMER_SERVICE: orderConsumer,
      ORDER_PAYMENT_GATEWAY_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      ORDER_PAYMENT_GATEWAY_KEY: GATEWAY_KEY,
      // An answer later than this is lost: outcome unknown, the same call is retried.
      ORDER_PAYMENT_GATEWAY_TIMEOUT_MS: '1000',
      ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [WEBHOOK_SECRET] }),
      ORDER_CARRIER_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [CARRIER_SECRET] }),
    }) as Promise<TestService<OrderConfig>>,
    EventRecorder.start([topics['retail.payments'], topics['payments.commands'], topics['odoo.commands']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  channel = await issueToken({ sub: `channel:refunds-${randomUUID()}`, scopes: ['orders:write', 'orders:read'] });
  const stockToken = await issueToken({ sub: 'system:wms', scopes: ['stock:feed', 'availability:read'] });
  const counts = [['APP-10001', '40'], ['FTW-10002', '20']].map(([sku, quantity]) => ({ eventId: randomUUID(), sku, locationId: 'wh-central', kind: 'absolute', quantity, observedAt: new Date().toISOString() }));
  const fed = await fetch(`${inventory.url}/stock/feeds/wms`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stockToken}` }, body: JSON.stringify({ updates: counts }) });
  expect(fed.status).toBeLessThan(300);
}, 120_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), order?.stop(), adapter?.stop(), inventory?.stop()]);
  await Promise.all([sim?.stop(), registry?.stop(), gateway?.stop(), new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)))]);
}, 60_000);

const placeOrder = async (body: Record<string, unknown>) => {
  const response = await order.request('/orders', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}`, 'idempotency-key': randomUUID() }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return ((await response.json()) as any).orderId as string;
};
const cancelOrder = async (orderId: string, reason: string) => {
  const response = await order.request(`/orders/${orderId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}` }, body: JSON.stringify({ reason }) });
  return { status: response.status, body: (await response.json()) as any };
};
const getOrder = async (orderId: string) => (await (await order.request(`/orders/${orderId}`, { headers: { authorization: `Bearer ${channel}` } })).json()) as any;
const orderWhere = (orderId: string, what: string, holds: (current: any) => boolean) =>
  waitFor(
    async () => {
      const current = await getOrder(orderId);
      return holds(current) ? current : undefined;
    },
    { timeoutMs: 45_000, what: `order ${orderId}: ${what}` },
  );
const intentOf = async (orderId: string) => ((await (await fetch(`${gateway.url}/v1/payment_intents?order_id=${orderId}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } })).json()) as any).data[0];
const stagedCount = async (orderId: string, type: string) =>
  Number((await order.app.get(DataSource).query(`SELECT count(*) AS n FROM outbox WHERE key = $1 AND headers->>'ce_type' = $2`, [orderId, type]))[0].n);
const carrier = async (path: string, body: unknown) => {
  const response = await fetch(`${gateway.url}/carrier/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${CARRIER_KEY}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as any;
};
/** The warehouse hands a parcel to the carrier, which reports it dispatched. */
const shipParcel = async (orderId: string, lines: Array<[string, string, number]>) => {
  const parcel = await carrier('/shipments', { reference: `SHIP-${randomUUID().slice(0, 8)}`, order_id: orderId, from_location: 'wh-central', lines: lines.map(([line_id, sku, quantity]) => ({ line_id, sku, quantity })), milestones: 'manual' });
  await carrier(`/shipments/${parcel.id}/events`, { type: 'dispatched' });
  return parcel;
};
const milestone = (parcelId: string, type: string) => carrier(`/shipments/${parcelId}/events`, { type });
/** A refund webhook as the gateway signs it (Standard Webhooks), under a webhook id of its own. */
const deliverWebhook = async (event: unknown) => {
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify(event);
  const signature = createHmac('sha256', Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64');
  const response = await order.request('/webhooks/payments/retail-sim', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
    body,
  });
  return ((await response.json()) as any).outcome as string;
};
/** A return's refund, as the returns service sends it. */
const returnRefund = (orderId: string, amountMinor: number, returnId: string): RefundPayment => ({
  commandId: randomUUID(),
  refundId: randomUUID(),
  orderId,
  companyId: 'omnibus-retail',
  returnId,
  amount: { amountMinor, currency: 'USD' },
  reason: 'return received',
  occurredAt: new Date(),
});
const counterValue = async (name: string, labels: Record<string, string>) =>
  ((await metricsRegistry.getSingleMetric(name)?.get())?.values ?? []).filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((total, value) => total + value.value, 0);

/** One shirt (34.99) and the shipping (4.95): shipped in one parcel, captured, invoiced and delivered. */
async function completedOrder(): Promise<string> {
  const orderId = await placeOrder(webOrderRequest({ lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
  await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
  const parcel = await shipParcel(orderId, [['1', 'APP-10001', 1]]);
  await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
  await milestone(parcel.id, 'delivered');
  await orderWhere(orderId, 'completed', (current) => current.status === 'completed');
  return orderId;
}

describe('refunds through the gateway connector', () => {
  it("a return's refund is made at the gateway once and published once, however often the command and its webhook arrive; more than is refundable is refused with the gateway's words", async () => {
    const orderId = await completedOrder();
    const issuedBefore = await counterValue('orders_refunds_issued_total', { for: 'return' });
    const failedBefore = await counterValue('orders_refunds_failed_total', { for: 'return', reason: 'over_refundable' });
    const refund = returnRefund(orderId, 1500, 'RET-1');
    // The same command twice (two deliveries, the same command id) and one of them again byte for byte.
    const first = await publisher.publish(RefundPayment, refund, topics['payments.commands']);
    await publisher.publish(RefundPayment, refund, topics['payments.commands']);
    await publisher.send(first);
    const [issued] = await recorder.waitFor(orderId, RefundIssued.type);
    expect(issued.value).toMatchObject({ refundId: refund.refundId, orderId, returnId: 'RET-1', gateway: 'retail-sim', gatewayReference: expect.stringMatching(/^re_sim_/), amount: { amountMinor: 1500, currency: 'USD' }, reason: 'return received' });

    // The gateway's own refund.created came once; the same refund reported twice more under new webhook ids is already known.
    const intent = await intentOf(orderId);
    const webhook = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type: 'refund.created',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: issued.value.gatewayReference,
          object: 'refund',
          amount: 1500,
          currency: 'usd',
          payment_intent: intent.id,
          status: 'succeeded',
          metadata: { order_id: orderId, payment_id: issued.value.paymentId, refund_id: refund.refundId, reason: 'return received', return_id: 'RET-1' },
        },
      },
    };
    expect([await deliverWebhook(webhook), await deliverWebhook(webhook)]).toEqual(['already_known', 'already_known']);
    const received = await waitFor(
      async () => {
        const rows = (await order.app.get(DataSource).query(`SELECT outcome FROM payment_webhook WHERE order_id = $1 AND event_type = 'refund.created'`, [orderId])) as Array<{ outcome: string }>;
        return rows.length === 3 ? rows.map((row) => row.outcome).sort() : undefined;
      },
      { timeoutMs: 20_000, what: "the gateway's refund webhook" },
    );
    expect(received).toEqual([expect.stringMatching(/^(applied|already_known)$/), 'already_known', 'already_known']);
    // Refunded once at the gateway and published once, whatever came first.
    expect(intent).toMatchObject({ amount_received: 3994, amount_refunded: 1500 });

    // The order shows it; the saga, long completed, is not disturbed.
    const refunded = await orderWhere(orderId, 'partially refunded', (current) => current.paymentStatus === 'partially_refunded');
    expect(refunded).toMatchObject({ status: 'completed', payment: { captured: { amountMinor: 3994 }, refunded: { amountMinor: 1500 }, refunds: [{ refundId: refund.refundId, returnId: 'RET-1', status: 'issued', amount: { amountMinor: 1500 } }] } });
    expect(refunded.timeline).toContainEqual(expect.objectContaining({ step: 'refund', what: 'refund issued', detail: expect.stringContaining('1500 USD refunded for return RET-1 at retail-sim') }));

    // 24.94 is left to refund: 24.95 is refused with the gateway's words, published once; then the rest goes back.
    // (One order's commands are handled in order, so by then the repeated deliveries above were handled too.)
    const tooMuch = returnRefund(orderId, 2495, 'RET-2');
    await publisher.publish(RefundPayment, tooMuch, topics['payments.commands']);
    await publisher.publish(RefundPayment, tooMuch, topics['payments.commands']);
    const [refused] = await recorder.waitFor(orderId, RefundFailed.type);
    expect(refused.value).toMatchObject({ refundId: tooMuch.refundId, returnId: 'RET-2', gateway: 'retail-sim', amount: { amountMinor: 2495 }, reason: expect.stringContaining('between 1 and 2494') });
    const rest = returnRefund(orderId, 2494, 'RET-2');
    await publisher.publish(RefundPayment, rest, topics['payments.commands']);
    const all = await orderWhere(orderId, 'refunded', (current) => current.paymentStatus === 'refunded');
    expect(all).toMatchObject({ status: 'completed', payment: { refunded: { amountMinor: 3994 } } });
    expect(all.timeline).toContainEqual(expect.objectContaining({ what: 'refund refused', detail: expect.stringContaining('between 1 and 2494') }));
    expect(await intentOf(orderId)).toMatchObject({ amount_refunded: 3994 });
    expect(await stagedCount(orderId, RefundFailed.type)).toBe(1);
    expect(await stagedCount(orderId, RefundIssued.type)).toBe(2);
    expect(recorder.of(orderId, RefundIssued.type).map((event) => event.value.refundId)).toEqual([refund.refundId, rest.refundId]);
    expect((await counterValue('orders_refunds_issued_total', { for: 'return' })) - issuedBefore).toBe(2);
    expect((await counterValue('orders_refunds_failed_total', { for: 'return', reason: 'over_refundable' })) - failedBefore).toBe(1);
  });

  it('a refund whose answer is lost is retried under the same idempotency key: refunded once, published once', async () => {
    const orderId = await completedOrder();
    const unknownBefore = await counterValue('orders_payment_gateway_outcomes_unknown_total', { call: 'refund' });
    answerLostFor.add(777);
    const refund = returnRefund(orderId, 777, 'RET-LOST');
    await publisher.publish(RefundPayment, refund, topics['payments.commands']);
    const [issued] = await recorder.waitFor(orderId, RefundIssued.type);
    expect(issued.value).toMatchObject({ refundId: refund.refundId, amount: { amountMinor: 777 } });
    // The connector retried after the lost answer; the gateway replayed its first answer to the same key.
    await waitFor(async () => ((await counterValue('orders_payment_gateway_outcomes_unknown_total', { call: 'refund' })) > unknownBefore ? true : undefined), { timeoutMs: 20_000, what: 'the lost answer counted' });
    await orderWhere(orderId, 'the retry settled', (current) => current.payment.refunds.length === 1 && current.paymentStatus === 'partially_refunded');
    const later = returnRefund(orderId, 1, 'RET-LATER');
    await publisher.publish(RefundPayment, later, topics['payments.commands']);
    await recorder.waitFor(orderId, RefundIssued.type, 2);
    expect(await intentOf(orderId)).toMatchObject({ amount_refunded: 778 });
    expect(await stagedCount(orderId, RefundIssued.type)).toBe(2);
  });

  it('a refund for an order the connector does not have, or one with nothing captured, is refused', async () => {
    const stranger = returnRefund(randomUUID(), 100, 'RET-X');
    await publisher.publish(RefundPayment, stranger, topics['payments.commands']);
    const [unknown] = await recorder.waitFor(stranger.orderId, RefundFailed.type);
    expect(unknown.value).toMatchObject({ refundId: stranger.refundId, gateway: null, reason: expect.stringContaining('not known to the payment connector') });

    const orderId = await placeOrder(webOrderRequest({ lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
    await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
    const early = returnRefund(orderId, 100, 'RET-Y');
    await publisher.publish(RefundPayment, early, topics['payments.commands']);
    const [nothing] = await recorder.waitFor(orderId, RefundFailed.type);
    expect(nothing.value).toMatchObject({ gateway: 'retail-sim', reason: expect.stringContaining('could not be refunded because it has a status of requires_capture') });
    expect(await getOrder(orderId)).toMatchObject({ status: 'released_to_warehouse', paymentStatus: 'authorised' });
  });
});

describe('refunds in the order saga', () => {
  // Shirts 69.98, a trail runner 79.99, shipping 4.95, 20.00 off the order: 134.92. The first parcel's
  // share carries a part of the discount; what is kept after the rest is cancelled carries all of it.
  const discounted = () => webOrderRequest({ orderDiscount: { amountMinor: 2000, currency: 'USD' } });
  const total = 2 * 3499 + 8999 - 1000 + 495 - 2000;
  const firstShare = Math.round((total * 6998) / 14997);
  const kept = 2 * 3499 + 495 - 2000;

  /** The shirts shipped and captured, then the rest cancelled by the customer. */
  async function cancelledAfterShirts(orderId: string) {
    await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
    const parcel = await shipParcel(orderId, [['1', 'APP-10001', 2]]);
    const partly = await orderWhere(orderId, 'the shirts captured', (current) => current.shipments[0]?.capture === 'captured');
    expect(partly.shipments[0].capturedAmount).toEqual({ amountMinor: firstShare, currency: 'USD' });
    const cancelling = await cancelOrder(orderId, 'the shoes can wait');
    expect(cancelling.status).toBe(202);
    return parcel;
  }

  it('a rest-cancel that leaves more captured than is owed refunds the difference, then invoices and registers what the customer paid', async () => {
    expect(firstShare - kept).toBe(803);
    const orderId = await placeOrder(discounted());
    const parcel = await cancelledAfterShirts(orderId);
    const invoiced = await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    expect(invoiced).toMatchObject({
      status: 'shipped',
      paymentStatus: 'partially_refunded',
      payment: { amount: { amountMinor: kept }, captured: { amountMinor: firstShare }, refunded: { amountMinor: 803 }, refunds: [{ returnId: null, status: 'issued', amount: { amountMinor: 803 } }] },
      cancelledLines: [{ lineId: '2', sku: 'FTW-10002', quantity: '1' }],
    });
    const [issued] = await recorder.waitFor(orderId, RefundIssued.type);
    expect(issued.value).toMatchObject({ returnId: null, amount: { amountMinor: 803, currency: 'USD' }, reason: expect.stringContaining(`${firstShare} USD captured, ${kept} USD owed`) });
    expect(await stagedCount(orderId, RefundIssued.type)).toBe(1);
    expect(await intentOf(orderId)).toMatchObject({ status: 'succeeded', amount_received: firstShare, amount_refunded: 803 });
    // Why, on the timeline: the saga's decision and the gateway's refund.
    expect(invoiced.timeline).toContainEqual(expect.objectContaining({ step: 'awaitShipments', what: 'waiting', detail: expect.stringContaining(`${kept} USD owed for what shipped, ${firstShare} USD captured, so 803 USD is refunded`) }));
    expect(invoiced.timeline).toContainEqual(expect.objectContaining({ step: 'refund', what: 'refund issued', detail: expect.stringContaining('803 USD refunded at retail-sim') }));
    // Odoo invoices what the customer owes in the end (the order discount is a line of its own there)
    // and is paid exactly that.
    const [registered] = await recorder.waitFor(orderId, RegisterPayment.type);
    expect(registered.value).toMatchObject({ invoiceId: invoiced.odoo.invoice.invoiceId, amount: { amountMinor: kept, currency: 'USD' } });
    const odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
    const invoice = await waitFor(
      async () => {
        const [move] = await odoo.searchRead<{ id: number; amount_total: number; payment_state: string }>('account.move', [['ref', '=', invoiced.odoo.invoice.invoiceId]], { fields: ['amount_total', 'payment_state'] });
        return move && ['paid', 'in_payment'].includes(move.payment_state) ? move : undefined;
      },
      { what: 'the Odoo invoice paid in full' },
    );
    expect(Math.round(invoice.amount_total * 100)).toBe(kept);
    await milestone(parcel.id, 'delivered');
    expect(await orderWhere(orderId, 'completed', (current) => current.status === 'completed')).toMatchObject({ paymentStatus: 'partially_refunded', fulfilmentStatus: 'delivered' });
  });

  it('a saga refund the gateway refuses sends the order to review with its reason', async () => {
    const orderId = await placeOrder(discounted());
    await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
    await shipParcel(orderId, [['1', 'APP-10001', 2]]);
    await orderWhere(orderId, 'the shirts captured', (current) => current.shipments[0]?.capture === 'captured');
    // Someone refunded most of it at the gateway by hand: 2.96 is left, less than the 8.03 the saga will ask for.
    const intent = await intentOf(orderId);
    const byHand = await fetch(`${gateway.url}/v1/refunds`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ payment_intent: intent.id, amount: firstShare - 296 }) });
    expect(byHand.status).toBe(200);
    expect((await cancelOrder(orderId, 'the shoes can wait')).status).toBe(202);
    const reviewed = await orderWhere(orderId, 'in review', (current) => current.status === 'flagged_for_review');
    expect(reviewed.review).toMatchObject({ step: 'awaitShipments', reason: 'REFUND_FAILED', detail: expect.stringContaining('the refund of 803 USD captured beyond what the customer owes after the cancellation was refused: gateway answered 400: amount must be between 1 and 296') });
    expect(reviewed.timeline).toContainEqual(expect.objectContaining({ step: 'refund', what: 'refund refused' }));
    expect(await stagedCount(orderId, RefundFailed.type)).toBe(1);
  });

  it("a marketplace order's rest can be cancelled: the refund the channel owes the customer is recorded, no gateway is asked", async () => {
    const orderId = await placeOrder({ ...discounted(), channel: { channelId: 'web-us', kind: 'MARKETPLACE' } });
    const parcel = await cancelledAfterShirtsPrepaid(orderId);
    const invoiced = await orderWhere(orderId, 'invoiced in Odoo', (current) => current.odoo?.invoice?.odooId != null && current.status === 'shipped');
    expect(invoiced).toMatchObject({ paymentStatus: 'prepaid', payment: { policy: 'prepaid', amount: { amountMinor: kept }, refunded: { amountMinor: 0 }, refunds: [], refundDueFromChannel: { amountMinor: total - kept, currency: 'USD' } } });
    expect(invoiced.timeline).toContainEqual(expect.objectContaining({ step: 'awaitShipments', what: 'waiting', detail: expect.stringContaining(`${total - kept} USD is due back to the customer from the channel (no gateway refund`) }));
    expect(await intentOf(orderId)).toBeUndefined();
    expect(recorder.of(orderId, RefundPayment.type)).toEqual([]);
    await milestone(parcel.id, 'delivered');
    expect(await orderWhere(orderId, 'completed', (current) => current.status === 'completed')).toMatchObject({ paymentStatus: 'prepaid' });
  });

  /** A prepaid order captures nothing: the shirts shipped and validated, then the rest cancelled. */
  async function cancelledAfterShirtsPrepaid(orderId: string) {
    await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
    const parcel = await shipParcel(orderId, [['1', 'APP-10001', 2]]);
    await orderWhere(orderId, 'the shirts validated in Odoo', (current) => current.shipments[0]?.odooDeliveryValidated === true);
    expect((await cancelOrder(orderId, 'the shoes can wait')).status).toBe(202);
    return parcel;
  }

  it("a parcel returned to the sender after its capture goes to review naming the money; the return's refund shows on the order and leaves the review to the operator", async () => {
    const orderId = await placeOrder(webOrderRequest({ lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
    await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
    const parcel = await shipParcel(orderId, [['1', 'APP-10001', 1]]);
    await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    await milestone(parcel.id, 'returned_to_sender');
    const reviewed = await orderWhere(orderId, 'in review', (current) => current.status === 'flagged_for_review');
    expect(reviewed).toMatchObject({ paymentStatus: 'captured', fulfilmentStatus: 'returned_to_sender', review: { reason: 'RETURNED_TO_SENDER', detail: expect.stringContaining('3994 USD was captured for it (refunded if the order is cancelled, or when the parcel is received back as a return)') } });

    // The parcel is received back: the returns service refunds it.
    await publisher.publish(RefundPayment, returnRefund(orderId, 3994, 'RET-RTS'), topics['payments.commands']);
    const refunded = await orderWhere(orderId, 'refunded', (current) => current.paymentStatus === 'refunded');
    expect(refunded).toMatchObject({ status: 'flagged_for_review', review: { id: reviewed.review.id, reason: 'RETURNED_TO_SENDER' }, payment: { refunded: { amountMinor: 3994 } } });
    expect(await intentOf(orderId)).toMatchObject({ amount_refunded: 3994 });
  });

  it('an operator who cancels an order whose parcel came back has the captured money refunded by the saga', async () => {
    const orderId = await placeOrder(webOrderRequest({ lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
    await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
    const parcel = await shipParcel(orderId, [['1', 'APP-10001', 1]]);
    await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    await milestone(parcel.id, 'returned_to_sender');
    const reviewed = await orderWhere(orderId, 'in review', (current) => current.status === 'flagged_for_review');
    const operator = await issueToken({ sub: 'operator:alice', scopes: ['review:read', 'review:write'] });
    const resolved = await order.request(`/review/${reviewed.review.id}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ action: 'cancel', note: 'the customer does not want it reshipped' }),
    });
    expect(resolved.status).toBe(200);
    const cancelled = await orderWhere(orderId, 'cancelled', (current) => current.status === 'cancelled' || current.status === 'flagged_for_review' && current.review?.id !== reviewed.review.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', paymentStatus: 'refunded', payment: { refunded: { amountMinor: 3994 }, refunds: [{ returnId: null, status: 'issued', amount: { amountMinor: 3994 } }] } });
    const [issued] = await recorder.waitFor(orderId, RefundIssued.type);
    expect(issued.value).toMatchObject({ amount: { amountMinor: 3994 }, reason: 'order cancelled after its payment was captured' });
    expect(await intentOf(orderId)).toMatchObject({ amount_received: 3994, amount_refunded: 3994 });
  });
});
