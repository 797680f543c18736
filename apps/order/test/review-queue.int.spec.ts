// The manual-review queue through the real Kafka and PostgreSQL: the order service runs in this
// process on its own database with short compensation timeouts; the participants' replies (inventory,
// the odoo-adapter) are published by the test, as in src/service.int.spec.ts.
import {
  CancelSaleOrder,
  CommitReservation,
  CreateSaleOrder,
  OdooCommandFailed,
  OdooCommandSucceeded,
  OrderCancelled,
  OrderFlaggedForReview,
  ReleaseReservation,
  ReservationRejected,
  ReservationReleased,
  ReserveStock,
  StockReserved,
} from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startSchemaRegistry } from '@omnibus/messaging/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { runOmnibus, uniqueName, waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { OrderConfig } from '../src/config';
import { orderService } from '../src/service';
import { webOrderRequest } from './orders';

jest.setTimeout(120_000);

const CATALOGUE_TOPICS = ['retail.orders', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'payments.commands', 'retail.payments'] as const;
const COMPENSATION_TIMEOUT_MS = 1500;
const REVIEW_SLA_MS = 4000;
let registry: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let service: TestService<OrderConfig>;
let db: DataSource;
let channel: string;
let operator: string;
let reader: string;

beforeAll(async () => {
  const consumer = uniqueName('order-review');
  [registry, { topics }] = await Promise.all([startSchemaRegistry('order_review'), createUniqueTopics(CATALOGUE_TOPICS, [consumer])]);
  [recorder, publisher] = await Promise.all([EventRecorder.start([topics['inventory.commands'], topics['odoo.commands'], topics['retail.orders']], registry.url), EventPublisher.start(registry.url)]);
  service = (await startTestService(orderService, {
    SCHEMA_REGISTRY_URL: registry.url,
    TOPIC_OVERRIDES: JSON.stringify(topics),
    ORDER_CONSUMER_SERVICE: consumer,
    // The review queue is about what follows stock and Odoo: web orders arrive paid, no gateway needed.
    ORDER_PAYMENT_POLICIES: 'WEB=prepaid',
    ORDER_COMPENSATION_TIMEOUT_MS: String(COMPENSATION_TIMEOUT_MS),
    ORDER_REVIEW_SLA_MS: String(REVIEW_SLA_MS),
    ORDER_SAGA_SWEEP_INTERVAL_MS: '100',
  })) as TestService<OrderConfig>;
  db = service.app.get(DataSource);
  [channel, operator, reader] = await Promise.all([
    issueToken({ sub: 'channel:web-us', scopes: ['orders:write', 'orders:read'] }),
    issueToken({ sub: 'operator:alice', scopes: ['review:read', 'review:write', 'orders:read'] }),
    issueToken({ sub: 'operator:bob', scopes: ['review:read'] }),
  ]);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await Promise.all([recorder?.stop(), publisher?.stop()]);
  await registry?.stop();
}, 60_000);

