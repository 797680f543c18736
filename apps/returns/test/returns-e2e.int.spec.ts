// Issue 12's "done when" through every real part, on the real Kafka and PostgreSQL: a web order placed
// over HTTP, shipped in two parcels by retail-sim's carrier, captured, invoiced in Odoo and delivered;
// a partial return asked for with the channel's token and received at another store, one unit
// resellable and one damaged → inventory's stock at that store up by exactly one (Odoo's count, once),
// the policy's refund to the cent made once at retail-sim's gateway however often its webhook comes,
// the return refunded, Odoo's return pickings done into the store and one credit note. Then every
// returns event published again changes nothing. The schema registry, odoo-sim, retail-sim, inventory,
// the odoo-adapter (polling Odoo's stock) and the order service run as child processes, the returns
// service in this process; every topic, consumer group and database is this file's own.
import { CreateCreditNote, CreateReturnPicking, OdooCommandSucceeded, OrderPlaced, RefundIssued, RefundPayment, ReturnDispositioned, ReturnRefunded } from '@omnibus/contracts';
import { consumerLag } from '@omnibus/messaging';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, testKafka, uniqueName, waitFor } from '@omnibus/testing';
import type { Admin } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { ReturnsConfig } from '../src/config';
import { returnsService } from '../src/service';

jest.setTimeout(180_000);

const CATALOGUE_TOPICS = [
  'retail.orders', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'retail.inventory', 'payments.commands', 'retail.payments',
  'retail.shipments', 'retail.returns', 'retail.catalog', 'retail.customers', 'retail.locations', 'odoo.stock-snapshots', 'inventory.checks',
] as const;
const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const WEBHOOK_SECRET = whsec();
const CARRIER_SECRET = whsec();
const GATEWAY_KEY = `sk_test_${randomUUID()}`;
const CARRIER_KEY = `ck_test_${randomUUID()}`;
const consumers = { order: uniqueName('order-rete2e'), adapter: uniqueName('odoo-adapter-rete2e'), inventory: uniqueName('inventory-rete2e'), returns: uniqueName('returns-rete2e') };
const RECEIVING_STORE = 'store-downtown';

let registry: AppProcess;
let sim: OdooSimProcess;
let gateway: AppProcess;
let adapter: AppProcess;
let inventory: AppProcess;
let order: AppProcess;
let returns: TestService<ReturnsConfig>;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let odoo: OdooClient;
let inventoryDb: Client;
let orderDb: Client;
let admin: Admin;
let channel: string;
let returnsChannel: string;
let store: string;
let proxy: Server;
/** What retail-sim's gateway sent as refund.created, byte for byte, to deliver it again as a gateway's retry would. */
const refundWebhooks: Array<{ headers: Record<string, string>; body: string }> = [];

