// The order saga survives its process: the order service runs as a child process on its own database
// and is killed (SIGKILL, no shutdown) mid-saga; a new process on the same database resumes from the
// persisted state, and a step's timeout that fell due while nothing ran fires after the restart. The
// participants' replies are published by the test (inventory and the adapter have their own tests,
// and test/order-journey.int.spec.ts runs them for real).
import { CommitReservation, CreateSaleOrder, OdooCommandSucceeded, OrderCancelled, ReleaseReservation, ReservationCommitted, ReservationReleased, ReserveStock, StockReserved } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startSchemaRegistry } from '@omnibus/messaging/testing';
import { issueToken } from '@omnibus/service-kit';
import { ServiceProcess, spawnService, testServiceEnv } from '@omnibus/service-kit/testing';
import { createTestDatabase, TestDatabase, uniqueName, waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { webOrderRequest } from './orders';

jest.setTimeout(120_000);

const MAIN = path.join(__dirname, '..', 'src', 'main.ts');
const CATALOGUE_TOPICS = ['retail.orders', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'payments.commands', 'retail.payments'] as const;
const consumer = uniqueName('order-recovery');
let registry: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let channel: string;
const running: ServiceProcess[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  [registry, { topics }] = await Promise.all([startSchemaRegistry('order_recovery'), createUniqueTopics(CATALOGUE_TOPICS, [consumer])]);
  [recorder, publisher] = await Promise.all([EventRecorder.start([topics['inventory.commands'], topics['odoo.commands'], topics['retail.orders']], registry.url), EventPublisher.start(registry.url)]);
  channel = await issueToken({ sub: 'channel:web-us', scopes: ['orders:write', 'orders:read'] });
}, 90_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map((child) => child.exited));
  await Promise.all([recorder?.stop(), publisher?.stop()]);
  await Promise.all(databases.map((database) => database.drop()));
  await registry?.stop();
}, 60_000);

/** Starts the order service's main.ts and waits until it is ready; returns its URL. */
async function startOrder(database: TestDatabase, env: Record<string, string> = {}): Promise<{ url: string; process: ServiceProcess }> {
  const child = spawnService(
    MAIN,
    testServiceEnv(database.url, {
      LOG_LEVEL: 'info',
      SCHEMA_REGISTRY_URL: registry.url,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      ORDER_CONSUMER_SERVICE: consumer,
      // The killed process never leaves the group: Kafka hands its partitions on after this long.
      ORDER_CONSUMER_SESSION_TIMEOUT_MS: '6000',
      ORDER_SAGA_SWEEP_INTERVAL_MS: '100',
      // No gateway here: these orders skip the payment step (order-journey.int.spec.ts authorises for real).
      ORDER_PAYMENT_POLICIES: 'WEB=prepaid',
      ...env,
    }),
  );
  running.push(child);
  const url = await waitFor(
    async () => {
      if (child.pid === undefined) throw new Error('the order service did not start');
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.stdout())?.[1];
      return listening && (await fetch(`${listening}/health/ready`).then((response) => response.ok, () => false)) ? listening : undefined;
    },
    { timeoutMs: 60_000, what: 'the order service to be ready' },
  );
  return { url, process: child };
}

/** Types of what the service staged for an order, oldest first: the truth of what it sent. */
async function staged(database: TestDatabase, orderId: string): Promise<string[]> {
  const client = new Client(database.config);
  await client.connect();
  try {
    return (await client.query(`SELECT headers->>'ce_type' AS type FROM outbox WHERE key = $1 ORDER BY id`, [orderId])).rows.map((row) => row.type);
  } finally {
    await client.end();
  }
}

async function kill(child: ServiceProcess): Promise<void> {
  child.kill('SIGKILL');
  const exit = await child.exited;
  expect(exit.signal).toBe('SIGKILL');
}

const placeOrder = async (url: string) => {
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify(webOrderRequest()),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as any;
};
const getOrder = async (url: string, orderId: string) => (await (await fetch(`${url}/orders/${orderId}`, { headers: { authorization: `Bearer ${channel}` } })).json()) as any;
const orderBecomes = (url: string, orderId: string, status: string) =>
  waitFor(async () => {
    const order = await getOrder(url, orderId);
    return order.status === status ? order : undefined;
  }, { timeoutMs: 60_000, what: `order ${orderId} to be ${status}` });
