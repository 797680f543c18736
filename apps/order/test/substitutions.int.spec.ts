// Line substitutions end to end, on the real Kafka and PostgreSQL: a store proposes a substitute for a
// line the warehouse cannot ship → inventory holds the substitute → the customer answers through the
// channel → inventory, the gateway's captures, the adapter and Odoo (odoo-sim) follow the re-priced
// order. The schema registry, odoo-sim, retail-sim (gateway and carrier), inventory and the adapter run
// as child processes, the order service in this process; every topic and consumer group is this file's.
import { OrderLineSubstituted } from '@omnibus/contracts';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { metricsRegistry } from '@omnibus/observability';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { OrderConfig } from '../src/config';
import { orderService } from '../src/service';
import { freePort } from './free-port';
import { webOrderRequest } from './orders';
import { AppProcess, createUniqueTopics, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';

jest.setTimeout(90_000);

const TOPICS = [
  'retail.orders',
  'odoo.commands',
  'odoo.results',
  'inventory.commands',
  'retail.reservations',
  'retail.inventory',
  'payments.commands',
  'retail.payments',
  'retail.shipments',
  'retail.returns',
  'retail.catalog',
  'retail.customers',
  'retail.finance',
  'retail.locations',
  'odoo.stock-snapshots',
  'inventory.checks',
] as const;
const secret = () => `whsec_${randomBytes(24).toString('base64')}`;
const [PAYMENT_SECRET, CARRIER_SECRET] = [secret(), secret()];
const GATEWAY_KEY = `sk_test_${randomUUID()}`;
const CARRIER_KEY = `ck_test_${randomUUID()}`;
/** The customer's time to answer, shortened: unanswered, the proposal expires (the sweeper fires it). */
const ANSWER_MS = 8_000;
const consumers = { order: uniqueName('order-subst'), adapter: uniqueName('odoo-adapter-subst'), inventory: uniqueName('inventory-subst') };

let registry: AppProcess;
let sim: OdooSimProcess;
let retailSim: AppProcess;
let adapter: AppProcess;
let inventory: AppProcess;
let order: TestService<OrderConfig>;
let recorder: EventRecorder;
let odoo: OdooClient;
let stockToken: string;
/** The web shop's token, bound to its channel: it places the orders and answers for its customers. */
let shop: string;
/** A store's token: it proposes substitutions. */
let store: string;

beforeAll(async () => {
  let topics: Record<(typeof TOPICS)[number], string>;
  [registry, sim, { topics }] = await Promise.all([startSchemaRegistry('order'), OdooSimProcess.start({ version: 17 }), createUniqueTopics(TOPICS, Object.values(consumers))]);
  const [adapterDb, inventoryDb, port] = await Promise.all([createTestDatabase('odoo_adapter_subst'), createTestDatabase('inventory_subst'), freePort()]);
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  retailSim = await startApp('retail-sim', {
    RETAIL_SIM_GATEWAY_KEY: GATEWAY_KEY,
    RETAIL_SIM_WEBHOOK_URL: `http://127.0.0.1:${port}/webhooks/payments/retail-sim`,
    RETAIL_SIM_WEBHOOK_SECRET: PAYMENT_SECRET,
    RETAIL_SIM_CARRIER_KEY: CARRIER_KEY,
    RETAIL_SIM_CARRIER_WEBHOOK_URL: `http://127.0.0.1:${port}/webhooks/carriers/retail-sim`,
    RETAIL_SIM_CARRIER_WEBHOOK_SECRET: CARRIER_SECRET,
  });
  [adapter, inventory, order, recorder] = await Promise.all([
    startApp('odoo-adapter', { ...shared, DATABASE_URL: adapterDb.url, ODOO_URL: sim.url, ODOO_CONSUMER_SERVICE: consumers.adapter, ODOO_SYNC_ENABLED: 'false' }, { cleanup: () => adapterDb.drop() }),
    startApp(
      'inventory',
      { ...shared, DATABASE_URL: inventoryDb.url, INVENTORY_CONSUMER_SERVICE: consumers.inventory, INVENTORY_NETWORK_FILE: path.join(__dirname, 'network.yaml'), AVAILABILITY_COALESCE_MS: '60000' },
      { cleanup: () => inventoryDb.drop() },
    ),
    startTestService(orderService, {
      ...shared,
      PORT: String(port),
      ORDER_CONSUMER_SERVICE: consumers.order,
      ORDER_PAYMENT_GATEWAY_URL: retailSim.url,
      ORDER_PAYMENT_GATEWAY_KEY: GATEWAY_KEY,
      ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [PAYMENT_SECRET] }),
      ORDER_CARRIER_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [CARRIER_SECRET] }),
      ORDER_SUBSTITUTION_ANSWER_MS: String(ANSWER_MS),
      ORDER_SAGA_SWEEP_INTERVAL_MS: '100',
    }) as Promise<TestService<OrderConfig>>,
    EventRecorder.start([topics['retail.orders']], registry.url),
  ]);
  odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
  shop = await issueToken({ sub: 'channel:web-us-shop', scopes: ['orders:write', 'orders:read'], channel: 'web-us' });
  store = await issueToken({ sub: 'store:sf-union-square', scopes: ['fulfilment:write', 'orders:read'] });
  stockToken = await issueToken({ sub: 'system:wms', scopes: ['stock:feed', 'availability:read'] });
  // HOM-10003 is the store's substitute; KIT-10004 is known to Odoo but inventory has none of it.
  const updates = [['APP-10001', '20'], ['FTW-10002', '5'], ['HOM-10003', '5']].map(([sku, quantity]) => ({ eventId: randomUUID(), sku, locationId: 'wh-central', kind: 'absolute', quantity, observedAt: new Date().toISOString() }));
  const fed = await fetch(`${inventory.url}/stock/feeds/wms`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stockToken}` }, body: JSON.stringify({ updates }) });
  expect(fed.status).toBeLessThan(300);
}, 120_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), odoo?.close(), order?.stop(), adapter?.stop(), inventory?.stop()]);
  await Promise.all([sim?.stop(), registry?.stop(), retailSim?.stop()]);
}, 60_000);

const call = async (token: string, method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await order.request(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
};
const getOrder = async (orderId: string) => (await call(shop, 'GET', `/orders/${orderId}`)).body;
const orderWhere = (orderId: string, what: string, holds: (current: any) => boolean) =>
  waitFor(
    async () => {
      const current = await getOrder(orderId);
      return holds(current) ? current : undefined;
    },
    { timeoutMs: 45_000, what: `order ${orderId}: ${what}` },
  );
const released = async (lines?: unknown[]) => {
  const placed = await call(shop, 'POST', '/orders', webOrderRequest(lines ? { lines } : {}), { 'idempotency-key': randomUUID() });
  expect(placed.status).toBe(201);
  return (await orderWhere(placed.body.orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse')).orderId as string;
};
/** The store's proposal for line 2 (the trail runner, 89.99 less 10.00): another brand's at `unitMinor`. */
const propose = (orderId: string, key: string, sku = 'HOM-10003', unitMinor = 4_500) =>
  call(store, 'POST', `/orders/${orderId}/substitutions`, { lineId: '2', substitute: { sku, name: 'Trail runner, 42 (other brand)', quantity: '1', unitPrice: { amountMinor: unitMinor, currency: 'USD' } }, reason: 'OUT_OF_STOCK', note: 'size 42 sold out in store' }, { 'idempotency-key': key });
const substitutionOf = (orderId: string, substitutionId: string, what: string, holds: (substitution: any) => boolean) =>
  waitFor(
    async () => {
      const found = await call(store, 'GET', `/orders/${orderId}/substitutions/${substitutionId}`);
      return found.status === 200 && holds(found.body) ? found.body : undefined;
    },
    { timeoutMs: 45_000, what: `substitution ${substitutionId}: ${what}` },
  );
/** What inventory holds for a SKU at the warehouse, in units: reserved, and committed (released to the warehouse). */
const stockOf = async (sku: string) => {
  const body = (await (await fetch(`${inventory.url}/availability?skus=${sku}&channel=web-us&region=us-west`, { headers: { authorization: `Bearer ${stockToken}` } })).json()) as any;
  const location = body.skus[0].locations.find((candidate: any) => candidate.locationId === 'wh-central');
  return { reserved: Number(location.reserved), committed: Number(location.committed) };
};
const odooLinesOf = async (orderId: string) => {
  const [sale] = await odoo.searchRead<{ id: number; state: string; amount_total: number }>('sale.order', [['client_order_ref', '=', orderId]], { fields: ['state', 'amount_total'] });
  const lines = await odoo.searchRead<{ id: number; name: string; product_uom_qty: number; product_id: [number, string] | false }>('sale.order.line', [['order_id', '=', sale.id]], { fields: ['name', 'product_uom_qty', 'product_id'], order: 'id asc' });
  return { sale, lines: lines.filter((line) => line.name !== 'Shipping').map((line) => [line.name, line.product_uom_qty]) };
};
const ship = async (orderId: string, lines: Array<[string, string, number]>) => {
  const response = await fetch(`${retailSim.url}/carrier/v1/shipments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CARRIER_KEY}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ reference: `SHIP-${orderId.slice(-8)}`, order_id: orderId, from_location: 'wh-central', lines: lines.map(([line_id, sku, quantity]) => ({ line_id, sku, quantity })), milestones: 'manual' }),
  });
  const parcel = (await response.json()) as any;
  await fetch(`${retailSim.url}/carrier/v1/shipments/${parcel.id}/events`, { method: 'POST', headers: { authorization: `Bearer ${CARRIER_KEY}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ type: 'dispatched' }) });
};
const intentOf = async (orderId: string) => ((await (await fetch(`${retailSim.url}/v1/payment_intents?order_id=${orderId}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } })).json()) as any).data[0];
const invoiceOf = async (invoiceId: string) => (await odoo.searchRead<{ id: number; amount_total: number; payment_state: string }>('account.move', [['ref', '=', invoiceId]], { fields: ['amount_total', 'payment_state'] }))[0];
const substitutionsCounted = async (outcome: string) =>
  ((await metricsRegistry.getSingleMetric('orders_substitutions_total')?.get())?.values ?? []).find((value) => value.labels.outcome === outcome)?.value ?? 0;

