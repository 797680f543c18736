// Exchanges on the order side, end to end on the real Kafka and PostgreSQL: ExchangeRequested (as the
// returns service publishes it) → the replacement order placed at once (its stock reserved by the real
// inventory before anything has come back), authorised for the difference only at retail-sim's
// gateway, sold in odoo-sim through the adapter, shipped by the carrier and captured to the cent; a
// redelivered exchange places nothing twice. The schema registry, odoo-sim, retail-sim, inventory and
// the adapter run as child processes, the order service in this process; every topic and consumer
// group is this file's own.
import { ExchangeRequested, RefundIssued, RefundPayment } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { OrderConfig } from '../src/config';
import { orderService } from '../src/service';
import { freePort } from './free-port';
import { webOrderRequest } from './orders';

jest.setTimeout(120_000);

const CATALOGUE_TOPICS = ['retail.orders', 'retail.returns', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'retail.inventory', 'payments.commands', 'retail.payments', 'retail.shipments', 'inventory.checks'] as const;
const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const WEBHOOK_SECRET = whsec();
const CARRIER_SECRET = whsec();
const GATEWAY_KEY = `sk_test_${randomUUID()}`;
const CARRIER_KEY = `ck_test_${randomUUID()}`;
const orderConsumer = uniqueName('order-exchanges');
const adapterConsumer = uniqueName('odoo-adapter-exchanges');
const inventoryConsumer = uniqueName('inventory-exchanges');
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
/** The shirt in size M (bought) and in size L (the replacement): two variants of odoo-sim's seed. */
const SIZE_M = 'APP-10001';
const SIZE_L = 'APP-10009';

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