/** retail-sim's webhooks reach the order service through this proxy, which keeps the refund webhooks it forwards. */
function webhookProxy(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      const headers = signedHeaders(req.headers);
      if (req.url === '/webhooks/payments/retail-sim' && (JSON.parse(body) as { type?: string }).type === 'refund.created') refundWebhooks.push({ headers, body });
      try {
        const answer = await fetch(`${order.url}${req.url}`, { method: 'POST', headers, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
      } catch {
        res.writeHead(503).end();
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const signedHeaders = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature'].filter((name) => headers[name]).map((name) => [name, String(headers[name])]));

beforeAll(async () => {
  [registry, sim, { topics }] = await Promise.all([startSchemaRegistry('returns_e2e'), OdooSimProcess.start({ version: 17 }), createUniqueTopics(CATALOGUE_TOPICS, Object.values(consumers))]);
  const [orderDatabase, adapterDatabase, inventoryDatabase] = await Promise.all([createTestDatabase('order_rete2e'), createTestDatabase('odoo_adapter_rete2e'), createTestDatabase('inventory_rete2e')]);
  proxy = await webhookProxy();
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  gateway = await startApp('retail-sim', {
    RETAIL_SIM_GATEWAY_KEY: GATEWAY_KEY,
    RETAIL_SIM_WEBHOOK_URL: `${proxyUrl}/webhooks/payments/retail-sim`,
    RETAIL_SIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    RETAIL_SIM_CARRIER_KEY: CARRIER_KEY,
    RETAIL_SIM_CARRIER_WEBHOOK_URL: `${proxyUrl}/webhooks/carriers/retail-sim`,
    RETAIL_SIM_CARRIER_WEBHOOK_SECRET: CARRIER_SECRET,
  });
  [adapter, inventory, order, returns, recorder, publisher] = await Promise.all([
    // The adapter polls Odoo's stock: the receiving store's count reaches inventory as Odoo reports it.
    startApp(
      'odoo-adapter',
      { ...shared, DATABASE_URL: adapterDatabase.url, ODOO_URL: sim.url, ODOO_CONSUMER_SERVICE: consumers.adapter, ODOO_STOCK_POLL_INTERVAL_MS: '200', ODOO_CATALOG_POLL_INTERVAL_MS: '5000', ODOO_FULL_RESYNC_INTERVAL_MS: '0', ODOO_SYNC_SWEEP_INTERVAL_MS: '3600000' },
      { cleanup: () => adapterDatabase.drop() },
    ),
    startApp(
      'inventory',
      { ...shared, DATABASE_URL: inventoryDatabase.url, INVENTORY_CONSUMER_SERVICE: consumers.inventory, INVENTORY_NETWORK_FILE: path.join(__dirname, 'e2e-network.yaml'), AVAILABILITY_COALESCE_MS: '60000', DRIFT_CHECK_INTERVAL_MS: '0', INVARIANT_CHECK_INTERVAL_MS: '0' },
      { cleanup: () => inventoryDatabase.drop() },
    ),
    startApp(
      'order',
      {
        ...shared,
        DATABASE_URL: orderDatabase.url,
        ORDER_CONSUMER_SERVICE: consumers.order,
        ORDER_PAYMENT_GATEWAY_URL: gateway.url,
        ORDER_PAYMENT_GATEWAY_KEY: GATEWAY_KEY,
        ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [WEBHOOK_SECRET] }),
        ORDER_CARRIER_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [CARRIER_SECRET] }),
      },
      { cleanup: () => orderDatabase.drop() },
    ),
    startTestService(returnsService, { ...shared, RETURNS_CONSUMER_SERVICE: consumers.returns, RETURNS_POLICY_DIR: path.join(__dirname, 'e2e-policies') }) as Promise<TestService<ReturnsConfig>>,
    EventRecorder.start([topics['retail.orders'], topics['retail.returns'], topics['retail.payments'], topics['payments.commands'], topics['odoo.commands'], topics['odoo.results']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
  inventoryDb = new Client({ connectionString: inventoryDatabase.url });
  await inventoryDb.connect();
  orderDb = new Client({ connectionString: orderDatabase.url });
  await orderDb.connect();
  admin = testKafka(uniqueName('rete2e-admin')).admin();
  await admin.connect();
  [channel, returnsChannel, store] = await Promise.all([
    issueToken({ sub: 'channel:web-us', scopes: ['orders:write', 'orders:read'] }),
    issueToken({ sub: 'channel:web-us', scopes: ['returns:write', 'returns:read'], channel: 'web-us' }),
    issueToken({ sub: `channel:${RECEIVING_STORE}`, scopes: ['returns:receive', 'returns:read'] }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), odoo?.close(), inventoryDb?.end(), orderDb?.end(), admin?.disconnect(), returns?.stop(), order?.stop(), adapter?.stop(), inventory?.stop()]);
  await Promise.all([sim?.stop(), registry?.stop(), gateway?.stop(), new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)))]);
}, 60_000);

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const post = (url: string, token: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() }, body: JSON.stringify(body) }).then(json);
const getOrder = async (orderId: string) => (await json(await fetch(`${order.url}/orders/${orderId}`, { headers: { authorization: `Bearer ${channel}` } }))).body;
const orderWhere = (orderId: string, what: string, holds: (current: any) => boolean) =>
  waitFor(async () => {
    const current = await getOrder(orderId);
    return holds(current) ? current : undefined;
  }, { timeoutMs: 60_000, what: `order ${orderId}: ${what}` });
const postReturn = (body: unknown, token = returnsChannel) =>
  returns.request('/returns', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() }, body: JSON.stringify(body) }).then(json);
const receive = (returnId: string, body: unknown) =>
  returns.request(`/returns/${returnId}/receipts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${store}`, 'idempotency-key': randomUUID() }, body: JSON.stringify(body) }).then(json);