describe('line substitutions through inventory, the gateway and Odoo', () => {
  it('accepted: the substitute is held before the customer is asked, ships in place of the line, the re-priced amount is captured to the cent and invoiced; Odoo and inventory agree', async () => {
    const orderId = await released();
    const [runnersBefore, substituteBefore] = [await stockOf('FTW-10002'), await stockOf('HOM-10003')];
    const key = randomUUID();
    const proposed = await propose(orderId, key);
    expect(proposed.status).toBe(202);
    expect(proposed.body).toMatchObject({ lineId: '2', status: 'reserving', proposedBy: 'store:sf-union-square', original: { sku: 'FTW-10002', total: { amountMinor: 7_999 } }, substitute: { lineId: '2', sku: 'HOM-10003', discount: { amountMinor: 500 }, total: { amountMinor: 4_000 } } });
    const substitutionId = proposed.body.substitutionId;
    const replay = await propose(orderId, key);
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.substitutionId]).toEqual([200, 'true', substitutionId]);
    expect((await propose(orderId, key, 'HOM-10003', 4_600)).status).toBe(409);

    const offered = await substitutionOf(orderId, substitutionId, 'the customer asked', (substitution) => substitution.status === 'awaiting_customer');
    expect(Date.parse(offered.answerBy)).toBeGreaterThan(Date.now());
    // Set aside for the order (committed), before the customer is asked.
    await waitFor(async () => (await stockOf('HOM-10003')).committed === substituteBefore.committed + 1, { timeoutMs: 30_000, what: 'the substitute committed for the order' });

    // Only the order's own channel answers for its customer.
    const otherChannel = await issueToken({ sub: 'channel:marketplace-eu', scopes: ['orders:write', 'orders:read'], channel: 'marketplace-eu' });
    expect((await call(otherChannel, 'POST', `/orders/${orderId}/substitutions/${substitutionId}/accept`, {})).status).toBe(403);
    expect((await call(store, 'POST', `/orders/${orderId}/substitutions/${substitutionId}/accept`, {})).status).toBe(403);
    const accepted = await call(shop, 'POST', `/orders/${orderId}/substitutions/${substitutionId}/accept`, { note: 'fine by me' });
    expect(accepted).toMatchObject({ status: 200, body: { status: 'accepted', decision: { by: 'channel:web-us-shop', note: 'fine by me' } } });
    expect((await call(shop, 'POST', `/orders/${orderId}/substitutions/${substitutionId}/accept`)).status).toBe(200);
    expect((await call(shop, 'POST', `/orders/${orderId}/substitutions/${substitutionId}/decline`, {})).status).toBe(409);

    await substitutionOf(orderId, substitutionId, 'carried out', (substitution) => substitution.settled);
    const total = 2 * 3_499 + 4_000 + 495;
    expect((await getOrder(orderId)).payment.amount.amountMinor).toBe(total);
    // Odoo: the ordered line kept at 0, the substitute added at the channel's price; inventory: the original given back.
    expect(await odooLinesOf(orderId)).toMatchObject({ sale: { state: 'sale', amount_total: total / 100 }, lines: [['Linen shirt, M, white', 2], ['Trail runner, 42', 0], [`Trail runner, 42 (other brand) [${substitutionId}]`, 1]] });
    // (Committed at release to the warehouse, with the rest of the order.)
    await waitFor(async () => (await stockOf('FTW-10002')).committed === runnersBefore.committed - 1, { timeoutMs: 30_000, what: "the original line's stock released" });
    const [event] = await recorder.waitFor(orderId, OrderLineSubstituted.type);
    expect(event.value).toMatchObject({ originalLine: { lineId: '2', sku: 'FTW-10002' }, substituteLine: { lineId: '2', sku: 'HOM-10003', total: { amountMinor: 4_000 } }, reason: 'OUT_OF_STOCK', customerApproved: true });

    // The warehouse ships the substitute: one parcel, the whole re-priced amount captured and invoiced.
    await ship(orderId, [['1', 'APP-10001', 2], ['2', 'HOM-10003', 1]]);
    const paid = await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    expect(paid).toMatchObject({ paymentStatus: 'captured', payment: { captured: { amountMinor: total } } });
    expect(paid.shipments[0].lines).toEqual([{ lineId: '1', sku: 'APP-10001', quantity: '2' }, { lineId: '2', sku: 'HOM-10003', quantity: '1' }]);
    expect(await intentOf(orderId)).toMatchObject({ amount: 2 * 3_499 + 7_999 + 495, amount_received: total });
    expect(await invoiceOf(paid.odoo.invoice.invoiceId)).toMatchObject({ amount_total: total / 100, payment_state: expect.stringMatching(/^(paid|in_payment)$/) });
    await waitFor(async () => (await stockOf('HOM-10003')).committed === substituteBefore.committed, { timeoutMs: 30_000, what: 'the substitute shipped out of its commitment' });
    // The timeline says who proposed and who accepted, and why.
    const said = paid.timeline.map((entry: any) => `${entry.detail} | ${entry.cause.type}`).join('\n');
    expect(said).toContain('proposed by store:sf-union-square (OUT_OF_STOCK: size 42 sold out in store)');
    expect(said).toContain('accepted by channel:web-us-shop (fine by me)');
    expect(await substitutionsCounted('accepted')).toBeGreaterThanOrEqual(1);
    // What has shipped is not substituted.
    expect((await propose(orderId, randomUUID())).status).toBe(409);
  });

  it('declined: the line is cut (its stock and the substitute\'s released, Odoo\'s line to 0); the rest ships and the re-priced amount is captured', async () => {
    const orderId = await released();
    const [runnersBefore, substituteBefore] = [await stockOf('FTW-10002'), await stockOf('HOM-10003')];
    const { body } = await propose(orderId, randomUUID());
    await substitutionOf(orderId, body.substitutionId, 'the customer asked', (substitution) => substitution.status === 'awaiting_customer');
    const declined = await call(shop, 'POST', `/orders/${orderId}/substitutions/${body.substitutionId}/decline`, { note: 'I will wait for my size' });
    expect(declined.body).toMatchObject({ status: 'declined' });
    await substitutionOf(orderId, body.substitutionId, 'carried out', (substitution) => substitution.settled);
    const total = 2 * 3_499 + 495;
    const cut = await getOrder(orderId);
    expect(cut).toMatchObject({ payment: { amount: { amountMinor: total } }, cancelledLines: [{ lineId: '2', sku: 'FTW-10002', quantity: '1' }] });
    expect(await odooLinesOf(orderId)).toMatchObject({ sale: { amount_total: total / 100 }, lines: [['Linen shirt, M, white', 2], ['Trail runner, 42', 0]] });
    await waitFor(
      async () => (await stockOf('FTW-10002')).committed === runnersBefore.committed - 1 && (await stockOf('HOM-10003')).committed === substituteBefore.committed,
      { timeoutMs: 30_000, what: "the line's and the substitute's stock released" },
    );
    await ship(orderId, [['1', 'APP-10001', 2]]);
    const paid = await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    expect(paid.payment.captured.amountMinor).toBe(total);
    expect(await intentOf(orderId)).toMatchObject({ amount_received: total });
    expect(await invoiceOf(paid.odoo.invoice.invoiceId)).toMatchObject({ amount_total: total / 100 });
    expect(paid.timeline.some((entry: any) => String(entry.detail).includes('declined by channel:web-us-shop (I will wait for my size)'))).toBe(true);
  });

  it("unanswered in time, it expires (the sweeper's timeout); on the order's only line that cancels the order: Odoo's order cancelled, the authorisation voided, the stock released", async () => {
    const orderId = await released([{ sku: 'FTW-10002', name: 'Trail runner, 42', quantity: '1', unitPrice: { amountMinor: 8_999, currency: 'USD' }, discount: { amountMinor: 1_000, currency: 'USD' } }]);
    const substituteBefore = await stockOf('HOM-10003');
    const { body } = (await call(store, 'POST', `/orders/${orderId}/substitutions`, { lineId: '1', substitute: { sku: 'HOM-10003', quantity: '1', unitPrice: { amountMinor: 4_500, currency: 'USD' } }, reason: 'DAMAGED_IN_PICKING' }, { 'idempotency-key': randomUUID() }));
    await substitutionOf(orderId, body.substitutionId, 'the customer asked', (substitution) => substitution.status === 'awaiting_customer');
    const expired = await substitutionOf(orderId, body.substitutionId, 'expired unanswered', (substitution) => substitution.status === 'expired');
    expect(expired.decision).toMatchObject({ by: 'timeout' });
    const cancelled = await orderWhere(orderId, 'cancelled', (current) => current.status === 'cancelled');
    expect(cancelled).toMatchObject({ paymentStatus: 'voided', cancellation: { reason: 'SUBSTITUTION_UNANSWERED' } });
    expect((await odooLinesOf(orderId)).sale.state).toBe('cancel');
    expect(await intentOf(orderId)).toMatchObject({ status: 'canceled' });
    await waitFor(async () => (await stockOf('HOM-10003')).committed === substituteBefore.committed, { timeoutMs: 30_000, what: "the substitute's stock released" });
    expect(await substitutionsCounted('expired')).toBeGreaterThanOrEqual(1);
  });

  it('a substitute inventory cannot hold fails back to the store with the reason; bad bodies name their fields; other tokens and lines are refused', async () => {
    const orderId = await released();
    const { body } = await propose(orderId, randomUUID(), 'KIT-10004');
    const failed = await substitutionOf(orderId, body.substitutionId, 'failed', (substitution) => substitution.status === 'failed');
    expect(failed.failure).toContain('KIT-10004');
    expect((await getOrder(orderId)).payment.amount.amountMinor).toBe(2 * 3_499 + 7_999 + 495);
    expect((await call(shop, 'POST', `/orders/${orderId}/substitutions/${body.substitutionId}/accept`, {})).status).toBe(409);

    const bad = await call(store, 'POST', `/orders/${orderId}/substitutions`, { lineId: '2', substitute: { sku: '', quantity: '0', unitPrice: { amountMinor: -1, currency: 'usd' } }, reason: 'BECAUSE' }, { 'idempotency-key': randomUUID() });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((issue: any) => issue.path)).toEqual(expect.arrayContaining(['substitute.sku', 'substitute.quantity', 'substitute.unitPrice.amountMinor', 'substitute.unitPrice.currency', 'reason']));
    expect((await call(store, 'POST', `/orders/${orderId}/substitutions`, { lineId: '2', substitute: { sku: 'HOM-10003', quantity: '1', unitPrice: { amountMinor: 100, currency: 'EUR' } }, reason: 'OTHER' }, { 'idempotency-key': randomUUID() })).body.issues).toEqual([
      { path: 'substitute.unitPrice.currency', message: "must be the order's currency USD" },
    ]);
    expect((await call(store, 'POST', `/orders/${orderId}/substitutions`, { lineId: '9', substitute: { sku: 'HOM-10003', quantity: '1', unitPrice: { amountMinor: 100, currency: 'USD' } }, reason: 'OTHER' }, { 'idempotency-key': randomUUID() })).status).toBe(404);
    expect((await call(store, 'POST', `/orders/${randomUUID()}/substitutions`, { lineId: '2', substitute: { sku: 'HOM-10003', quantity: '1', unitPrice: { amountMinor: 100, currency: 'USD' } }, reason: 'OTHER' }, { 'idempotency-key': randomUUID() })).status).toBe(404);
    expect((await call(shop, 'POST', `/orders/${orderId}/substitutions`, { lineId: '2', substitute: { sku: 'HOM-10003', quantity: '1', unitPrice: { amountMinor: 100, currency: 'USD' } }, reason: 'OTHER' }, { 'idempotency-key': randomUUID() })).status).toBe(403);
    expect((await call(store, 'POST', `/orders/${orderId}/substitutions`, { lineId: '2', substitute: { sku: 'HOM-10003', quantity: '1', unitPrice: { amountMinor: 100, currency: 'USD' } }, reason: 'OTHER' })).status).toBe(400);
  });
});
