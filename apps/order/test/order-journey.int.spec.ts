// The order saga's first slice end to end, on the real Kafka and PostgreSQL:
// HTTP → order service → ReserveStock → inventory → StockReserved → order service → AuthorisePayment →
// its gateway connector → retail-sim's gateway → PaymentAuthorized (and retail-sim's signed webhook) →
// order service → CreateSaleOrder → odoo-adapter → Odoo (odoo-sim) → OdooCommandSucceeded → order
// service, and the ways it fails. The schema registry, the Odoo simulator, retail-sim, inventory and the
// adapter run as child processes, the order service in this process; every topic and consumer group is
// this file's own.
import {
  CommitReservation,
  CreateSaleOrder,
  OdooCommandFailed,
  OdooCommandSucceeded,
  OrderCancelled,
  AuthorisePayment,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentDeclined,
  PaymentLinkSent,
  PaymentVoided,
  VoidPayment,
  ReleaseReservation,
  ReservationCommitted,
  ReservationRejected,
  ReservationReleased,
  ReserveStock,
  StockReserved,
} from '@omnibus/contracts';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { metricsRegistry } from '@omnibus/observability';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { OrderConfig } from '../src/config';
import { orderService } from '../src/service';
import { freePort } from './free-port';
import { webOrderRequest } from './orders';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';

jest.setTimeout(60_000);

// Every catalogue topic the apps here read or write gets this file's own name, so nothing shared is read.
const CATALOGUE_TOPICS = [
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
// The gateway's webhook secrets, made by this test: the current one, the previous one (still accepted
// while the gateway rotates) and a retired one (no longer configured).
const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const [WEBHOOK_SECRET, PREVIOUS_SECRET, RETIRED_SECRET] = [whsec(), whsec(), whsec()];
const GATEWAY_KEY = `sk_test_${randomUUID()}`;
const CARRIER_KEY = `ck_test_${randomUUID()}`;
const CARRIER_SECRET = whsec();
const orderConsumer = uniqueName('order-journey');
const adapterConsumer = uniqueName('odoo-adapter-journey');
const inventoryConsumer = uniqueName('inventory-journey');

let registry: AppProcess;
let sim: OdooSimProcess;
let adapter: AppProcess;
let inventory: AppProcess;
let stockToken: string;
let order: TestService<OrderConfig>;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let odoo: OdooClient;
let channel: string;
let gateway: AppProcess;

beforeAll(async () => {
  let suffix: string;
  [registry, sim, { topics, suffix }] = await Promise.all([
    startSchemaRegistry('order'),
    OdooSimProcess.start({ version: 17 }),
    createUniqueTopics(CATALOGUE_TOPICS, [orderConsumer, adapterConsumer, inventoryConsumer]),
  ]);
  const [adapterDatabase, inventoryDatabase, orderPort] = await Promise.all([createTestDatabase('odoo_adapter_journey'), createTestDatabase('inventory_journey'), freePort()]);
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  gateway = await startApp('retail-sim', {
    RETAIL_SIM_GATEWAY_KEY: GATEWAY_KEY,
    RETAIL_SIM_TIMEOUT_DELAY_MS: '4000',
    RETAIL_SIM_WEBHOOK_URL: `http://127.0.0.1:${orderPort}/webhooks/payments/retail-sim`,
    RETAIL_SIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    RETAIL_SIM_CARRIER_KEY: CARRIER_KEY,
    RETAIL_SIM_CARRIER_WEBHOOK_URL: `http://127.0.0.1:${orderPort}/webhooks/carriers/retail-sim`,
    RETAIL_SIM_CARRIER_WEBHOOK_SECRET: CARRIER_SECRET,
  });
  [adapter, inventory, order, recorder, publisher] = await Promise.all([
    startApp(
      'odoo-adapter',
      { ...shared, DATABASE_URL: adapterDatabase.url, ODOO_URL: sim.url, ODOO_CONSUMER_SERVICE: adapterConsumer, ODOO_SYNC_ENABLED: 'false' },
      { cleanup: () => adapterDatabase.drop() },
    ),
    startApp(
      'inventory',
      {
        ...shared,
        DATABASE_URL: inventoryDatabase.url,
        INVENTORY_CONSUMER_SERVICE: inventoryConsumer,
        INVENTORY_NETWORK_FILE: path.join(__dirname, 'network.yaml'),
        AVAILABILITY_COALESCE_MS: '60000',
      },
      { cleanup: () => inventoryDatabase.drop() },
    ),
    startTestService(orderService, {
      ...shared,
      PORT: String(orderPort),
      ORDER_CONSUMER_SERVICE: orderConsumer,
      ORDER_PAYMENT_GATEWAY_URL: gateway.url,
      ORDER_PAYMENT_GATEWAY_KEY: GATEWAY_KEY,
      // An answer later than this is lost: the connector asks the gateway instead.
      ORDER_PAYMENT_GATEWAY_TIMEOUT_MS: '1000',
      ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [WEBHOOK_SECRET, PREVIOUS_SECRET] }),
      ORDER_CARRIER_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [CARRIER_SECRET] }),
      // Social-commerce orders ship what is there; every other channel kind cancels on short stock.
      ORDER_SHORT_STOCK_RULES: 'SOCIAL=ship_available',
    }) as Promise<TestService<OrderConfig>>,
    EventRecorder.start(Object.values(topics), registry.url),
    EventPublisher.start(registry.url),
  ]);
  odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
  channel = await issueToken({ sub: `channel:web-us-${suffix}`, scopes: ['orders:write', 'orders:read'] });
  stockToken = await issueToken({ sub: 'system:wms', scopes: ['stock:feed', 'availability:read'] });
  // The warehouse's stock, as its WMS reports it. NOPE-404 is stocked but unknown to Odoo.
  const counts = [['APP-10001', '10'], ['FTW-10002', '3'], ['NOPE-404', '4']].map(([sku, quantity]) => ({
    eventId: randomUUID(),
    sku,
    locationId: 'wh-central',
    kind: 'absolute',
    quantity,
    observedAt: new Date().toISOString(),
  }));
  const fed = await fetch(`${inventory.url}/stock/feeds/wms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stockToken}` },
    body: JSON.stringify({ updates: counts }),
  });
  expect(fed.status).toBeLessThan(300);
}, 120_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), odoo?.close(), order?.stop(), adapter?.stop(), inventory?.stop()]);
  await Promise.all([sim?.stop(), registry?.stop(), gateway?.stop()]);
}, 60_000);