const getReturn = async (returnId: string) => (await json(await returns.request(`/returns/${returnId}`, { headers: { authorization: `Bearer ${returnsChannel}` } }))).body;
const carrier = async (route: string, body: unknown) => {
  const answer = await post(`${gateway.url}/carrier/v1${route}`, CARRIER_KEY, body);
  expect(answer.status).toBe(200);
  return answer.body;
};
const intentOf = async (orderId: string) => (await json(await fetch(`${gateway.url}/v1/payment_intents?order_id=${orderId}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } }))).body.data[0];
/** Inventory's on-hand (thousandths) of a SKU at a location, and what Odoo's stream last set it from. */
const inventoryOnHand = async (sku: string, locationId: string): Promise<number> =>
  Number((await inventoryDb.query(`SELECT on_hand FROM stock_positions WHERE sku = $1 AND location_id = $2`, [sku, locationId])).rows[0]?.on_hand ?? 0);
const odooMarkOf = async (sku: string, locationId: string): Promise<Date | undefined> =>
  (await inventoryDb.query(`SELECT observed_at FROM stock_source_marks WHERE sku = $1 AND location_id = $2 AND source = 'odoo'`, [sku, locationId])).rows[0]?.observed_at;
const warehouseStock = async (code: string) => (await odoo.searchRead<{ id: number; lot_stock_id: [number, string] }>('stock.warehouse', [['code', '=', code]], { fields: ['lot_stock_id'] }))[0].lot_stock_id[0];
const odooOnHand = async (sku: string, locationId: number) => {
  const [product] = await odoo.search('product.product', [['default_code', '=', sku]]);
  return (await odoo.searchRead<{ id: number; quantity: number }>('stock.quant', [['product_id', '=', product], ['location_id', 'child_of', locationId]], { fields: ['quantity'] })).reduce((sum, quant) => sum + quant.quantity, 0);
};
/** Every consumer of the returns topic, and of what its events cause, has taken in (and committed) everything on it. */
const returnsTopicConsumed = () =>
  waitFor(async () => {
    const reads: Array<[string, string[]]> = [
      [consumers.inventory, [topics['retail.returns']]],
      [consumers.returns, [topics['retail.payments'], topics['odoo.results']]],
      [consumers.adapter, [topics['odoo.commands']]],
      [consumers.order, [topics['payments.commands']]],
    ];
    for (const [group, read] of reads) {
      const lag = await consumerLag(admin, { groups: [group], topics: read });
      if (lag.length < read.length || lag.some((partition) => partition.lag > 0)) return undefined;
    }
    return true;
  }, { timeoutMs: 60_000, what: 'every consumer caught up with the returns topic and what it caused' });

/** A web order of `lines` (USD, no tax, shipping 4.95, `orderDiscount` off the order) placed over HTTP and released to the warehouse. */
async function placeWebOrder(lines: unknown[], orderDiscount: number): Promise<string> {
  const placed = await post(`${order.url}/orders`, channel, {
    channelOrderRef: `WEB-RET-${randomUUID().slice(0, 8)}`,
    channel: { channelId: 'web-us', kind: 'WEB' },
    brand: 'omnibus',
    companyId: 'omnibus-retail',
    currency: 'USD',
    customer: { customerId: null, name: 'Jordan Avery', email: 'jordan.avery@example.com', phone: '+14155550123' },
    shippingAddress: { name: 'Jordan Avery', line1: '1200 Market Street', city: 'San Francisco', postalCode: '94102', region: 'US-CA', countryCode: 'US', phone: '+14155550123', email: 'jordan.avery@example.com' },
    lines,
    shipping: { amountMinor: 495, currency: 'USD' },
    orderDiscount: { amountMinor: orderDiscount, currency: 'USD' },
    pricesIncludeTax: false,
    fulfilment: { mode: 'DELIVERY', shippingMethod: 'standard' },
    paymentReference: 'pi_3Qdemo000000000001',
  });
  expect(placed.status).toBe(201);
  const orderId = placed.body.orderId as string;
  await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
  return orderId;
}

/**
 * What the policy refunds, computed here from the order's prices (returns' README, "How refunds are
 * computed"): the order discount shared over the line totals (shares rounded down, the cents left to
 * the largest remainders), the line's cost less its share, every received unit refunded (the default
 * policy refunds damaged units, no restocking fee).
 */
function expectedRefund(lineTotals: number[], orderDiscount: number, line: number): number {
  const sum = lineTotals.reduce((a, b) => a + b, 0);
  const exact = lineTotals.map((total) => (orderDiscount * total) / sum);
  const shares = exact.map(Math.floor);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (let left = orderDiscount - shares.reduce((a, b) => a + b, 0), i = 0; left > 0; left--, i++) shares[byRemainder[i].index] += 1;
  return lineTotals[line] - shares[line];
}

describe("issue 12: a partial return of a two-shipment order through every real part", () => {
  it('received at another store with one unit resellable and one damaged: stock up by one there, the policy refund once, Odoo return pickings and one credit note; replaying the returns topic changes nothing', async () => {
    // Odoo's stock reaches inventory first (the adapter's poll): the warehouse the order ships from and the receiving store.
    await waitFor(async () => ((await inventoryOnHand('APP-10001', 'wh-central')) > 5000 && (await inventoryOnHand('FTW-10002', 'wh-central')) > 2000 ? true : undefined), { timeoutMs: 60_000, what: "Odoo's stock at wh-central in inventory" });
    const storeStock = await warehouseStock('ST01');
    const odooBefore = await odooOnHand('APP-10001', storeStock);
    await waitFor(async () => ((await inventoryOnHand('APP-10001', RECEIVING_STORE)) === odooBefore * 1000 ? true : undefined), { timeoutMs: 60_000, what: "Odoo's count at the store in inventory" });
    const before = await inventoryOnHand('APP-10001', RECEIVING_STORE);

    // A web order: 2 shirts at 34.99, trail runners 89.99 less 10.00, shipping 4.95, 20.00 off the order.
    const lines = [
      { sku: 'APP-10001', name: 'Linen shirt, M, white', quantity: '2', unitPrice: { amountMinor: 3499, currency: 'USD' } },
      { sku: 'FTW-10002', name: 'Trail runner, 42', quantity: '1', unitPrice: { amountMinor: 8999, currency: 'USD' }, discount: { amountMinor: 1000, currency: 'USD' } },
    ];
    const orderId = await placeWebOrder(lines, 2000);

    // Two parcels through the carrier: a shirt, then the other shirt with the runners; both delivered.
    const parcels = [];
    for (const parcelLines of [[['1', 'APP-10001', 1]], [['1', 'APP-10001', 1], ['2', 'FTW-10002', 1]]] as Array<Array<[string, string, number]>>) {
      const parcel = await carrier('/shipments', { reference: `SHIP-${randomUUID().slice(0, 8)}`, order_id: orderId, from_location: 'wh-central', lines: parcelLines.map(([line_id, sku, quantity]) => ({ line_id, sku, quantity })), milestones: 'manual' });
      await carrier(`/shipments/${parcel.id}/events`, { type: 'dispatched' });
      await orderWhere(orderId, `parcel ${parcels.length + 1} captured`, (current) => current.shipments.filter((shipment: any) => shipment.capture === 'captured').length === parcels.length + 1);
      parcels.push(parcel);
    }
    await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    for (const parcel of parcels) await carrier(`/shipments/${parcel.id}/events`, { type: 'delivered' });
    await orderWhere(orderId, 'completed', (current) => current.status === 'completed');
    const [orderPlaced] = await recorder.waitFor(orderId, OrderPlaced.type);
    expect(orderPlaced.value.lines.map((line: any) => line.total.amountMinor)).toEqual([6998, 7999]);

    // Returns has the order, both deliveries and the captures in its projection once it takes the request.
    const request = { orderId, channel: { channelId: 'web-us', kind: 'WEB' }, lines: [{ lineId: '1', quantity: '2', reason: 'SIZE_OR_FIT' }] };
    const requested = await waitFor(async () => {
      const answer = await postReturn(request);
      return answer.status === 404 ? undefined : answer;
    }, { timeoutMs: 30_000, what: 'the order known to returns' });
    expect(requested.status).toBe(201);
    const returnId = requested.body.returnId as string;
    const refundAmount = expectedRefund([6998, 7999], 2000, 0);
    expect(refundAmount).toBe(6998 - 933);
    expect(requested.body).toMatchObject({ status: 'authorized', policy: { policyId: 'default', version: 1 }, lines: [{ lineId: '1', sku: 'APP-10001', quantity: '2', refundDue: refundAmount }] });

    // Received at another store than the parcels left from: one shirt resellable, one damaged.
    const received = await receive(returnId, { location: { locationId: RECEIVING_STORE, locationType: 'STORE' }, lines: [{ lineId: '1', units: [{ disposition: 'RESELLABLE' }, { disposition: 'DAMAGED' }] }] });
    expect(received.status).toBe(201);

    // The refund: the policy's amount, made at the gateway once, RefundIssued naming the return.
    const [refundCommand] = await recorder.waitFor(orderId, RefundPayment.type);
    expect(refundCommand.value).toMatchObject({ returnId, amount: { amountMinor: refundAmount, currency: 'USD' } });
    const [issued] = await recorder.waitFor(orderId, RefundIssued.type, 1, 30_000);
    expect(issued.value).toMatchObject({ refundId: refundCommand.value.refundId, returnId, gateway: 'retail-sim', amount: { amountMinor: refundAmount, currency: 'USD' } });
    const refunded = await waitFor(async () => {
      const current = await getReturn(returnId);
      return current.refundStatus === 'refunded' && current.odoo.every((command: any) => command.status === 'succeeded') && current.odoo.length === 2 ? current : undefined;
    }, { timeoutMs: 60_000, what: `return ${returnId} refunded, its Odoo records made` });
    expect(refunded).toMatchObject({ status: 'received', refundStatus: 'refunded', refunds: [{ status: 'issued', amount: { amountMinor: refundAmount, currency: 'USD' }, gatewayReference: issued.value.gatewayReference }] });
    expect(refunded.odoo.map((command: any) => command.commandType).sort()).toEqual([CreateCreditNote.type, CreateReturnPicking.type].sort());

    // retail-sim's refund.created came once; delivered twice more exactly as it was (a gateway's retry), it changes nothing.
    await waitFor(async () => (refundWebhooks.length === 1 ? true : undefined), { timeoutMs: 20_000, what: "the gateway's refund webhook" });
    for (let again = 0; again < 2; again++) {
      const answer = await json(await fetch(`${order.url}/webhooks/payments/retail-sim`, { method: 'POST', headers: refundWebhooks[0].headers, body: refundWebhooks[0].body }));
      expect(answer).toEqual({ status: 200, body: { outcome: 'duplicate' } });
    }
    expect(await intentOf(orderId)).toMatchObject({ amount_refunded: refundAmount });
    const paid = await getOrder(orderId);
    expect(paid.payment.refunds).toEqual([expect.objectContaining({ returnId, status: 'issued', amount: { amountMinor: refundAmount, currency: 'USD' } })]);

    // Stock: the resellable shirt back at the store, once — Odoo's count brings it (the store is Odoo's), inventory adds nothing itself.
    await waitFor(async () => ((await odooOnHand('APP-10001', storeStock)) === odooBefore + 1 ? true : undefined), { timeoutMs: 30_000, what: "Odoo's count at the store with the resellable shirt" });
    await waitFor(async () => ((await inventoryOnHand('APP-10001', RECEIVING_STORE)) === before + 1000 ? true : undefined), { timeoutMs: 30_000, what: 'the restock in inventory' });
    const [dispositioned] = recorder.of(returnId, ReturnDispositioned.type);
    expect(dispositioned.value).toMatchObject({ location: { locationId: RECEIVING_STORE } });
    const returnMovements = async () => Number((await inventoryDb.query(`SELECT count(*) AS n FROM stock_ledger WHERE location_id = $1 AND source = 'returns'`, [RECEIVING_STORE])).rows[0].n);
    expect(await returnMovements()).toBe(0);

    // Odoo: a done return picking per delivery into the store, the damaged shirt scrapped, one posted credit note on the invoice's lines.
    const [saleOrder] = await odoo.searchRead<{ id: number; order_line: number[]; invoice_ids: number[] }>('sale.order', [['client_order_ref', '=', orderId]], { fields: ['order_line', 'invoice_ids'] });
    const pickings = await odoo.searchRead<{ id: number; state: string; location_dest_id: [number, string]; picking_type_code: string }>('stock.picking', [['x_omnibus_shipment_id', '=like', `return:${refunded.receipts[0].receiptId}:%`]], { fields: ['state', 'location_dest_id', 'picking_type_code'] });
    expect(pickings).toHaveLength(2);
    expect(pickings.map((picking) => [picking.state, picking.location_dest_id[0]])).toEqual([['done', storeStock], ['done', storeStock]]);
    const scraps = await odoo.searchRead<{ id: number; state: string; scrap_qty: number }>('stock.scrap', [['origin', '=', `Omnibus return ${returnId} receipt ${refunded.receipts[0].receiptId}`]], { fields: ['state', 'scrap_qty'] });
    expect(scraps).toEqual([expect.objectContaining({ state: 'done', scrap_qty: 1 })]);
    const creditNotes = await odoo.searchRead<{ id: number; state: string; amount_total: number; reversed_entry_id: [number, string] | false; invoice_line_ids: number[] }>('account.move', [['move_type', '=', 'out_refund'], ['ref', '=', returnId]], {
      fields: ['state', 'amount_total', 'reversed_entry_id', 'invoice_line_ids'],
    });
    expect(creditNotes).toHaveLength(1);
    expect(creditNotes[0]).toMatchObject({ state: 'posted', amount_total: refundAmount / 100 });
    expect(saleOrder.invoice_ids).toContain((creditNotes[0].reversed_entry_id as [number, string])[0]);
    const creditLines = await odoo.read<{ id: number; sale_line_ids: number[]; quantity: number; debit: number }>('account.move.line', creditNotes[0].invoice_line_ids, ['sale_line_ids', 'quantity', 'debit']);
    const [shirtLine] = await odoo.searchRead<{ id: number }>('sale.order.line', [['order_id', '=', saleOrder.id], ['product_id.default_code', '=', 'APP-10001']], { fields: ['id'] });
    expect(creditLines).toEqual([expect.objectContaining({ sale_line_ids: [shirtLine.id], quantity: 2, debit: refundAmount / 100 })]);

    // Every returns event published again: as a replay of the topics does (the same records), then as a
    // re-publication would (the same events under new ids, past every inbox). Nothing is refunded, credited, returned or restocked again.
    await returnsTopicConsumed();
    const markBefore = await odooMarkOf('APP-10001', RECEIVING_STORE);
    const fromReturns = recorder.events.filter(
      (event) => event.topic === topics['retail.returns'] || (event.value?.returnId === returnId && ([RefundPayment.type, CreateReturnPicking.type, CreateCreditNote.type] as string[]).includes(event.type)),
    );
    expect(fromReturns.map((event) => event.type)).toEqual(expect.arrayContaining([ReturnDispositioned.type, ReturnRefunded.type, RefundPayment.type, CreateReturnPicking.type, CreateCreditNote.type]));
    const answers = recorder.events.filter((event) => event.value?.returnId === returnId && event.type === RefundIssued.type || (event.type === OdooCommandSucceeded.type && event.value?.aggregateId === returnId));
    expect(answers).toHaveLength(3);
    for (const event of [...fromReturns, ...answers]) await publisher.send({ topic: event.topic, key: event.key, value: event.raw, headers: event.headers });
    for (const event of [...fromReturns, ...answers]) await publisher.send({ topic: event.topic, key: event.key, value: event.raw, headers: { ...event.headers, ce_id: uuidv7() } });
    await returnsTopicConsumed();
    const staged = async (db: { query: (sql: string, values: unknown[]) => Promise<any> }, type: string) => {
      const result = await db.query(`SELECT count(*) AS n FROM outbox WHERE headers->>'ce_type' = $1`, [type]);
      return Number((result.rows ?? result)[0].n);
    };
    const returnsDb = returns.app.get(DataSource);
    expect([await staged(returnsDb, RefundPayment.type), await staged(returnsDb, CreateCreditNote.type), await staged(returnsDb, CreateReturnPicking.type), await staged(returnsDb, ReturnRefunded.type)]).toEqual([1, 1, 1, 1]);
    expect(await staged(orderDb, RefundIssued.type)).toBe(1);
    expect(await odoo.search('account.move', [['move_type', '=', 'out_refund'], ['ref', '=', returnId]])).toHaveLength(1);
    expect(await odoo.search('stock.picking', [['x_omnibus_shipment_id', '=like', `return:${refunded.receipts[0].receiptId}:%`]])).toHaveLength(2);
    expect(await odoo.search('stock.scrap', [['origin', 'like', `Omnibus return ${returnId}`]])).toHaveLength(1);
    expect(await intentOf(orderId)).toMatchObject({ amount_refunded: refundAmount });
    expect(refundWebhooks).toHaveLength(1);
    expect(await returnMovements()).toBe(0);
    expect(await inventoryOnHand('APP-10001', RECEIVING_STORE)).toBe(before + 1000);
    expect(await odooOnHand('APP-10001', storeStock)).toBe(odooBefore + 1);
    expect(await odooMarkOf('APP-10001', RECEIVING_STORE)).toEqual(markBefore);
    expect(await getReturn(returnId)).toMatchObject({ status: 'received', refundStatus: 'refunded', refunds: [{ status: 'issued' }], odoo: [{ status: 'succeeded' }, { status: 'succeeded' }] });
  });
});

/** The shirt in size M (bought) and in size L (the replacement): two variants of odoo-sim's seed. */
const SIZE_M = 'APP-10001';
const SIZE_L = 'APP-10009';
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/** A web order of a shirt in M (34.99) and trail runners (89.99), 10.00 off the order: one parcel, captured, invoiced in Odoo, delivered. */
async function deliveredWebOrder(): Promise<string> {
  const orderId = await placeWebOrder(
    [
      { sku: SIZE_M, name: 'Linen shirt, M, white', quantity: '1', unitPrice: usd(3499) },
      { sku: 'FTW-10002', name: 'Trail runner, 42', quantity: '1', unitPrice: usd(8999) },
    ],
    1000,
  );
  const parcel = await carrier('/shipments', { reference: `SHIP-${randomUUID().slice(0, 8)}`, order_id: orderId, from_location: 'wh-central', lines: [{ line_id: '1', sku: SIZE_M, quantity: 1 }, { line_id: '2', sku: 'FTW-10002', quantity: 1 }], milestones: 'manual' });
  await carrier(`/shipments/${parcel.id}/events`, { type: 'dispatched' });
  await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
  await carrier(`/shipments/${parcel.id}/events`, { type: 'delivered' });
  await orderWhere(orderId, 'completed', (current) => current.status === 'completed');
  return orderId;
}

/** The shirt's line asked back for size L at `unitPrice`: the exchange authorised, the replacement placed and reserved by inventory at once. */
async function exchangeShirt(orderId: string, unitPrice: number) {
  const requested = await waitFor(async () => {
    const answer = await postReturn({ orderId, channel: { channelId: 'web-us', kind: 'WEB' }, lines: [{ lineId: '1', quantity: '1', reason: 'SIZE_OR_FIT', exchangeFor: { sku: SIZE_L, name: 'Linen shirt, L, white', quantity: '1', unitPrice: usd(unitPrice) } }] });
    return answer.status === 404 ? undefined : answer;
  }, { timeoutMs: 60_000, what: 'the order known to returns' });
  expect(requested.status).toBe(201);
  expect(requested.body).toMatchObject({ status: 'authorized', policy: { policyId: 'default', version: 1 } });
  const returnId = requested.body.returnId as string;
  const { exchange } = await waitFor(async () => {
    const current = await getReturn(returnId);
    return current.exchange?.state === 'replacement-ordered' ? current : undefined;
  }, { timeoutMs: 60_000, what: `return ${returnId}: replacement ordered` });
  const replacementOrderId = exchange.replacementOrderId as string;
  // The order service placed it from ExchangeRequested and inventory holds its stock, before anything came back.
  const reserved = await orderWhere(replacementOrderId, 'stock reserved', (current) => Boolean(current.reservation));
  expect(reserved.reservation.lines).toEqual([{ lineId: 'X1', sku: SIZE_L, quantity: '1', location: { locationId: 'wh-central', locationType: 'WAREHOUSE' } }]);
  const held = await inventoryDb.query(`SELECT r.status, l.sku, l.location_id, l.quantity FROM reservations r JOIN reservation_lines l USING (reservation_id) WHERE r.order_id = $1`, [replacementOrderId]);
  // Held, or already committed when the order released it to the warehouse.
  expect(held.rows).toEqual([{ status: expect.stringMatching(/^(held|committed)$/), sku: SIZE_L, location_id: 'wh-central', quantity: '1000' }]);
  expect((await getReturn(returnId)).status).toBe('authorized');
  return { returnId, replacementOrderId, replacement: reserved };
}

/** The replacement through retail-sim's carrier in one parcel, delivered: completed. */
async function shipReplacement(replacementOrderId: string, invoiced: boolean) {
  await orderWhere(replacementOrderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
  const parcel = await carrier('/shipments', { reference: `SHIP-${randomUUID().slice(0, 8)}`, order_id: replacementOrderId, from_location: 'wh-central', lines: [{ line_id: 'X1', sku: SIZE_L, quantity: 1 }], milestones: 'manual' });
  await carrier(`/shipments/${parcel.id}/events`, { type: 'dispatched' });
  if (invoiced) await orderWhere(replacementOrderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
  await carrier(`/shipments/${parcel.id}/events`, { type: 'delivered' });
  return orderWhere(replacementOrderId, 'completed', (current) => current.status === 'completed');
}

/** The returned shirt received at the store, resellable: the return received. */
async function receiveShirt(returnId: string) {
  const received = await receive(returnId, { location: { locationId: RECEIVING_STORE, locationType: 'STORE' }, lines: [{ lineId: '1', units: [{ disposition: 'RESELLABLE' }] }] });
  expect(received.status).toBe(201);
  return waitFor(async () => {
    const current = await getReturn(returnId);
    return current.status === 'received' ? current : undefined;
  }, { timeoutMs: 60_000, what: `return ${returnId} received` });
}

describe('issue 12: an exchange for another size through the returns and order services together', () => {
  beforeAll(async () => {
    await waitFor(async () => ((await inventoryOnHand(SIZE_M, 'wh-central')) > 2000 && (await inventoryOnHand(SIZE_L, 'wh-central')) > 2000 && (await inventoryOnHand('FTW-10002', 'wh-central')) > 2000 ? true : undefined), {
      timeoutMs: 60_000,
      what: "Odoo's stock of both sizes at wh-central in inventory",
    });
  }, 90_000);

  it('dearer: the replacement reserved at once, the difference authorised and captured to the cent, shipped, invoiced in Odoo for the difference, completed; the return received refunds nothing', async () => {
    const orderId = await deliveredWebOrder();
    const originalIntent = await intentOf(orderId);
    // The shirt's credit: its line less its share of the order discount (returns' README, no restocking fee on an exchange).
    const credit = expectedRefund([3499, 8999], 1000, 0);
    expect(credit).toBe(3499 - 280);
    const difference = 3999 - credit;

    const { returnId, replacementOrderId, replacement } = await exchangeShirt(orderId, 3999);
    expect(replacement).toMatchObject({
      lines: [{ lineId: 'X1', sku: SIZE_L, unitPrice: usd(3999), total: usd(3999) }],
      totals: { linesTotal: usd(3999), orderDiscount: usd(credit), grandTotal: usd(difference) },
      exchange: { returnId, originalOrderId: orderId, paidByReturn: usd(credit), charged: usd(difference), refundedAtReceipt: usd(0) },
    });
    expect((await getReturn(returnId)).exchange).toMatchObject({ replacementOrderId, credit: usd(credit), amountToCharge: usd(difference), amountToRefund: usd(0) });

    const completed = await shipReplacement(replacementOrderId, true);
    expect(completed.payment).toMatchObject({ policy: 'authorise_then_capture', amount: usd(difference), captured: usd(difference) });
    const intents = (await json(await fetch(`${gateway.url}/v1/payment_intents?order_id=${replacementOrderId}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } }))).body.data as any[];
    expect(intents.map((intent) => [intent.amount, intent.amount_received])).toEqual([[difference, difference]]);
    // Odoo's invoice of the replacement is the difference: the credit is the order discount's negative line.
    const [saleOrder] = await odoo.searchRead<{ id: number; invoice_ids: number[]; amount_total: number }>('sale.order', [['client_order_ref', '=', replacementOrderId]], { fields: ['invoice_ids', 'amount_total'] });
    expect(saleOrder.amount_total).toBeCloseTo(difference / 100, 2);
    const invoices = await odoo.read<{ id: number; amount_total: number; state: string; move_type: string }>('account.move', saleOrder.invoice_ids, ['amount_total', 'state', 'move_type']);
    expect(invoices).toEqual([expect.objectContaining({ move_type: 'out_invoice', state: 'posted', amount_total: difference / 100 })]);

    // The shirt comes back: the goods pay off the replacement, nothing is refunded.
    const received = await receiveShirt(returnId);
    expect(received.refunds).toEqual([]);
    // The receipt's transaction staged whatever it refunds: no RefundPayment for this order in returns' outbox.
    const staged = await returns.app.get(DataSource).query(`SELECT count(*)::int AS n FROM outbox WHERE headers->>'ce_type' = $1 AND key = $2`, [RefundPayment.type, orderId]);
    expect(staged).toEqual([{ n: 0 }]);
    await waitFor(async () => ((await getReturn(returnId)).odoo.some((command: any) => command.commandType === CreateReturnPicking.type && command.status === 'succeeded') ? true : undefined), { timeoutMs: 60_000, what: `return ${returnId}: Odoo's return picking` });
    await returnsTopicConsumed();
    expect(recorder.events.filter((event) => event.type === RefundPayment.type && (event.value?.returnId === returnId || event.value?.orderId === orderId))).toEqual([]);
    expect(await intentOf(orderId)).toMatchObject({ id: originalIntent.id, amount: originalIntent.amount, amount_received: originalIntent.amount_received, amount_refunded: 0 });
    expect((await getOrder(orderId)).payment.refunds).toEqual([]);
  });

  it('cheaper: the replacement costs nothing more, and the difference is refunded once at receipt through the original payment', async () => {
    const orderId = await deliveredWebOrder();
    const credit = expectedRefund([3499, 8999], 1000, 0);
    const difference = credit - 2999;

    const { returnId, replacementOrderId, replacement } = await exchangeShirt(orderId, 2999);
    expect(replacement).toMatchObject({ totals: { orderDiscount: usd(2999), grandTotal: usd(0) }, exchange: { returnId, refundedAtReceipt: usd(difference) } });
    const completed = await shipReplacement(replacementOrderId, false);
    expect(completed).toMatchObject({ paymentStatus: 'prepaid', payment: { policy: 'prepaid', amount: usd(0) } });
    expect(recorder.events.filter((event) => event.type === RefundPayment.type && event.value?.returnId === returnId)).toEqual([]);

    await receiveShirt(returnId);
    const [refundCommand] = await recorder.waitFor(orderId, RefundPayment.type, 1, 60_000);
    expect(refundCommand.value).toMatchObject({ returnId, amount: usd(difference) });
    const [issued] = await recorder.waitFor(orderId, RefundIssued.type, 1, 60_000);
    expect(issued.value).toMatchObject({ refundId: refundCommand.value.refundId, returnId, amount: usd(difference) });
    await waitFor(async () => ((await getReturn(returnId)).refundStatus === 'refunded' ? true : undefined), { timeoutMs: 60_000, what: `return ${returnId} refunded` });
    await returnsTopicConsumed();
    expect(recorder.of(orderId, RefundPayment.type)).toHaveLength(1);
    expect(await returns.app.get(DataSource).query(`SELECT count(*)::int AS n FROM outbox WHERE headers->>'ce_type' = $1 AND key = $2`, [RefundPayment.type, orderId])).toEqual([{ n: 1 }]);
    expect(await intentOf(orderId)).toMatchObject({ amount_refunded: difference });
  });
});