/** The adapter's answer: Odoo created and confirmed sale order S00<id>. */
const odooConfirms = (commandId: string, orderId: string, odooRecordId: number) =>
  publisher.publish(
    OdooCommandSucceeded,
    { commandId, commandType: CreateSaleOrder.type, aggregateId: orderId, companyId: 'omnibus-retail', odooModel: 'sale.order', odooRecordId, odooRecordName: `S00${odooRecordId}`, alreadyApplied: false, attempts: 1, occurredAt: new Date() },
    topics['odoo.results'],
  );
const reservedLines = [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 2000 }, location: { locationId: 'wh-central', locationType: 'WAREHOUSE' as const, name: null } }];

it('a killed order service resumes the saga from its persisted state: the reply that arrived while it was down moves the order on', async () => {
  const database = await createTestDatabase('order_recovery');
  databases.push(database);
  const first = await startOrder(database);
  const order = await placeOrder(first.url);
  const [reserve] = await recorder.waitFor(order.orderId, ReserveStock.type);
  await kill(first.process);

  const reservation = await publisher.publish(
    StockReserved,
    { reservationId: uuidv7(), orderId: order.orderId, lines: reservedLines, expiresAt: new Date(Date.now() + 900_000), occurredAt: new Date() },
    topics['retail.reservations'],
    { causedBy: { id: reserve.headers.ce_id, correlationId: order.orderId } },
  );
  const second = await startOrder(database);
  const [command] = await recorder.waitFor(order.orderId, CreateSaleOrder.type, 1, 60_000);
  expect(command.headers['causation-id']).toBe(reservation.headers.ce_id);
  expect(command.value.fulfilmentLocations).toMatchObject([{ location: { locationId: 'wh-central' } }]);

  // Killed again while Odoo works on it; the result is taken in by the next process.
  await kill(second.process);
  await odooConfirms(command.value.commandId, order.orderId, 501);
  const third = await startOrder(database);
  const confirmed = await orderBecomes(third.url, order.orderId, 'confirmed_in_odoo');
  expect(confirmed.odoo).toEqual({ saleOrderId: 501, saleOrderName: 'S00501', invoice: null, paymentRegistered: false });
  expect(confirmed.timeline.map((entry: any) => `${entry.step}:${entry.what}`)).toEqual([
    'reserveStock:started',
    'reserveStock:completed',
    'authorisePayment:skipped',
    'createSaleOrder:started',
    'createSaleOrder:completed',
    'releaseToWarehouse:started',
  ]);
  // Each command once: nothing re-sent by a restart.
  expect(await staged(database, order.orderId)).toEqual(['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type, CreateSaleOrder.type, CommitReservation.type]);
  await kill(third.process);
});

it('a step timeout that fell due while the service was down fires after the restart: ReserveStock resent with its id, then the order cancelled and the stock released', async () => {
  const database = await createTestDatabase('order_timeouts');
  databases.push(database);
  const short = { ORDER_RESERVATION_TIMEOUT_MS: '1500' };
  const first = await startOrder(database, short);
  const order = await placeOrder(first.url);
  const [reserve] = await recorder.waitFor(order.orderId, ReserveStock.type);
  await kill(first.process);

  // Down past the deadline: nothing can fire it now.
  const db = new Client(database.config);
  await db.connect();
  try {
    const [{ next_deadline: deadline }] = (await db.query(`SELECT next_deadline FROM saga_instance WHERE id = $1`, [order.orderId])).rows;
    await waitFor(() => Date.now() > deadline.getTime() + 200, { timeoutMs: 10_000, what: 'the reservation deadline to pass' });
  } finally {
    await db.end();
  }
  expect(await staged(database, order.orderId)).toEqual(['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type]);

  const second = await startOrder(database, short);
  const [, resent] = await recorder.waitFor(order.orderId, ReserveStock.type, 2, 30_000);
  expect(resent.value.commandId).toBe(reserve.value.commandId);
  // Still no answer: the second timeout gives up and releases whatever may be held.
  const [release] = await recorder.waitFor(order.orderId, ReleaseReservation.type, 1, 30_000);
  expect(release.value).toMatchObject({ orderId: order.orderId, reason: 'ORDER_CANCELLED' });
  expect(await getOrder(second.url, order.orderId)).toMatchObject({ status: 'cancelling', cancellation: { step: 'reserveStock', reason: 'STEP_TIMED_OUT' } });

  await publisher.publish(
    ReservationReleased,
    { reservationId: uuidv7(), orderId: order.orderId, reason: 'ORDER_CANCELLED', lines: [], fullyReleased: true, occurredAt: new Date() },
    topics['retail.reservations'],
  );
  const cancelled = await orderBecomes(second.url, order.orderId, 'cancelled');
  expect(cancelled).toMatchObject({ paymentStatus: 'prepaid', fulfilmentStatus: 'stock_released', cancellation: { reason: 'STEP_TIMED_OUT' } });
  expect(cancelled.timeline.filter((entry: any) => entry.cause.type === 'timeout').map((entry: any) => `${entry.step}:${entry.what}`)).toEqual([
    'reserveStock:timed-out',
    'reserveStock:resent',
    'reserveStock:timed-out',
    'reserveStock:failed',
    'reserveStock:compensating',
  ]);
  const [event] = await recorder.waitFor(order.orderId, OrderCancelled.type);
  expect(event.value).toMatchObject({ reason: 'OTHER', note: expect.stringContaining('STEP_TIMED_OUT') });
  expect(await staged(database, order.orderId)).toEqual([
    'com.omnibus.order.OrderPlaced',
    'com.omnibus.order.OrderAccepted',
    ReserveStock.type,
    ReserveStock.type,
    ReleaseReservation.type,
    OrderCancelled.type,
  ]);
  await kill(second.process);
});

it('killed while the order waits for the warehouse: the shipment deadline that passed while it was down fires after the restart, and the order goes to review (after the pivot nothing is undone)', async () => {
  const database = await createTestDatabase('order_late_timeouts');
  databases.push(database);
  const short = { ORDER_SHIPMENT_TIMEOUT_MS: '1500' };
  const first = await startOrder(database, short);
  const order = await placeOrder(first.url);
  const [reserve] = await recorder.waitFor(order.orderId, ReserveStock.type);
  await publisher.publish(
    StockReserved,
    { reservationId: uuidv7(), orderId: order.orderId, lines: reservedLines, expiresAt: new Date(Date.now() + 900_000), occurredAt: new Date() },
    topics['retail.reservations'],
    { causedBy: { id: reserve.headers.ce_id, correlationId: order.orderId } },
  );
  const [command] = await recorder.waitFor(order.orderId, CreateSaleOrder.type, 1, 30_000);
  await odooConfirms(command.value.commandId, order.orderId, 502);
  await recorder.waitFor(order.orderId, CommitReservation.type, 1, 30_000);
  await publisher.publish(ReservationCommitted, { reservationId: uuidv7(), orderId: order.orderId, lines: reservedLines, occurredAt: new Date() }, topics['retail.reservations']);
  await orderBecomes(first.url, order.orderId, 'released_to_warehouse');
  await kill(first.process);

  // Down past the shipment deadline: nothing can fire it now.
  const db = new Client(database.config);
  await db.connect();
  try {
    const [{ next_deadline: deadline, current_step: step }] = (await db.query(`SELECT next_deadline, current_step FROM saga_instance WHERE id = $1`, [order.orderId])).rows;
    expect(step).toBe('awaitShipments');
    await waitFor(() => Date.now() > deadline.getTime() + 200, { timeoutMs: 10_000, what: 'the shipment deadline to pass' });
  } finally {
    await db.end();
  }

  const second = await startOrder(database, short);
  const reviewed = await orderBecomes(second.url, order.orderId, 'flagged_for_review');
  expect(reviewed).toMatchObject({ fulfilmentStatus: 'released_to_warehouse', review: { step: 'awaitShipments', reason: 'STEP_TIMED_OUT', allowedActions: ['retry', 'cancel', 'accept'] } });
  expect(reviewed.timeline.filter((entry: any) => entry.cause.type === 'timeout').map((entry: any) => `${entry.step}:${entry.what}`)).toEqual(['awaitShipments:timed-out', 'awaitShipments:failed', 'awaitShipments:review-opened']);
  // Nothing undone: no release, no Odoo cancellation.
  expect(await staged(database, order.orderId)).toEqual([
    'com.omnibus.order.OrderPlaced',
    'com.omnibus.order.OrderAccepted',
    ReserveStock.type,
    CreateSaleOrder.type,
    CommitReservation.type,
    'com.omnibus.order.OrderFlaggedForReview',
  ]);
  await kill(second.process);
});