const placeOrder = async (body: unknown, key: string = randomUUID(), headers: Record<string, string> = {}) => {
  const response = await order.request('/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}`, 'idempotency-key': key, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};
const cancelOrder = async (orderId: string, body: unknown = {}) => {
  const response = await order.request(`/orders/${orderId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}` }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
};
const getOrder = async (orderId: string) => (await (await order.request(`/orders/${orderId}`, { headers: { authorization: `Bearer ${channel}` } })).json()) as any;
const orderReaches = (orderId: string, status: string) =>
  waitFor(
    async () => {
      const current = await getOrder(orderId);
      return current.status === status ? current : undefined;
    },
    { timeoutMs: 30_000, what: `order ${orderId} to be ${status}` },
  );
const saleOrdersFor = (orderId: string) =>
  odoo.searchRead<{ id: number; name: string; state: string; client_order_ref: string; order_line: number[]; amount_total: number }>('sale.order', [['client_order_ref', '=', orderId]], {
    fields: ['name', 'state', 'client_order_ref', 'order_line', 'amount_total'],
  });
/** What inventory holds for a SKU at the warehouse (reserved, on hand). */
const stockAt = async (sku: string) => {
  const response = await fetch(`${inventory.url}/availability?skus=${sku}&channel=web-us&region=us-west`, { headers: { authorization: `Bearer ${stockToken}` } });
  const body = (await response.json()) as any;
  const location = body.skus[0].locations.find((candidate: any) => candidate.locationId === 'wh-central');
  return { onHand: location.onHand, reserved: location.reserved, committed: location.committed };
};
/** The gateway's payment intents of an order, as its status query shows them. */
const intentsAt = async (orderId: string) =>
  ((await (await fetch(`${gateway.url}/v1/payment_intents?order_id=${orderId}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } })).json()) as any).data as any[];
/** How many events of `type` the order service staged for an order: what it published, once each. */
const stagedCount = async (orderId: string, type: string) =>
  Number((await order.app.get(DataSource).query(`SELECT count(*) AS n FROM outbox WHERE key = $1 AND headers->>'ce_type' = $2`, [orderId, type]))[0].n);
/** The warehouse books a parcel with the carrier (retail-sim) and the carrier reports its milestones as told. */
const carrier = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
  const response = await fetch(`${gateway.url}/carrier/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${CARRIER_KEY}`, 'content-type': 'application/json', ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as any;
};
const shipParcel = (orderId: string, reference: string, lines: Array<[string, string, number]>) =>
  carrier('POST', '/shipments', { reference, order_id: orderId, from_location: 'wh-central', lines: lines.map(([line_id, sku, quantity]) => ({ line_id, sku, quantity })), milestones: 'manual' });
const milestone = (shipmentId: string, type: string, extra: Record<string, unknown> = {}) => carrier('POST', `/shipments/${shipmentId}/events`, { type, ...extra });
const orderWhere = (orderId: string, what: string, holds: (order: any) => boolean) =>
  waitFor(
    async () => {
      const current = await getOrder(orderId);
      return holds(current) ? current : undefined;
    },
    { timeoutMs: 30_000, what: `order ${orderId}: ${what}` },
  );
const saleOrdersCreated = async () =>
  (await sim.admin<{ count: number }>('GET', '/calls/count?model=sale.order&method=create&committed=true')).count;

/** OdooCommandFailed events the order service's consumer dropped as already handled (its inbox). */
const failuresSkippedAsDuplicates = async () => {
  const metric = await metricsRegistry.getSingleMetric('omnibus_consumer_events_total')?.get();
  return (metric?.values ?? [])
    .filter(({ labels }) => labels.consumer_group === orderConsumer && labels.event_type === OdooCommandFailed.type && labels.outcome === 'duplicate')
    .reduce((sum, { value }) => sum + value, 0);
};

describe('the order journey through inventory and Odoo', () => {
  let placed: any;
  const key = randomUUID();
  const body = webOrderRequest({ channelOrderRef: 'WEB-JOURNEY-1' });
  const traceId = randomUUID().replace(/-/g, '');

  it('an order a channel posts gets its stock reserved, then becomes a confirmed Odoo sale order (our order id as client_order_ref) with the reservation held', async () => {
    const response = await placeOrder(body, key, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(response.status).toBe(201);
    placed = response.body;

    const confirmed = await orderReaches(placed.orderId, 'released_to_warehouse');
    const saleOrders = await saleOrdersFor(placed.orderId);
    expect(saleOrders).toHaveLength(1);
    // The two lines and the shipping charge, priced as the channel priced them: Odoo's total is ours.
    expect(saleOrders[0]).toMatchObject({ state: 'sale', client_order_ref: placed.orderId, order_line: [expect.any(Number), expect.any(Number), expect.any(Number)] });
    expect(saleOrders[0].amount_total).toBe(placed.totals.grandTotal.amountMinor / 100);
    expect(confirmed.odoo).toEqual({ saleOrderId: saleOrders[0].id, saleOrderName: saleOrders[0].name, invoice: null, paymentRegistered: false });
    expect(confirmed).toMatchObject({ paymentStatus: 'authorised', fulfilmentStatus: 'released_to_warehouse', cancellation: null, review: null, shipments: [] });
    expect(confirmed.statusHistory.map((entry: any) => entry.status)).toEqual(['accepted', 'stock_reserved', 'payment_authorised', 'confirmed_in_odoo', 'released_to_warehouse']);
    expect(confirmed.timeline.map((entry: any) => [entry.step, entry.what, entry.cause.type])).toEqual([
      ['reserveStock', 'started', 'order accepted'],
      ['reserveStock', 'completed', StockReserved.type],
      ['authorisePayment', 'started', StockReserved.type],
      ['authorisePayment', 'completed', PaymentAuthorized.type],
      ['createSaleOrder', 'started', PaymentAuthorized.type],
      ['createSaleOrder', 'completed', OdooCommandSucceeded.type],
      ['releaseToWarehouse', 'started', OdooCommandSucceeded.type],
      ['releaseToWarehouse', 'completed', ReservationCommitted.type],
      ['handOverAtTill', 'skipped', ReservationCommitted.type],
      ['awaitShipments', 'started', ReservationCommitted.type],
    ]);

    // The gateway holds one authorisation of the grand total for manual capture, made under the command
    // id; nothing is captured before the goods leave.
    const [authorise] = await recorder.waitFor(placed.orderId, AuthorisePayment.type);
    const [authorised] = await recorder.waitFor(placed.orderId, PaymentAuthorized.type);
    expect(await intentsAt(placed.orderId)).toEqual([
      expect.objectContaining({
        id: authorised.value.gatewayReference,
        status: 'requires_capture',
        amount: authorise.value.amount.amountMinor,
        amount_received: 0,
        metadata: { order_id: placed.orderId, payment_id: authorise.value.commandId },
      }),
    ]);
    expect(authorised.value).toMatchObject({ paymentId: authorise.value.commandId, amount: { currency: 'USD' } });
    expect(authorise.value.amount.amountMinor).toBe(2 * 3499 + 8999 - 1000 + 495);

    // The stock stays held for the order (committed: it no longer expires) at the warehouse the sale order ships from.
    const [reserved] = await recorder.waitFor(placed.orderId, StockReserved.type);
    expect(confirmed.reservation).toMatchObject({ reservationId: reserved.value.reservationId, lines: [{ sku: 'APP-10001', location: { locationId: 'wh-central' } }, { sku: 'FTW-10002' }] });
    expect(await stockAt('APP-10001')).toEqual({ onHand: '10', reserved: '0', committed: '2' });
    expect(recorder.of(placed.orderId, ReservationReleased.type)).toEqual([]); // nothing given back (inventory's side is the stock figure above)
    const [command] = await recorder.waitFor(placed.orderId, CreateSaleOrder.type);
    expect(command.value.fulfilmentLocations.map((line: any) => line.location.locationId)).toEqual(['wh-central', 'wh-central']);

    // One journey on Kafka: every event correlated by the order id. The HTTP request's trace runs up to
    // the authorisation; the gateway's answer may come by the connector (same trace) or by the gateway's
    // webhook (its own request, its own trace), whichever is first, and the rest follows that one.
    const result = (await recorder.waitFor(placed.orderId, OdooCommandSucceeded.type))[0];
    const journey = recorder.of(placed.orderId);
    expect(journey.map((event) => event.type)).toEqual(
      expect.arrayContaining(['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type, StockReserved.type, AuthorisePayment.type, PaymentAuthorized.type, CreateSaleOrder.type, OdooCommandSucceeded.type]),
    );
    const traceOf = (event: { headers: Record<string, string> }) => event.headers.traceparent?.split('-')[1];
    for (const event of journey) expect(event.headers['correlation-id']).toBe(placed.orderId);
    for (const type of ['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type, StockReserved.type, AuthorisePayment.type]) {
      expect((await recorder.waitFor(placed.orderId, type)).map(traceOf)).toEqual([traceId]);
    }
    for (const event of [command, result]) expect(traceOf(event)).toBe(traceOf(authorised));
    expect(authorise.headers['causation-id']).toBe(reserved.headers.ce_id);
    expect(command.headers['causation-id']).toBe(authorised.headers.ce_id);
    expect(result.headers['causation-id']).toBe(command.headers.ce_id);
    expect(result.value).toMatchObject({ commandId: command.value.commandId, alreadyApplied: false, odooRecordId: saleOrders[0].id });
  });

  it('a second POST with the same Idempotency-Key creates nothing new', async () => {
    const createdBefore = await saleOrdersCreated();
    const retry = await placeOrder(body, key);
    expect(retry).toEqual({ status: 200, body: placed });
    const db = order.app.get(DataSource);
    const rows = await db.query(`SELECT headers->>'ce_type' AS type FROM outbox WHERE key = $1 ORDER BY id`, [placed.orderId]);
    // Once each: OrderPlaced, OrderAccepted and the saga's commands
    expect(rows.map((row: { type: string }) => row.type)).toEqual([
      'com.omnibus.order.OrderPlaced',
      'com.omnibus.order.OrderAccepted',
      ReserveStock.type,
      AuthorisePayment.type,
      PaymentAuthorized.type,
      CreateSaleOrder.type,
      CommitReservation.type,
    ]);
    expect(await saleOrdersCreated()).toBe(createdBefore);
    expect(await saleOrdersFor(placed.orderId)).toHaveLength(1);
  });

  it('a redelivered command creates no second sale order', async () => {
    const [command] = recorder.of(placed.orderId, CreateSaleOrder.type);
    const createdBefore = await saleOrdersCreated();
    const record = { topic: command.topic, key: command.key, value: command.raw, headers: command.headers };
    // The same record again (a redelivery: the adapter's inbox has it), then a copy with a new event id
    // (a replay past the inbox): Odoo already has the sale order under our order id.
    await publisher.send(record);
    const replayId = uuidv7();
    await publisher.send({ ...record, headers: { ...record.headers, ce_id: replayId } });
    const [again] = await waitFor(
      () => {
        const results = recorder.of(placed.orderId, OdooCommandSucceeded.type).filter((event) => event.headers['causation-id'] === replayId);
        return results.length > 0 ? results : undefined;
      },
      { timeoutMs: 30_000, what: 'the result of the replayed command' },
    );
    expect(again.value).toMatchObject({ alreadyApplied: true, odooRecordId: (await getOrder(placed.orderId)).odoo.saleOrderId });
    expect(recorder.of(placed.orderId, OdooCommandSucceeded.type)).toHaveLength(2);
    expect(await saleOrdersFor(placed.orderId)).toHaveLength(1);
    expect(await saleOrdersCreated()).toBe(createdBefore);

    // The order service takes the repeated success in and changes nothing.
    const db = order.app.get(DataSource);
    await waitFor(async () => (await db.query(`SELECT 1 FROM messaging_inbox WHERE event_id = $1`, [again.headers.ce_id])).length === 1, {
      what: 'the repeated result handled by the order service',
    });
    expect((await getOrder(placed.orderId)).statusHistory).toHaveLength(5);
  });

  it('an order inventory cannot cover is cancelled with the short lines; nothing is held and nothing reaches Odoo', async () => {
    const short = await placeOrder(
      webOrderRequest({ channelOrderRef: 'WEB-JOURNEY-3', lines: [{ sku: 'FTW-10002', name: 'Trail runner, 42', quantity: '5', unitPrice: { amountMinor: 8999, currency: 'USD' } }] }),
    );
    expect(short.status).toBe(201);
    const cancelled = await orderReaches(short.body.orderId, 'cancelled');
    expect(cancelled).toMatchObject({
      paymentStatus: 'cancelled',
      fulfilmentStatus: 'not_fulfilled',
      cancellation: { step: 'reserveStock', reason: 'OUT_OF_STOCK', detail: 'FTW-10002 (line 1): 5 requested, 2 available' },
    });
    const [rejected] = await recorder.waitFor(short.body.orderId, ReservationRejected.type);
    expect(cancelled.timeline.map((entry: any) => [entry.step, entry.what, entry.cause.eventId])).toEqual([
      ['reserveStock', 'started', null],
      ['reserveStock', 'failed', rejected.headers.ce_id],
      [null, 'finished', rejected.headers.ce_id],
    ]);
    const [event] = await recorder.waitFor(short.body.orderId, OrderCancelled.type);
    expect(event.value).toMatchObject({ reason: 'OUT_OF_STOCK', cancelledBy: 'saga' });
    const staged = await order.app.get(DataSource).query(`SELECT headers->>'ce_type' AS type FROM outbox WHERE key = $1 ORDER BY id`, [short.body.orderId]);
    expect(staged.map((row: { type: string }) => row.type)).toEqual(['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type, OrderCancelled.type]);
    expect(await saleOrdersFor(short.body.orderId)).toHaveLength(0);
    expect(await stockAt('FTW-10002')).toEqual({ onHand: '3', reserved: '0', committed: '1' }); // the first order's, nothing more
  });

  it('an order Odoo refuses has its authorisation voided and its reservation released, and is cancelled with Odoo\'s message', async () => {
    const refused = await placeOrder(
      webOrderRequest({ channelOrderRef: 'WEB-JOURNEY-2', lines: [{ sku: 'NOPE-404', name: 'Discontinued mug', quantity: '1', unitPrice: { amountMinor: 1200, currency: 'USD' } }] }),
    );
    expect(refused.status).toBe(201);
    const cancelled = await orderReaches(refused.body.orderId, 'cancelled');
    expect(cancelled).toMatchObject({
      paymentStatus: 'voided',
      fulfilmentStatus: 'stock_released',
      cancellation: { step: 'createSaleOrder', reason: 'ODOO_REJECTED', detail: expect.stringContaining('NOPE-404') },
    });
    expect(cancelled.statusHistory.map((entry: any) => entry.status)).toEqual(['accepted', 'stock_reserved', 'payment_authorised', 'cancelling', 'cancelled']);
    const [voidCommand] = await recorder.waitFor(refused.body.orderId, VoidPayment.type);
    const [voided] = await recorder.waitFor(refused.body.orderId, PaymentVoided.type);
    expect(await intentsAt(refused.body.orderId)).toEqual([expect.objectContaining({ id: voided.value.gatewayReference, status: 'canceled' })]);
    expect(voidCommand.value.gatewayReference).toBe(voided.value.gatewayReference);
    expect(await recorder.waitFor(refused.body.orderId, OdooCommandFailed.type)).toHaveLength(1);
    const [release] = await recorder.waitFor(refused.body.orderId, ReleaseReservation.type);
    const [released] = await recorder.waitFor(refused.body.orderId, ReservationReleased.type);
    expect(released.headers['causation-id']).toBe(release.headers.ce_id);
    expect(released.value).toMatchObject({ reason: 'ORDER_CANCELLED', fullyReleased: true, lines: [{ sku: 'NOPE-404', location: { locationId: 'wh-central' } }] });
    expect(await stockAt('NOPE-404')).toEqual({ onHand: '4', reserved: '0', committed: '0' });
    expect(await saleOrdersFor(refused.body.orderId)).toHaveLength(0);

    // The refused command once more, the very same record (a redelivery: the adapter's inbox does not
    // hold a dead-lettered command, so it runs again): the same OdooCommandFailed event id is published,
    // and the order service's inbox drops it instead of handling the failure a second time.
    const [command] = recorder.of(refused.body.orderId, CreateSaleOrder.type);
    const duplicatesBefore = await failuresSkippedAsDuplicates();
    await publisher.send({ topic: command.topic, key: command.key, value: command.raw, headers: command.headers });
    const failures = await waitFor(
      () => {
        const all = recorder.of(refused.body.orderId, OdooCommandFailed.type);
        return all.length >= 2 ? all : undefined;
      },
      { timeoutMs: 30_000, what: 'the redelivered command refused again' },
    );
    expect(failures[1].headers.ce_id).toBe(failures[0].headers.ce_id);
    await waitFor(async () => (await failuresSkippedAsDuplicates()) > duplicatesBefore, { timeoutMs: 30_000, what: "the order service's inbox to drop the repeated failure" });
    expect((await getOrder(refused.body.orderId)).statusHistory).toHaveLength(5);
  });

  it('the warehouse ships the order in two parcels: each gets its Odoo delivery (the rest on a backorder) and its share of the money; then invoiced and paid in Odoo, delivered and completed', async () => {
    const orderId = placed.orderId;
    const total = 2 * 3499 + 8999 - 1000 + 495;
    const shirtsBefore = await stockAt('APP-10001');
    // Parcel 1: both shirts.
    const first = await shipParcel(orderId, `SHIP-${orderId.slice(-8)}-1`, [['1', 'APP-10001', 2]]);
    await milestone(first.id, 'dispatched');
    const partly = await orderWhere(orderId, 'first parcel validated in Odoo and captured', (current) => current.shipments[0]?.odooDeliveryValidated && current.shipments[0]?.capture === 'captured');
    expect(partly).toMatchObject({ status: 'partially_shipped', paymentStatus: 'partially_captured', fulfilmentStatus: 'partially_shipped' });
    const firstShare = partly.shipments[0].capturedAmount.amountMinor;
    // Inventory took the parcel out of the order's committed stock and out of what is on hand.
    await waitFor(async () => {
      const now = await stockAt('APP-10001');
      return Number(now.committed) === Number(shirtsBefore.committed) - 2 && Number(now.onHand) === Number(shirtsBefore.onHand) - 2;
    }, { timeoutMs: 30_000, what: 'inventory to ship the two shirts' });
    expect(firstShare).toBe(Math.round((total * 6998) / 14997));
    const pickings = () =>
      odoo.searchRead<{ id: number; name: string; state: string; backorder_id: [number, string] | false }>('stock.picking', [['sale_id', '=', placed.odoo?.saleOrderId ?? partly.odoo.saleOrderId]], { fields: ['name', 'state', 'backorder_id'], order: 'id asc' });
    expect((await pickings()).map((picking) => picking.state)).toEqual(['done', expect.not.stringMatching(/^(done|cancel)$/)]);

    // A carrier's milestone delivered three times acts once; a forged one is refused and counted.
    const before = await carrierFailures();
    const repeatedId = `msg_${randomUUID()}`;
    const transit = carrierEvent('shipment.in_transit', { ...first, status: 'in_transit' });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await deliverCarrierWebhook(transit, { id: repeatedId })).body.outcome);
    expect(answers).toEqual(['applied', 'duplicate', 'duplicate']);
    expect((await deliverCarrierWebhook(transit, { secret: whsec() })).status).toBe(401);
    expect((await deliverCarrierWebhook(transit, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect((await carrierFailures()) - before).toBe(2);

    // Parcel 1 is delivered before parcel 2 leaves; a late "in transit" after it is stale.
    await milestone(first.id, 'delivered');
    await orderWhere(orderId, 'first parcel delivered', (current) => current.shipments[0]?.status === 'delivered');
    expect((await deliverCarrierWebhook(carrierEvent('shipment.in_transit', { ...first, status: 'in_transit' }, new Date(Date.now() + 60_000)))).body.outcome).toBe('stale');

    // Parcel 2: the trail runner, the rest of the money.
    const second = await shipParcel(orderId, `SHIP-${orderId.slice(-8)}-2`, [['2', 'FTW-10002', 1]]);
    await milestone(second.id, 'dispatched');
    const invoiced = await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    expect(invoiced).toMatchObject({ status: 'shipped', paymentStatus: 'captured', fulfilmentStatus: 'partially_delivered', payment: { captured: { amountMinor: total } } });
    expect(invoiced.shipments.map((shipment: any) => shipment.capturedAmount.amountMinor)).toEqual([firstShare, total - firstShare]);
    expect((await pickings()).map((picking) => picking.state)).toEqual(['done', 'done']);
    expect((await pickings())[1].backorder_id).toEqual([expect.any(Number), expect.any(String)]);
    const [invoice] = await odoo.searchRead<{ id: number; name: string; state: string; payment_state: string; amount_total: number; ref: string }>(
      'account.move',
      [['ref', '=', invoiced.odoo.invoice.invoiceId]],
      { fields: ['name', 'state', 'payment_state', 'amount_total', 'ref'] },
    );
    expect(invoice).toMatchObject({ state: 'posted', payment_state: expect.stringMatching(/^(paid|in_payment)$/), name: invoiced.odoo.invoice.name, amount_total: total / 100 });

    await milestone(second.id, 'in_transit');
    await milestone(second.id, 'out_for_delivery');
    await milestone(second.id, 'delivered');
    const completed = await orderReaches(orderId, 'completed');
    expect(completed).toMatchObject({ paymentStatus: 'captured', fulfilmentStatus: 'delivered' });
    expect(completed.statusHistory.map((entry: any) => entry.status)).toEqual(['accepted', 'stock_reserved', 'payment_authorised', 'confirmed_in_odoo', 'released_to_warehouse', 'partially_shipped', 'shipped', 'completed']);
    expect(completed.timeline.filter((entry: any) => entry.what !== 'waiting').map((entry: any) => [entry.step, entry.what]).slice(-9)).toEqual([
      ['awaitShipments', 'completed'],
      ['capturePayment', 'skipped'],
      ['invoiceOrder', 'started'],
      ['invoiceOrder', 'completed'],
      ['registerPaymentInOdoo', 'started'],
      ['registerPaymentInOdoo', 'completed'],
      ['awaitDelivery', 'started'],
      ['awaitDelivery', 'completed'],
      [null, 'finished'],
    ]);

    // The gateway: one authorisation, two captures adding up to it; each capture published once.
    expect(await intentsAt(orderId)).toEqual([expect.objectContaining({ status: 'succeeded', amount: total, amount_received: total })]);
    const captures = await recorder.waitFor(orderId, PaymentCaptured.type, 2);
    expect(captures.map((event) => [event.value.shipmentId, event.value.amount.amountMinor, event.value.finalCapture])).toEqual([
      [first.reference, firstShare, false],
      [second.reference, total - firstShare, true],
    ]);
    expect(await stagedCount(orderId, PaymentCaptured.type)).toBe(2);
    const shipments = await recorder.waitFor(orderId, 'com.omnibus.shipment.ShipmentDispatched', 2);
    expect(shipments.map((event) => [event.value.shipmentId, event.value.finalShipment])).toEqual([
      [first.reference, false],
      [second.reference, true],
    ]);

    // The business metrics saw it: the time in each step, the statuses reached by channel, and the order no longer open.
    const metric = async (name: string) => (await metricsRegistry.getSingleMetric(name)?.get())?.values ?? [];
    const stepTimes = (await metric('orders_saga_step_duration_seconds')).filter((value) => (value as { metricName?: string }).metricName === 'orders_saga_step_duration_seconds_count' && value.labels.outcome === 'completed');
    expect(stepTimes.map((value) => value.labels.step)).toEqual(expect.arrayContaining(['reserveStock', 'authorisePayment', 'createSaleOrder', 'awaitShipments', 'invoiceOrder', 'registerPaymentInOdoo', 'awaitDelivery']));
    expect((await metric('orders_status_reached_total')).find((value) => value.labels.status === 'completed' && value.labels.channel === 'web-us')?.value).toBeGreaterThanOrEqual(1);
    expect((await metric('orders_open')).filter((value) => value.labels.status === 'completed')).toEqual([]);

    // A milestone for an order this service does not know is kept for review, not dropped.
    const stranger = randomUUID();
    expect((await deliverCarrierWebhook(carrierEvent('shipment.delivered', { ...second, order_id: stranger, status: 'delivered' }))).body.outcome).toBe('unknown_order');
    expect(await order.app.get(DataSource).query(`SELECT event_type, outcome FROM carrier_webhook WHERE order_id = $1`, [stranger])).toEqual([{ event_type: 'shipment.delivered', outcome: 'unknown_order' }]);
    // A delivered order can no longer be cancelled.
    expect((await cancelOrder(orderId)).status).toBe(409);
  });

  it("a customer's cancellation after Odoo confirmed the order, before anything shipped, cancels the sale order, voids the authorisation and gives the stock back", async () => {
    const placedOrder = await placeOrder(webOrderRequest({ channelOrderRef: 'WEB-JOURNEY-CANCEL', lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
    const orderId = placedOrder.body.orderId;
    await orderReaches(orderId, 'released_to_warehouse');
    const committedBefore = (await stockAt('APP-10001')).committed;
    const cancelling = await cancelOrder(orderId, { reason: 'changed my mind' });
    expect(cancelling.status).toBe(202);
    expect(cancelling.body).toMatchObject({ status: 'cancelling' });
    const cancelled = await orderReaches(orderId, 'cancelled');
    expect(cancelled).toMatchObject({ paymentStatus: 'voided', fulfilmentStatus: 'stock_released', cancellation: { reason: 'CUSTOMER_CANCELLED', detail: expect.stringContaining('changed my mind') } });
    expect((await saleOrdersFor(orderId)).map((saleOrder) => saleOrder.state)).toEqual(['cancel']);
    expect(await intentsAt(orderId)).toEqual([expect.objectContaining({ status: 'canceled' })]);
    expect(Number((await stockAt('APP-10001')).committed)).toBe(Number(committedBefore) - 1);
    const [event] = await recorder.waitFor(orderId, OrderCancelled.type);
    expect(event.value).toMatchObject({ reason: 'CUSTOMER_REQUEST', cancelledBy: 'customer' });
    // Asking again is harmless.
    expect(await cancelOrder(orderId)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await cancelOrder(randomUUID())).status).toBe(404);
  });

  it('a parcel the carrier cannot deliver and returns to the sender puts the order in review, with the reason and the carrier exception on its timeline', async () => {
    const placedOrder = await placeOrder(webOrderRequest({ channelOrderRef: 'WEB-JOURNEY-RETURNED', lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
    const orderId = placedOrder.body.orderId;
    await orderReaches(orderId, 'released_to_warehouse');
    const parcel = await shipParcel(orderId, `SHIP-${orderId.slice(-8)}-R`, [['1', 'APP-10001', 1]]);
    await milestone(parcel.id, 'dispatched');
    await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    await milestone(parcel.id, 'exception', { exception: { code: 'ADDRESS_NOT_FOUND', message: 'no such flat' } });
    const waiting = await orderWhere(orderId, 'the exception recorded', (current) => current.shipments[0]?.status === 'exception');
    expect(waiting).toMatchObject({ status: 'shipped', review: null, shipments: [{ exception: 'ADDRESS_NOT_FOUND: no such flat' }] });
    await milestone(parcel.id, 'returned_to_sender');
    const reviewed = await orderReaches(orderId, 'flagged_for_review');
    expect(reviewed).toMatchObject({ fulfilmentStatus: 'returned_to_sender', paymentStatus: 'captured', review: { step: 'awaitDelivery', reason: 'RETURNED_TO_SENDER', allowedActions: ['retry', 'cancel', 'accept'] } });
    expect(reviewed.review.detail).toContain('ADDRESS_NOT_FOUND');
    expect(reviewed.timeline.filter((entry: any) => entry.cause.type === 'com.omnibus.shipment.ShipmentTrackingUpdated').map((entry: any) => entry.what)).toEqual(['waiting', 'failed', 'review-opened']);
  });

  it('a customer cancelling after the first parcel keeps what left, invoiced and captured, and undoes the rest in Odoo, at the gateway and in inventory', async () => {
    const placedOrder = await placeOrder(webOrderRequest({ channelOrderRef: 'WEB-JOURNEY-REST' }));
    const orderId = placedOrder.body.orderId;
    await orderReaches(orderId, 'released_to_warehouse');
    const runnersBefore = await stockAt('FTW-10002');
    const parcel = await shipParcel(orderId, `SHIP-${orderId.slice(-8)}-A`, [['1', 'APP-10001', 2]]);
    await milestone(parcel.id, 'dispatched');
    const partly = await orderWhere(orderId, 'the first parcel validated and captured', (current) => current.shipments[0]?.odooDeliveryValidated && current.shipments[0]?.capture === 'captured');
    expect(partly.shipments[0].capturedAmount.amountMinor).toBeLessThan(2 * 3499 + 495);
    // What the customer keeps: the shirts and the shipping, as Odoo invoices them.
    const kept = 2 * 3499 + 495;

    const cancelling = await cancelOrder(orderId, { reason: 'the shoes can wait' });
    expect(cancelling.status).toBe(202);
    expect(cancelling.body.cancelledLines).toEqual([{ lineId: '2', sku: 'FTW-10002', quantity: '1' }]);
    const invoiced = await orderWhere(orderId, 'invoiced and paid in Odoo', (current) => current.odoo?.paymentRegistered === true);
    expect(invoiced).toMatchObject({ status: 'shipped', paymentStatus: 'captured', payment: { amount: { amountMinor: kept }, captured: { amountMinor: kept } } });
    // Odoo: the backorder cancelled, the runner's line cut to what was delivered (0), the invoice for what left.
    const pickings = await odoo.searchRead<{ id: number; state: string }>('stock.picking', [['sale_id', '=', invoiced.odoo.saleOrderId]], { fields: ['state'], order: 'id asc' });
    expect(pickings.map((picking) => picking.state)).toEqual(['done', 'cancel']);
    const [invoice] = await odoo.searchRead<{ id: number; amount_total: number; payment_state: string }>('account.move', [['ref', '=', invoiced.odoo.invoice.invoiceId]], { fields: ['amount_total', 'payment_state'] });
    expect(invoice).toMatchObject({ amount_total: kept / 100, payment_state: expect.stringMatching(/^(paid|in_payment)$/) });
    // The gateway: the first parcel's share, then the final capture of what was still owed, which released the rest.
    expect(await intentsAt(orderId)).toEqual([expect.objectContaining({ status: 'succeeded', amount_received: kept })]);
    expect(Number((await stockAt('FTW-10002')).committed)).toBe(Number(runnersBefore.committed) - 1);
    await milestone(parcel.id, 'delivered');
    expect(await orderReaches(orderId, 'completed')).toMatchObject({ fulfilmentStatus: 'delivered', cancelledLines: [{ sku: 'FTW-10002' }] });
  });

  it("a token bound to its sales channel acts only on that channel's orders: 403 for another channel's", async () => {
    const bound = await issueToken({ sub: 'channel:web-us-shop', scopes: ['orders:write', 'orders:read'], channel: 'web-us' });
    const other = await issueToken({ sub: 'channel:marketplace-eu', scopes: ['orders:write', 'orders:read'], channel: 'marketplace-eu' });
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const foreign = await order.request('/orders', { method: 'POST', headers: { ...as(bound), 'idempotency-key': randomUUID() }, body: JSON.stringify(webOrderRequest({ channel: { channelId: 'marketplace-eu', kind: 'MARKETPLACE' } })) });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as any).message).toContain('bound to channel web-us');
    expect((await order.request(`/orders/${placed.orderId}`, { headers: as(bound) })).status).toBe(200);
    expect((await order.request(`/orders/${placed.orderId}`, { headers: as(other) })).status).toBe(403);
    expect((await order.request(`/orders/${placed.orderId}/cancel`, { method: 'POST', headers: as(other), body: '{}' })).status).toBe(403);
    expect((await getOrder(placed.orderId)).status).toBe('completed');
  });

  it('a channel that ships what is there gets the available quantity, re-priced for the payment and in Odoo; the rest is cancelled', async () => {
    const available = Number((await stockAt('FTW-10002')).onHand) - Number((await stockAt('FTW-10002')).reserved) - Number((await stockAt('FTW-10002')).committed);
    expect(available).toBeGreaterThan(0);
    const social = await placeOrder(
      webOrderRequest({
        channelOrderRef: 'SOC-JOURNEY-SHORT',
        channel: { channelId: 'web-us', kind: 'SOCIAL' },
        lines: [
          { sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } },
          { sku: 'FTW-10002', name: 'Trail runner, 42', quantity: String(available + 3), unitPrice: { amountMinor: 8999, currency: 'USD' } },
        ],
      }),
    );
    const released = await orderReaches(social.body.orderId, 'released_to_warehouse');
    expect(released.cancelledLines).toEqual([{ lineId: '2', sku: 'FTW-10002', quantity: '3' }]);
    const total = 3499 + available * 8999 + 495;
    expect(released.payment.amount).toEqual({ amountMinor: total, currency: 'USD' });
    expect(await intentsAt(social.body.orderId)).toEqual([expect.objectContaining({ status: 'requires_capture', amount: total })]);
    const [saleOrder] = await saleOrdersFor(social.body.orderId);
    expect(saleOrder.amount_total).toBe(total / 100);
    const lines = await odoo.searchRead<{ id: number; product_uom_qty: number; price_unit: number }>('sale.order.line', [['order_id', '=', saleOrder.id]], { fields: ['product_uom_qty', 'price_unit'], order: 'id asc' });
    expect(lines.map((line) => line.product_uom_qty)).toEqual([1, available, 1]);
  });
});

describe('payment through the gateway connector and its webhooks', () => {
  /** A Standard Webhooks delivery signed with `secret`, as a gateway sends it. */
  const deliverWebhook = (event: unknown, { id = `msg_${randomUUID()}`, secret = WEBHOOK_SECRET, timestamp = Math.floor(Date.now() / 1000), gatewayName = 'retail-sim' } = {}) => {
    const body = JSON.stringify(event);
    const signature = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64');
    return order
      .request(`/webhooks/payments/${gatewayName}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
        body,
      })
      .then(async (response) => ({ status: response.status, body: (await response.json()) as any }));
  };
  const intentEvent = (type: string, intent: Record<string, unknown>) => ({ id: `evt_${randomUUID()}`, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object: intent } });
  const verificationFailures = async () =>
    ((await metricsRegistry.getSingleMetric('orders_payment_webhook_verification_failures_total')?.get())?.values ?? []).reduce((sum, { value }) => sum + value, 0);
  const webhooksOf = (orderId: string) => order.app.get(DataSource).query(`SELECT event_type, outcome FROM payment_webhook WHERE order_id = $1 ORDER BY received_at`, [orderId]);

  it('a declined payment cancels the order with PAYMENT_DECLINED and releases the reservation; nothing reaches Odoo', async () => {
    const declined = await placeOrder(webOrderRequest({ channelOrderRef: 'WEB-PAY-DECLINED', paymentReference: 'pm_card_insufficient_funds', lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
    const cancelled = await orderReaches(declined.body.orderId, 'cancelled');
    expect(cancelled).toMatchObject({ paymentStatus: 'declined', fulfilmentStatus: 'stock_released', cancellation: { step: 'authorisePayment', reason: 'PAYMENT_DECLINED', detail: expect.stringContaining('insufficient_funds') } });
    const [event] = await recorder.waitFor(declined.body.orderId, OrderCancelled.type);
    expect(event.value).toMatchObject({ reason: 'PAYMENT_DECLINED', cancelledBy: 'saga' });
    expect(await stagedCount(declined.body.orderId, PaymentDeclined.type)).toBe(1);
    await recorder.waitFor(declined.body.orderId, ReservationReleased.type);
    expect(recorder.of(declined.body.orderId, CreateSaleOrder.type)).toEqual([]);
    expect(await intentsAt(declined.body.orderId)).toEqual([]);
    // retail-sim's decline webhook came too, and changed nothing more.
    await waitFor(async () => (await webhooksOf(declined.body.orderId)).length === 1, { what: 'the decline webhook' });
    expect(await webhooksOf(declined.body.orderId)).toEqual([{ event_type: 'payment_intent.payment_failed', outcome: expect.stringMatching(/^(applied|already_known)$/) }]);
  });

  it('an authorisation whose answer is lost is found at the gateway (or by its webhook): the order goes on, authorised once', async () => {
    const lost = await placeOrder(webOrderRequest({ channelOrderRef: 'WEB-PAY-LOST', paymentReference: 'pm_card_answer_lost', lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }));
    const released = await orderReaches(lost.body.orderId, 'released_to_warehouse');
    expect(released.paymentStatus).toBe('authorised');
    expect(await intentsAt(lost.body.orderId)).toEqual([expect.objectContaining({ status: 'requires_capture', amount: 3499 + 495 })]);
    expect(await stagedCount(lost.body.orderId, PaymentAuthorized.type)).toBe(1);
  });

  it('a call-centre order pays by link: the customer gets the link, a declined card keeps it open, paying it authorises and the order goes on to the warehouse', async () => {
    const placed = await placeOrder(
      webOrderRequest({ channelOrderRef: 'CC-PAY-BY-LINK', channel: { channelId: 'web-us', kind: 'CALL_CENTRE' }, paymentReference: undefined, lines: [{ sku: 'APP-10001', name: 'Linen shirt', quantity: '1', unitPrice: { amountMinor: 3499, currency: 'USD' } }] }),
    );
    expect(placed.status).toBe(201);
    const orderId = placed.body.orderId as string;
    const [authorise] = await recorder.waitFor(orderId, AuthorisePayment.type);
    expect(authorise.value).toMatchObject({ payByLink: true, paymentToken: null, linkExpiresAt: expect.any(Date) });
    const [sent] = await recorder.waitFor(orderId, PaymentLinkSent.type);
    expect(sent.value).toMatchObject({ paymentId: authorise.value.commandId, gateway: 'retail-sim', url: expect.stringContaining('/pay/cs_') });
    const waiting = await orderWhere(orderId, 'its payment link shown', (current) => current.payment.link !== null);
    expect(waiting).toMatchObject({ status: 'stock_reserved', paymentStatus: 'pending', payment: { policy: 'pay_by_link', link: { url: sent.value.url, expiresAt: sent.value.expiresAt.toISOString() } } });
    const sessionId = new URL(sent.value.url).pathname.split('/').pop()!;
    const session = (await (await fetch(`${gateway.url}/v1/checkout/sessions/${sessionId}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } })).json()) as any;
    expect(session).toMatchObject({ status: 'open', amount_total: 3499 + 495, metadata: { order_id: orderId, payment_id: authorise.value.commandId } });

    // The customer's card is declined: the order keeps waiting on the same link with the decline shown.
    const pay = (paymentMethod: string) => fetch(sent.value.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payment_method: paymentMethod }) });
    expect((await pay('pm_card_declined')).status).toBe(402);
    const declined = await orderWhere(orderId, 'the declined try recorded', (current) => current.payment.lastDecline !== null);
    expect(declined).toMatchObject({ status: 'stock_reserved', cancellation: null, payment: { lastDecline: { declineCode: expect.any(String) } } });

    // Another card on the same link: authorised (the webhook of the intent the payment made), then Odoo and the warehouse as any web order.
    expect((await pay('pm_card_visa')).status).toBe(200);
    const released = await orderReaches(orderId, 'released_to_warehouse');
    expect(released).toMatchObject({ paymentStatus: 'authorised', cancellation: null });
    expect(released.statusHistory.map((entry: any) => entry.status)).toEqual(['accepted', 'stock_reserved', 'payment_authorised', 'confirmed_in_odoo', 'released_to_warehouse']);
    const [authorised] = await recorder.waitFor(orderId, PaymentAuthorized.type);
    expect(await intentsAt(orderId)).toEqual([expect.objectContaining({ id: authorised.value.gatewayReference, status: 'requires_capture', amount: 3499 + 495, metadata: { order_id: orderId, payment_id: authorise.value.commandId } })]);
    expect(await saleOrdersFor(orderId)).toHaveLength(1);
  });

  it('a replayed AuthorisePayment (a new event id, past the inbox) authorises nothing twice: the gateway replays its answer under the same key', async () => {
    const [command] = recorder.of(happyOrderId(), AuthorisePayment.type);
    const intentsBefore = (await intentsAt(happyOrderId())).length;
    const replayId = uuidv7();
    await publisher.send({ topic: command.topic, key: command.key, value: command.raw, headers: { ...command.headers, ce_id: replayId } });
    const db = order.app.get(DataSource);
    await waitFor(async () => (await db.query(`SELECT 1 FROM messaging_inbox WHERE event_id = $1`, [replayId])).length === 1, { what: 'the replayed command handled by the connector' });
    expect(await intentsAt(happyOrderId())).toHaveLength(intentsBefore);
    expect(await stagedCount(happyOrderId(), PaymentAuthorized.type)).toBe(1);
    expect((await getOrder(happyOrderId())).paymentStatus).toBe('captured');
  });

  it('a webhook delivered three times acts once; a status behind the current one is stale and changes nothing', async () => {
    const [authorised] = recorder.of(happyOrderId(), PaymentAuthorized.type);
    const [intent] = await intentsAt(happyOrderId());
    const event = intentEvent('payment_intent.succeeded', intent);
    const id = `msg_${randomUUID()}`;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await deliverWebhook(event, { id }));
    expect(answers).toEqual([{ status: 200, body: { outcome: 'already_known' } }, { status: 200, body: { outcome: 'duplicate' } }, { status: 200, body: { outcome: 'duplicate' } }]);

    // An "authorised" for the order whose authorisation was voided: the void stands.
    const refused = (await order.app.get(DataSource).query(`SELECT order_id FROM payment WHERE status = 'voided' LIMIT 1`))[0].order_id as string;
    const [voidedIntent] = await intentsAt(refused);
    expect(await deliverWebhook(intentEvent('payment_intent.amount_capturable_updated', { ...voidedIntent, status: 'requires_capture' }))).toEqual({ status: 200, body: { outcome: 'stale' } });
    expect(await deliverWebhook(intentEvent('payment_intent.succeeded', intent), { secret: PREVIOUS_SECRET })).toEqual({ status: 200, body: { outcome: 'already_known' } });
    // An "authorised" after the capture is stale too.
    expect(await deliverWebhook(intentEvent('payment_intent.amount_capturable_updated', { ...intent, status: 'requires_capture' }))).toEqual({ status: 200, body: { outcome: 'stale' } });
    expect((await getOrder(refused)).paymentStatus).toBe('voided');
    // Nothing more staged to publish: one PaymentAuthorized each, whatever the webhooks said.
    expect(await stagedCount(happyOrderId(), PaymentAuthorized.type)).toBe(1);
    expect(await stagedCount(happyOrderId(), PaymentCaptured.type)).toBe(2);
    expect(await stagedCount(refused, PaymentAuthorized.type)).toBe(1);
    expect(authorised.value.orderId).toBe(happyOrderId());
  });

  it('an authorisation that lands after its order was cancelled is voided at once, not left holding the money', async () => {
    const cancelledId = (await order.app.get(DataSource).query(`SELECT id FROM orders WHERE channel_order_ref = 'WEB-JOURNEY-3'`))[0].id as string;
    expect((await getOrder(cancelledId)).status).toBe('cancelled');
    // The gateway authorised it late (the saga had given up on it): its webhook arrives now (retail-sim
    // sends its own at once too; whichever comes first records it).
    const created = await fetch(`${gateway.url}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ amount: 4495, currency: 'usd', capture_method: 'manual', metadata: { order_id: cancelledId, payment_id: randomUUID() } }),
    });
    const intent = (await created.json()) as any;
    expect(intent.status).toBe('requires_capture');
    expect(await deliverWebhook(intentEvent('payment_intent.amount_capturable_updated', intent))).toEqual({ status: 200, body: { outcome: expect.stringMatching(/^(applied|already_known)$/) } });
    await waitFor(async () => (await intentsAt(cancelledId)).every((candidate: any) => candidate.status === 'canceled'), { timeoutMs: 30_000, what: 'the late authorisation voided' });
    expect((await getOrder(cancelledId)).status).toBe('cancelled');
    expect(await stagedCount(cancelledId, VoidPayment.type)).toBe(1);
  });

  it('a forged, stale or retired-secret webhook is refused with 401 and counted; one for an unknown order is kept for review', async () => {
    const [intent] = await intentsAt(happyOrderId());
    const event = intentEvent('payment_intent.canceled', { ...intent, status: 'canceled' });
    const before = await verificationFailures();
    expect((await deliverWebhook(event, { secret: whsec() })).status).toBe(401);
    expect((await deliverWebhook(event, { secret: RETIRED_SECRET })).status).toBe(401);
    expect((await deliverWebhook(event, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect((await deliverWebhook(event, { gatewayName: 'unknown-gateway' })).status).toBe(401);
    const unsigned = await order.request('/webhooks/payments/retail-sim', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(unsigned.status).toBe(401);
    expect((await verificationFailures()) - before).toBe(5);
    expect((await getOrder(happyOrderId())).paymentStatus).toBe('captured');

    const stranger = randomUUID();
    const unknown = await deliverWebhook(intentEvent('payment_intent.amount_capturable_updated', { ...intent, metadata: { order_id: stranger, payment_id: randomUUID() } }));
    expect(unknown).toEqual({ status: 200, body: { outcome: 'unknown_order' } });
    expect(await webhooksOf(stranger)).toEqual([{ event_type: 'payment_intent.amount_capturable_updated', outcome: 'unknown_order' }]);
    // Operators find what no order claimed in the review queue: this one and the carrier's from the shipping test.
    const operator = await issueToken({ sub: 'operator:alice', scopes: ['review:read'] });
    const listed = (await (await order.request('/review/webhooks?limit=200', { headers: { authorization: `Bearer ${operator}` } })).json()) as any;
    expect(listed.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'payment', sender: 'retail-sim', orderId: stranger, eventType: 'payment_intent.amount_capturable_updated' }),
        expect.objectContaining({ source: 'carrier', sender: 'retail-sim', eventType: 'shipment.delivered' }),
      ]),
    );
    expect((await order.request('/review/webhooks', { headers: { authorization: `Bearer ${channel}` } })).status).toBe(403);
  });
});

/** A carrier's Standard Webhooks delivery, signed with `secret`. */
function deliverCarrierWebhook(event: unknown, { id = `msg_${randomUUID()}`, secret = CARRIER_SECRET, timestamp = Math.floor(Date.now() / 1000) } = {}) {
  const body = JSON.stringify(event);
  const signature = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64');
  return order
    .request('/webhooks/carriers/retail-sim', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
      body,
    })
    .then(async (response) => ({ status: response.status, body: (await response.json()) as any }));
}
function carrierEvent(type: string, shipment: Record<string, unknown>, occurredAt = new Date()) {
  return { id: `evt_${randomUUID()}`, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object: shipment, occurred_at: occurredAt.toISOString() } };
}
async function carrierFailures(): Promise<number> {
  return ((await metricsRegistry.getSingleMetric('orders_carrier_webhook_verification_failures_total')?.get())?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}

/** The order of the first journey test (the happy path), found by its channel reference. */
function happyOrderId(): string {
  const found = recorder.events.find((event) => event.type === 'com.omnibus.order.OrderPlaced' && event.value.channelOrderRef === 'WEB-JOURNEY-1');
  if (!found) throw new Error('the happy-path order was not placed');
  return found.value.orderId;
}