const json = (response: Response): Promise<any> => response.json();
const get = (path: string, token = operator) => service.request(path, { headers: { authorization: `Bearer ${token}` } });
const resolve = (id: string, body: unknown, { token = operator, key }: { token?: string; key?: string } = {}) =>
  service.request(`/review/${id}/resolve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
const getOrder = async (orderId: string) => json(await get(`/orders/${orderId}`));
const orderBecomes = (orderId: string, status: string) =>
  waitFor(async () => {
    const order = await getOrder(orderId);
    return order.status === status ? order : undefined;
  }, { timeoutMs: 30_000, what: `order ${orderId} ${status}` });
/** The open review item of an order, once the saga has opened it. */
const reviewOf = (orderId: string, reason: string) =>
  waitFor(async () => (await json(await get(`/review?state=open&reason=${reason}&limit=200`))).items.find((item: any) => item.orderId === orderId), {
    timeoutMs: 30_000,
    what: `a ${reason} review item for order ${orderId}`,
  });
/** How many events of a type the service staged for an order: the truth of what it sent. */
const stagedCount = async (orderId: string, type: string) =>
  Number((await db.query(`SELECT count(*) FROM outbox WHERE key = $1 AND headers->>'ce_type' = $2`, [orderId, type]))[0].count);
const auditRows = async (reviewItemId: string) =>
  db.query(`SELECT operator, action, outcome, summary, parameters FROM operator_audit WHERE parameters->>'reviewItemId' = $1 ORDER BY id`, [reviewItemId]);

const reservedLines = [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 2000 }, location: { locationId: 'wh-central', locationType: 'WAREHOUSE' as const, name: null } }];
const stockReserved = (orderId: string): StockReserved => ({ reservationId: uuidv7(), orderId, lines: reservedLines, expiresAt: new Date(Date.now() + 900_000), occurredAt: new Date() });
const released = (orderId: string): ReservationReleased => ({ reservationId: uuidv7(), orderId, reason: 'ORDER_CANCELLED', lines: reservedLines, fullyReleased: true, occurredAt: new Date() });
const odooSucceeded = (commandId: string, commandType: string, orderId: string): OdooCommandSucceeded => ({
  commandId,
  commandType,
  aggregateId: orderId,
  companyId: 'omnibus-retail',
  odooModel: 'sale.order',
  odooRecordId: 88,
  odooRecordName: 'S00088',
  alreadyApplied: false,
  attempts: 1,
  occurredAt: new Date(),
});

/** A new order whose stock inventory reserved: the saga asks Odoo for the sale order. */
async function placeReservedOrder(): Promise<{ orderId: string; create: { value: CreateSaleOrder } }> {
  const response = await service.request('/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify(webOrderRequest()),
  });
  const { orderId } = await json(response);
  await recorder.waitFor(orderId, ReserveStock.type);
  await publisher.publish(StockReserved, stockReserved(orderId), topics['retail.reservations']);
  const [create] = await recorder.waitFor(orderId, CreateSaleOrder.type);
  return { orderId, create };
}

/** An order whose sale order Odoo refused, so its reservation is released: and inventory never confirms the release. */
async function orderWithUnconfirmedRelease(): Promise<{ orderId: string; releaseId: string }> {
  const { orderId, create } = await placeReservedOrder();
  const refusal: OdooCommandFailed = {
    commandId: create.value.commandId,
    commandType: CreateSaleOrder.type,
    aggregateId: orderId,
    companyId: 'omnibus-retail',
    failure: 'MISSING_RECORD',
    retryable: false,
    errorMessage: 'unknown SKU(s) in Odoo: APP-10001',
    odooErrorName: null,
    attempts: 1,
    occurredAt: new Date(),
  };
  await publisher.publish(OdooCommandFailed, refusal, topics['odoo.results']);
  const [release] = await recorder.waitFor(orderId, ReleaseReservation.type);
  return { orderId, releaseId: release.value.commandId };
}

/** An order confirmed in Odoo whose reservation lapsed before the release to the warehouse (after the pivot). */
async function orderWithLapsedReservation(): Promise<{ orderId: string; saleOrderCommandId: string }> {
  const { orderId, create } = await placeReservedOrder();
  await publisher.publish(OdooCommandSucceeded, odooSucceeded(create.value.commandId, CreateSaleOrder.type, orderId), topics['odoo.results']);
  await recorder.waitFor(orderId, CommitReservation.type);
  const lapsed: ReservationRejected = { orderId, reason: 'OTHER', shortLines: [], occurredAt: new Date() };
  await publisher.publish(ReservationRejected, lapsed, topics['retail.reservations']);
  return { orderId, saleOrderCommandId: create.value.commandId };
}

it('refuses callers without a token (401) or without review:read / review:write (403); a bad body gets 400 with the field path, an unknown item 404', async () => {
  expect((await get('/review', 'not-a-token')).status).toBe(401);
  expect((await service.request('/review')).status).toBe(401);
  const noScope = await get('/review', channel);
  expect({ status: noScope.status, body: await json(noScope) }).toMatchObject({ status: 403, body: { message: 'missing scope review:read' } });
  const readOnly = await resolve(uuidv7(), { action: 'retry' }, { token: reader });
  expect({ status: readOnly.status, body: await json(readOnly) }).toMatchObject({ status: 403, body: { message: 'missing scope review:write' } });

  const bad = await resolve(uuidv7(), { action: 'later', note: '' });
  expect({ status: bad.status, body: await json(bad) }).toEqual({
    status: 400,
    body: {
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid request body',
      issues: [
        { path: 'action', message: 'must be one of retry, cancel, accept' },
        { path: 'note', message: 'must not be empty' },
      ],
    },
  });
  const badFilter = await get('/review?overdue=maybe&limit=0');
  expect({ status: badFilter.status, paths: (await json(badFilter)).issues.map((issue: any) => issue.path) }).toEqual({ status: 400, paths: ['overdue', 'limit'] });
  expect((await get('/review/not-an-id')).status).toBe(400);
  const unknown = uuidv7();
  expect((await get(`/review/${unknown}`)).status).toBe(404);
  expect((await resolve(unknown, { action: 'retry' })).status).toBe(404);
  expect(await auditRows(unknown)).toEqual([expect.objectContaining({ operator: 'operator:alice', outcome: 'refused', summary: `refused: no review item ${unknown}` })]);
});

it('a release never confirmed lands in GET /review with its reason and SLA; retry re-sends it with the same command id and the order is cancelled once inventory confirms; a repeat replays, another decision gets 409; each is audited', async () => {
  const { orderId, releaseId } = await orderWithUnconfirmedRelease();
  const item = await reviewOf(orderId, 'COMPENSATION_FAILED');
  expect(item).toMatchObject({
    step: 'reserveStock',
    phase: 'compensation',
    reason: 'COMPENSATION_FAILED',
    detail: 'no confirmation of the compensation of reserveStock after 3 timeouts',
    allowedActions: ['retry', 'accept'],
    retry: 'same-command',
    state: 'open',
    openedBy: { type: 'timeout', eventId: null },
    resolution: null,
  });
  expect(Date.parse(item.dueBy) - Date.parse(item.openedAt)).toBe(REVIEW_SLA_MS);
  expect(await json(await get(`/review/${item.id}`))).toEqual({ ...item, overdue: expect.any(Boolean) });
  const [flagged] = await recorder.waitFor(orderId, OrderFlaggedForReview.type);
  expect(flagged.value).toMatchObject({ reason: 'COMPENSATION_FAILED', failedStep: 'reserveStock' });
  expect(await getOrder(orderId)).toMatchObject({ status: 'flagged_for_review', reviews: [{ id: item.id, state: 'open' }] });
  // Past its SLA it is overdue (a condition that comes true, not a sleep).
  await waitFor(async () => (await json(await get('/review?overdue=true&state=open&limit=200'))).items.some((open: any) => open.id === item.id), {
    timeoutMs: REVIEW_SLA_MS + 10_000,
    what: 'the item to be overdue',
  });
  const metrics = await (await service.request('/metrics')).text();
  expect(metrics).toMatch(/orders_review_queue_size\{reason="COMPENSATION_FAILED"[^}]*\} [1-9]/);
  expect(metrics).toMatch(/orders_review_oldest_open_age_seconds\{[^}]*\} [0-9.]+/);

  const key = randomUUID();
  const retried = await resolve(item.id, { action: 'retry', note: 'inventory was down; try again' }, { key });
  expect({ status: retried.status, body: await json(retried) }).toMatchObject({
    status: 200,
    body: { id: item.id, state: 'resolved', resolution: { action: 'retry', note: 'inventory was down; try again', by: 'operator:alice' } },
  });
  // The first release, its two resends, and the operator's retry: one command id throughout.
  const releases = await recorder.waitFor(orderId, ReleaseReservation.type, 4);
  expect(new Set(releases.map((release) => release.value.commandId))).toEqual(new Set([releaseId]));
  await publisher.publish(ReservationReleased, released(orderId), topics['retail.reservations']);
  const cancelled = await orderBecomes(orderId, 'cancelled');
  expect(cancelled).toMatchObject({
    fulfilmentStatus: 'stock_released',
    review: null,
    reviews: [{ id: item.id, state: 'resolved', reason: 'COMPENSATION_FAILED', openedBy: { type: 'timeout' }, resolution: { action: 'retry', by: 'operator:alice' } }],
  });
  const steps = cancelled.timeline.map((entry: any) => [entry.step, entry.what, entry.cause.type, entry.detail]);
  expect(steps).toContainEqual(['reserveStock', 'review-opened', 'timeout', 'COMPENSATION_FAILED: no confirmation of the compensation of reserveStock after 3 timeouts']);
  expect(steps).toContainEqual(['reserveStock', 'review-resolved', 'operator resolution', 'retry by operator:alice: inventory was down; try again']);
  expect(steps).toContainEqual(['reserveStock', 'resent', 'operator resolution', 'same command id, attempt 1, retried by operator']);

  const again = await resolve(item.id, { action: 'retry' }, { key });
  expect({ status: again.status, replayed: again.headers.get('idempotent-replayed'), state: (await json(again)).state }).toEqual({ status: 200, replayed: 'true', state: 'resolved' });
  const other = await resolve(item.id, { action: 'accept' });
  expect({ status: other.status, body: await json(other) }).toMatchObject({
    status: 409,
    body: { message: expect.stringMatching(new RegExp(`^review item ${item.id} was already resolved with retry by operator:alice at `)) },
  });
  expect(await stagedCount(orderId, ReleaseReservation.type)).toBe(4);
  expect((await auditRows(item.id)).map((row: any) => [row.operator, row.action, row.outcome, row.parameters.action])).toEqual([
    ['operator:alice', 'order.review.resolve', 'succeeded', 'retry'],
    ['operator:alice', 'order.review.resolve', 'succeeded', 'retry'],
    ['operator:alice', 'order.review.resolve', 'refused', 'accept'],
  ]);
  expect(await resolutionsCounted('retry')).toBeGreaterThanOrEqual(1);
});

it('cancel on an item after the pivot cancels the Odoo sale order, releases the stock and ends the order cancelled by the operator', async () => {
  const { orderId } = await orderWithLapsedReservation();
  const item = await reviewOf(orderId, 'RESERVATION_LAPSED');
  expect(item).toMatchObject({ step: 'releaseToWarehouse', phase: 'action', allowedActions: ['retry', 'cancel', 'accept'], retry: 'new-attempt', openedBy: { type: ReservationRejected.type } });

  const cancel = await resolve(item.id, { action: 'cancel', note: 'customer agreed to cancel' });
  expect(cancel.status).toBe(200);
  const [cancelSale] = await recorder.waitFor(orderId, CancelSaleOrder.type);
  expect(cancelSale.value).toMatchObject({ orderId, companyId: 'omnibus-retail' });
  expect(await getOrder(orderId)).toMatchObject({ status: 'cancelling', cancellation: { step: 'releaseToWarehouse', reason: 'CANCELLED_BY_OPERATOR', detail: 'customer agreed to cancel' } });
  await publisher.publish(OdooCommandSucceeded, odooSucceeded(cancelSale.value.commandId, CancelSaleOrder.type, orderId), topics['odoo.results']);
  const [release] = await recorder.waitFor(orderId, ReleaseReservation.type);
  expect(release.value).toMatchObject({ orderId, reason: 'ORDER_CANCELLED' });
  await publisher.publish(ReservationReleased, released(orderId), topics['retail.reservations']);
  // Paid before it arrived (prepaid web policy here): cancelling does not touch a payment; refunds are not built yet.
  expect(await orderBecomes(orderId, 'cancelled')).toMatchObject({ paymentStatus: 'prepaid', fulfilmentStatus: 'stock_released' });
  const [event] = await recorder.waitFor(orderId, OrderCancelled.type);
  expect(event.value).toMatchObject({ reason: 'OPERATOR', note: 'releaseToWarehouse: CANCELLED_BY_OPERATOR: customer agreed to cancel' });
  expect((await auditRows(item.id)).map((row: any) => [row.outcome, row.parameters.action])).toEqual([['succeeded', 'cancel']]);
});

it('npx omnibus review list|show|resolve: accept on an unconfirmed release takes it as undone by hand and ends the order as it stands, audited under the operator\'s name; an action the item does not allow is refused (422)', async () => {
  const { orderId } = await orderWithUnconfirmedRelease();
  const item = await reviewOf(orderId, 'COMPENSATION_FAILED');
  // The CLI signs its token for operator:<OMNIBUS_OPERATOR> with the secret the service uses.
  const cli = (args: string[]) => runOmnibus(['review', ...args, '--url', service.url], { OMNIBUS_OPERATOR: 'carol' });

  const listed = await cli(['list', '--state', 'open', '--reason', 'COMPENSATION_FAILED', '--limit', '200']);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  expect(listed.stdout).toMatch(new RegExp(`^${item.id}  ${orderId}  reserveStock  COMPENSATION_FAILED  open  `, 'm'));
  const shown = await cli(['show', item.id]);
  expect(shown.stdout).toContain('actions      retry, accept (retry: same-command)');

  const notAllowed = await cli(['resolve', item.id, '--action', 'cancel']);
  expect(notAllowed).toMatchObject({ code: 1, stderr: expect.stringMatching(/^omnibus: the order service answered 422: cancel is not allowed on review item .*allowed: retry, accept\n$/) });
  const accepted = await cli(['resolve', item.id, '--action', 'accept', '--note', 'released by hand in the WMS']);
  expect(accepted).toMatchObject({ code: 0, stdout: expect.stringContaining('resolution   accept by operator:carol at ') });

  const order = await orderBecomes(orderId, 'cancelled');
  expect(order.timeline.map((entry: any) => [entry.step, entry.what, entry.cause.type, entry.detail]).slice(-3)).toEqual([
    ['reserveStock', 'review-resolved', 'operator resolution', 'accept by operator:carol: released by hand in the WMS'],
    ['reserveStock', 'compensated', 'operator resolution', 'undone by hand, accepted by operator'],
    [null, 'finished', 'operator resolution', expect.stringContaining('compensated after createSaleOrder')],
  ]);
  // The release and its two resends; nothing after the operator's accept.
  expect(await stagedCount(orderId, ReleaseReservation.type)).toBe(3);
  expect((await auditRows(item.id)).map((row: any) => [row.operator, row.outcome, row.parameters.action])).toEqual([
    ['operator:carol', 'refused', 'cancel'],
    ['operator:carol', 'succeeded', 'accept'],
  ]);
  expect(await db.query(`SELECT state, resolution, resolved_by FROM review_items WHERE id = $1`, [item.id])).toEqual([{ state: 'resolved', resolution: 'accept', resolved_by: 'operator:carol' }]);
});

it('GET /openapi.json documents the review routes from their schemas, with their scopes', async () => {
  const document = await json(await service.request('/openapi.json'));
  expect(document.paths['/review'].get.security).toEqual([{ bearerAuth: ['review:read'] }]);
  expect(document.paths['/review'].get.parameters.map((parameter: any) => parameter.name)).toEqual(expect.arrayContaining(['state', 'reason', 'overdue', 'limit', 'offset']));
  expect(document.paths['/review/{id}'].get.security).toEqual([{ bearerAuth: ['review:read'] }]);
  const resolveOperation = document.paths['/review/{id}/resolve'].post;
  expect(resolveOperation.security).toEqual([{ bearerAuth: ['review:write'] }]);
  expect(resolveOperation.requestBody.content['application/json'].schema).toMatchObject({ required: ['action'], properties: { action: { enum: ['retry', 'cancel', 'accept'] } } });
  expect(Object.keys(resolveOperation.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
});

async function resolutionsCounted(action: string): Promise<number> {
  const metrics = await (await service.request('/metrics')).text();
  const line = metrics.split('\n').find((text) => text.startsWith('orders_review_resolutions_total') && text.includes(`action="${action}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}