beforeAll(async () => {
  [registry, sim, { topics }] = await Promise.all([startSchemaRegistry('order_exchanges'), OdooSimProcess.start({ version: 17 }), createUniqueTopics(CATALOGUE_TOPICS, [orderConsumer, adapterConsumer, inventoryConsumer])]);
  const [orderDatabase, adapterDatabase, inventoryDatabase, orderPort] = await Promise.all([createTestDatabase('order_exchanges'), createTestDatabase('odoo_adapter_exchanges'), createTestDatabase('inventory_exchanges'), freePort()]);
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
      ORDER_PAYMENT_GATEWAY_URL: gateway.url,
      ORDER_PAYMENT_GATEWAY_KEY: GATEWAY_KEY,
      ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [WEBHOOK_SECRET] }),
      ORDER_CARRIER_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [CARRIER_SECRET] }),
    }) as Promise<TestService<OrderConfig>>,
    EventRecorder.start([topics['retail.payments'], topics['inventory.commands']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  channel = await issueToken({ sub: `channel:exchanges-${randomUUID()}`, scopes: ['orders:write', 'orders:read'] });
  const stockToken = await issueToken({ sub: 'system:wms', scopes: ['stock:feed', 'availability:read'] });
  const counts = [[SIZE_M, '20'], [SIZE_L, '20']].map(([sku, quantity]) => ({ eventId: randomUUID(), sku, locationId: 'wh-central', kind: 'absolute', quantity, observedAt: new Date().toISOString() }));
  const fed = await fetch(`${inventory.url}/stock/feeds/wms`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stockToken}` }, body: JSON.stringify({ updates: counts }) });
  expect(fed.status).toBeLessThan(300);
}, 150_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), order?.stop(), adapter?.stop(), inventory?.stop()]);
  await Promise.all([sim?.stop(), registry?.stop(), gateway?.stop()]);
}, 60_000);

const getOrder = async (orderId: string) => {
  const response = await order.request(`/orders/${orderId}`, { headers: { authorization: `Bearer ${channel}` } });
  return response.status === 200 ? ((await response.json()) as any) : undefined;
};
const orderWhere = (orderId: string, what: string, holds: (current: any) => boolean) =>
  waitFor(
    async () => {
      const current = await getOrder(orderId);
      return current && holds(current) ? current : undefined;
    },
    { timeoutMs: 60_000, what: `order ${orderId}: ${what}` },
  );
const intentsOf = async (orderId: string) => ((await (await fetch(`${gateway.url}/v1/payment_intents?order_id=${orderId}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } })).json()) as any).data as any[];
const carrier = async (path: string, body: unknown) => {
  const response = await fetch(`${gateway.url}/carrier/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${CARRIER_KEY}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as any;
};
const shipParcel = async (orderId: string, lines: Array<[string, string, number]>) => {
  const parcel = await carrier('/shipments', { reference: `SHIP-${randomUUID().slice(0, 8)}`, order_id: orderId, from_location: 'wh-central', lines: lines.map(([line_id, sku, quantity]) => ({ line_id, sku, quantity })), milestones: 'manual' });
  await carrier(`/shipments/${parcel.id}/events`, { type: 'dispatched' });
  return parcel;
};

/** The shirt in size M (34.99, no tax, shipping 4.95): shipped, captured, delivered. */
async function deliveredShirt(): Promise<any> {
  const response = await order.request('/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify(webOrderRequest({ lines: [{ sku: SIZE_M, name: 'Linen shirt, M', quantity: '1', unitPrice: usd(3499) }] })),
  });
  expect(response.status).toBe(201);
  const { orderId } = (await response.json()) as any;
  await orderWhere(orderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
  const parcel = await shipParcel(orderId, [['1', SIZE_M, 1]]);
  await carrier(`/shipments/${parcel.id}/events`, { type: 'delivered' });
  return orderWhere(orderId, 'completed', (current) => current.status === 'completed');
}

/** ExchangeRequested as the returns service publishes it for the shirt's line 1, at `unitPrice` for size L. */
function exchangeFor(original: any, unitPriceMinor: number): ExchangeRequested {
  const credit = 3499;
  return {
    exchangeId: uuidv7(),
    returnId: uuidv7(),
    replacementOrderId: uuidv7(),
    rmaNumber: `RMA-${randomUUID().replace(/-/g, '').slice(-12).toUpperCase()}`,
    orderId: original.orderId,
    companyId: original.companyId,
    lines: [{ returnedLineId: '1', returnedSku: SIZE_M, returnedQuantity: { milli: 1000 }, credit: usd(credit), sku: SIZE_L, name: 'Linen shirt, L', quantity: { milli: 1000 }, unitPrice: usd(unitPriceMinor), total: usd(unitPriceMinor) }],
    credit: usd(credit),
    replacementTotal: usd(unitPriceMinor),
    amountToCharge: usd(Math.max(0, unitPriceMinor - credit)),
    amountToRefund: usd(Math.max(0, credit - unitPriceMinor)),
    occurredAt: new Date(),
  };
}

/** The replacement ships in one parcel and is delivered: the order completes. */
async function shipReplacement(replacementOrderId: string): Promise<any> {
  await orderWhere(replacementOrderId, 'released to the warehouse', (current) => current.status === 'released_to_warehouse');
  const parcel = await shipParcel(replacementOrderId, [['X1', SIZE_L, 1]]);
  await carrier(`/shipments/${parcel.id}/events`, { type: 'delivered' });
  return orderWhere(replacementOrderId, 'completed', (current) => current.status === 'completed');
}

describe('an exchange for another size', () => {
  it('at a higher price: the replacement is reserved at once, shipped, and only the difference is authorised and captured; a redelivery places nothing twice', async () => {
    const original = await deliveredShirt();
    const exchange = exchangeFor(original, 3999);
    const sent = await publisher.publish(ExchangeRequested, exchange, topics['retail.returns']);
    await publisher.send(sent); // the same record delivered twice

    // Reserved by the real inventory before anything came back.
    const reserved = await orderWhere(exchange.replacementOrderId, 'stock reserved', (current) => current.reservation !== null);
    expect(reserved.reservation.lines).toEqual([{ lineId: 'X1', sku: SIZE_L, quantity: '1', location: { locationId: 'wh-central', locationType: 'WAREHOUSE' } }]);
    expect(reserved).toMatchObject({
      channel: original.channel,
      customer: original.customer,
      shippingAddress: original.shippingAddress,
      channelOrderRef: `EXCH-${exchange.rmaNumber}`,
      lines: [{ lineId: 'X1', sku: SIZE_L, unitPrice: usd(3999), total: usd(3999) }],
      totals: { linesTotal: usd(3999), shipping: usd(0), orderDiscount: usd(3499), grandTotal: usd(500) },
      exchange: { exchangeId: exchange.exchangeId, returnId: exchange.returnId, rmaNumber: exchange.rmaNumber, originalOrderId: original.orderId, paidByReturn: usd(3499), charged: usd(500), refundedAtReceipt: usd(0) },
    });
    expect(reserved.timeline[0]).toMatchObject({ what: 'started', detail: expect.stringContaining(`replacement for return ${exchange.rmaNumber} of order ${original.orderId}`) });

    const completed = await shipReplacement(exchange.replacementOrderId);
    expect(completed.payment).toMatchObject({ policy: 'authorise_then_capture', amount: usd(500), captured: usd(500) });
    const intents = await intentsOf(exchange.replacementOrderId);
    expect(intents.map((intent) => [intent.amount, intent.amount_received])).toEqual([[500, 500]]);

    // One order, one reservation, however often the exchange arrived.
    const [{ n }] = await order.app.get(DataSource).query(`SELECT count(*)::int AS n FROM orders WHERE channel_order_ref = $1`, [`EXCH-${exchange.rmaNumber}`]);
    expect(n).toBe(1);
    expect(recorder.of(exchange.replacementOrderId, 'com.omnibus.reservation.ReserveStock')).toHaveLength(1);
  });

  it('at the same price: reserved and shipped without asking the gateway for anything', async () => {
    const original = await deliveredShirt();
    const exchange = exchangeFor(original, 3499);
    await publisher.publish(ExchangeRequested, exchange, topics['retail.returns']);
    await orderWhere(exchange.replacementOrderId, 'stock reserved', (current) => current.reservation !== null);
    const completed = await shipReplacement(exchange.replacementOrderId);
    expect(completed).toMatchObject({ totals: { grandTotal: usd(0) }, paymentStatus: 'prepaid', payment: { policy: 'prepaid', amount: usd(0), captured: usd(0) } });
    expect(await intentsOf(exchange.replacementOrderId)).toEqual([]);
  });

  it('at a lower price: the replacement costs nothing more, and the return refunds the difference on the original payment to the cent', async () => {
    const original = await deliveredShirt();
    const exchange = exchangeFor(original, 2999);
    await publisher.publish(ExchangeRequested, exchange, topics['retail.returns']);
    const completed = await shipReplacement(exchange.replacementOrderId);
    expect(completed).toMatchObject({ totals: { orderDiscount: usd(2999), grandTotal: usd(0) }, exchange: { refundedAtReceipt: usd(500) }, payment: { policy: 'prepaid' } });
    // The returns service's refund at receipt (RefundPayment with the return id) of the difference, through the original's payment.
    const refund: RefundPayment = { commandId: randomUUID(), refundId: randomUUID(), orderId: original.orderId, companyId: original.companyId, returnId: exchange.returnId, amount: usd(500), reason: `return ${exchange.rmaNumber} received`, occurredAt: new Date() };
    await publisher.publish(RefundPayment, refund, topics['payments.commands']);
    const [issued] = await recorder.waitFor(original.orderId, RefundIssued.type);
    expect(issued.value).toMatchObject({ refundId: refund.refundId, returnId: exchange.returnId, amount: usd(500) });
    expect((await orderWhere(original.orderId, 'the difference refunded', (current) => current.payment.refunded.amountMinor === 500)).payment.refunded).toEqual(usd(500));
  });
});
