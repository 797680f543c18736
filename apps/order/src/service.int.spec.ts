import {
  CreateSaleOrder,
  OdooCommandFailed,
  OdooCommandSucceeded,
  OrderCancelled,
  CommitReservation,
  ReleaseReservation,
  ReservationCommitted,
  ReservationRejected,
  ReservationReleased,
  ReserveStock,
  StockReserved,
} from '@omnibus/contracts';
import { issueToken } from '@omnibus/service-kit';
import { describeStandardService, TestService } from '@omnibus/service-kit/testing';
import { uniqueName, waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { webOrderRequest } from '../test/orders';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startSchemaRegistry } from '@omnibus/messaging/testing';
import type { OrderConfig } from './config';
import { orderService } from './service';

jest.setTimeout(60_000);

const json = (response: Response): Promise<any> => response.json();

const CATALOGUE_TOPICS = ['retail.orders', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'payments.commands', 'retail.payments'] as const;
const consumerService = uniqueName('order-test');
const savedEnv = { ...process.env };
let registry: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;

// Before the standard checks boot the service: a registry, and topics of its own (the service reads
// SCHEMA_REGISTRY_URL, TOPIC_OVERRIDES and ORDER_CONSUMER_SERVICE from the environment).
beforeAll(async () => {
  [registry, { topics }] = await Promise.all([startSchemaRegistry('order'), createUniqueTopics(CATALOGUE_TOPICS, [consumerService])]);
  // No gateway here: web orders skip the payment step (test/order-journey.int.spec.ts authorises for real).
  Object.assign(process.env, { SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics), ORDER_CONSUMER_SERVICE: consumerService, ORDER_PAYMENT_POLICIES: 'WEB=prepaid' });
  [recorder, publisher] = await Promise.all([EventRecorder.start([topics['retail.orders'], topics['odoo.commands'], topics['inventory.commands']], registry.url), EventPublisher.start(registry.url)]);
}, 90_000);

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([recorder?.stop(), publisher?.stop()]);
  await registry?.stop();
});

describeStandardService(
  orderService,
  { main: path.join(__dirname, 'main.ts'), tables: ['orders', 'order_status_history', 'order_idempotency_keys', 'order_timeline', 'saga_instance', 'outbox', 'messaging_inbox'] },
  (running) => {
    let service: TestService<OrderConfig>;
    let channel: string;
    let db: DataSource;

    beforeAll(async () => {
      service = running() as TestService<OrderConfig>;
      db = service.app.get(DataSource);
      channel = await issueToken({ sub: 'channel:web-us', scopes: ['orders:write', 'orders:read'] });
    });

    const post = (body: unknown, { key = randomUUID() as string | null, token = channel, headers = {} as Record<string, string> } = {}) =>
      service.request('/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key === null ? {} : { 'idempotency-key': key }), ...headers },
        body: JSON.stringify(body),
      });
    const getOrder = async (orderId: string) => json(await service.request(`/orders/${orderId}`, { headers: { authorization: `Bearer ${channel}` } }));
    const count = async (sql: string, params: unknown[]) => Number((await db.query(sql, params))[0].count);
    /** Types of what the service staged for an order, oldest first: the truth of what it sent. */
    const staged = async (orderId: string) => (await db.query(`SELECT headers->>'ce_type' AS type FROM outbox WHERE key = $1 ORDER BY id`, [orderId])).map((row: { type: string }) => row.type);

    it('refuses callers without a token or without the orders:write scope', async () => {
      expect((await post(webOrderRequest(), { token: 'not-a-token' })).status).toBe(401);
      const reader = await issueToken({ sub: 'channel:web-us', scopes: ['orders:read'] });
      const response = await post(webOrderRequest(), { token: reader });
      expect({ status: response.status, body: await json(response) }).toMatchObject({ status: 403, body: { message: 'missing scope orders:write' } });
    });

    it('needs an Idempotency-Key and a valid body, and says which field is wrong', async () => {
      const missingKey = await post(webOrderRequest(), { key: null });
      expect({ status: missingKey.status, body: await json(missingKey) }).toMatchObject({
        status: 400,
        body: { message: expect.stringContaining('the Idempotency-Key header is required') },
      });
      const invalid = await post(webOrderRequest({ lines: [{ sku: 'APP-10001', name: 'Shirt', quantity: '1.5555', unitPrice: { amountMinor: 12.5, currency: 'USD' } }] }));
      expect({ status: invalid.status, body: await json(invalid) }).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: 'invalid request body',
          issues: [
            { path: 'lines.0.quantity', message: 'must be a decimal quantity with at most 3 decimals, e.g. "2" or "2.5"' },
            { path: 'lines.0.unitPrice.amountMinor', message: 'must be a whole number of minor units (cents), e.g. 1999 for 19.99' },
          ],
        },
      });
      expect(await count(`SELECT count(*) FROM orders`, [])).toBe(0);
    });

    it('accepts an order in one transaction: the order, its history, its saga and OrderPlaced, OrderAccepted, ReserveStock, correlated by order id and on the request\'s trace', async () => {
      const traceId = randomUUID().replace(/-/g, '');
      const response = await post(webOrderRequest({ channelOrderRef: 'WEB-3001' }), { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      const order = await json(response);
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/orders/${order.orderId}`);
      expect(order).toMatchObject({
        status: 'accepted',
        paymentStatus: 'prepaid',
        fulfilmentStatus: 'awaiting_stock',
        channelOrderRef: 'WEB-3001',
        totals: { grandTotal: { amountMinor: 2 * 3499 + 8999 - 1000 + 495, currency: 'USD' } },
        statusHistory: [{ status: 'accepted', detail: 'accepted from channel web-us as WEB-3001' }],
        timeline: [{ step: 'reserveStock', what: 'started', cause: { type: 'order accepted', eventId: null } }],
        reservation: null,
        odoo: null,
      });
      expect(await getOrder(order.orderId)).toEqual(order);

      const [placed] = await recorder.waitFor(order.orderId, 'com.omnibus.order.OrderPlaced');
      const [accepted] = await recorder.waitFor(order.orderId, 'com.omnibus.order.OrderAccepted');
      const [command] = await recorder.waitFor(order.orderId, ReserveStock.type);
      expect([placed.topic, accepted.topic, command.topic]).toEqual([topics['retail.orders'], topics['retail.orders'], topics['inventory.commands']]);
      for (const event of [placed, accepted, command]) {
        expect(event.headers).toMatchObject({ 'correlation-id': order.orderId, ce_source: 'omnibus/order', ce_subject: order.orderId });
        expect(event.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      }
      expect(placed.value).toMatchObject({ orderId: order.orderId, lines: [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 2000 } }, { lineId: '2' }] });
      expect(command.value).toMatchObject({ orderId: order.orderId, channel: { channelId: 'web-us' }, region: 'us-west', lines: [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 2000 } }, { lineId: '2' }] });
      const [row] = await db.query(`SELECT state FROM saga_instance WHERE id = $1`, [order.orderId]);
      expect(row.state).toMatchObject({ status: 'running', step: 'reserveStock', awaiting: true, commandIds: [command.value.commandId] });
      expect(await staged(order.orderId)).toEqual(['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type]);
    });

    it('answers a retry with the same key and body with the first answer and creates nothing; another body under the key gets 409', async () => {
      const key = randomUUID();
      const body = webOrderRequest({ channelOrderRef: 'WEB-3002' });
      const first = await post(body, { key });
      const firstBody = await json(first);
      const retry = await post({ ...body, lines: body.lines.map((line: any) => ({ ...line, quantity: `${line.quantity}.0` })) }, { key });
      expect({ status: retry.status, replayed: retry.headers.get('idempotent-replayed'), body: await json(retry) }).toEqual({ status: 200, replayed: 'true', body: firstBody });
      expect(await count(`SELECT count(*) FROM orders WHERE channel_order_ref = 'WEB-3002'`, [])).toBe(1);
      expect(await count(`SELECT count(*) FROM outbox WHERE key = $1`, [firstBody.orderId])).toBe(3);

      const changed = await post({ ...body, notes: 'ring twice' }, { key });
      expect({ status: changed.status, body: await json(changed) }).toMatchObject({
        status: 409,
        body: { message: `Idempotency-Key "${key}" was already used for order ${firstBody.orderId} with a different request body; use a new key for a new order` },
      });
      const sameRefOtherKey = await post(body);
      expect({ status: sameRefOtherKey.status, body: await json(sameRefOtherKey) }).toMatchObject({
        status: 409,
        body: { message: `order WEB-3002 of channel web-us was already placed as order ${firstBody.orderId} with another Idempotency-Key` },
      });
    });

    it('creates one order when a channel fires the same request several times at once', async () => {
      const key = randomUUID();
      const body = webOrderRequest({ channelOrderRef: 'WEB-3003' });
      const responses = await Promise.all(Array.from({ length: 5 }, () => post(body, { key })));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 201]);
      const ids = new Set(await Promise.all(responses.map(async (response) => (await json(response)).orderId)));
      expect(ids.size).toBe(1);
      expect(await count(`SELECT count(*) FROM orders WHERE channel_order_ref = 'WEB-3003'`, [])).toBe(1);
    });

    it('GET /openapi.json documents POST /orders from the schema that validates it: required fields, scope, 400 with field paths', async () => {
      const response = await service.request('/openapi.json');
      expect(response.status).toBe(200);
      const document = await json(response);
      const place = document.paths['/orders'].post;
      const body = place.requestBody.content['application/json'].schema;
      expect(body.required).toEqual(expect.arrayContaining(['channelOrderRef', 'channel', 'brand', 'companyId', 'currency', 'customer', 'lines', 'pricesIncludeTax']));
      expect(body.required).not.toContain('shippingAddress');
      expect(body.properties.lines).toMatchObject({ type: 'array', minItems: 1, maxItems: 500 });
      expect(body.properties.lines.items.required).toEqual(expect.arrayContaining(['sku', 'name', 'quantity', 'unitPrice']));
      expect(place.security).toEqual([{ bearerAuth: ['orders:write'] }]);
      expect(Object.keys(place.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
      expect(document.paths['/orders/{orderId}'].get.security).toEqual([{ bearerAuth: ['orders:read'] }]);
    });

    it('GET /orders/:id needs orders:read and answers 404 for an order it does not have', async () => {
      const writer = await issueToken({ sub: 'channel:web-us', scopes: ['orders:write'] });
      expect((await service.request(`/orders/${uuidv7()}`, { headers: { authorization: `Bearer ${writer}` } })).status).toBe(403);
      expect((await service.request(`/orders/${uuidv7()}`, { headers: { authorization: `Bearer ${channel}` } })).status).toBe(404);
      expect((await service.request('/orders/not-an-id', { headers: { authorization: `Bearer ${channel}` } })).status).toBe(404);
    });

    describe('the order saga', () => {
      const place = async (ref: string) => {
        const order = await json(await post(webOrderRequest({ channelOrderRef: ref })));
        const [reserve] = await recorder.waitFor(order.orderId, ReserveStock.type);
        return { order, reserve };
      };
      const reservedLines = [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 3000 }, location: { locationId: 'wh-central', locationType: 'WAREHOUSE' as const, name: null } }];
      const stockReserved = (orderId: string): StockReserved => ({ reservationId: uuidv7(), orderId, lines: reservedLines, expiresAt: new Date(Date.now() + 900_000), occurredAt: new Date() });
      const released = (orderId: string): ReservationReleased => ({ reservationId: uuidv7(), orderId, reason: 'ORDER_CANCELLED', lines: reservedLines, fullyReleased: true, occurredAt: new Date() });
      const succeeded = (command: CreateSaleOrder, overrides: Partial<OdooCommandSucceeded> = {}): OdooCommandSucceeded => ({
        commandId: command.commandId,
        commandType: CreateSaleOrder.type,
        aggregateId: command.orderId,
        companyId: command.companyId,
        odooModel: 'sale.order',
        odooRecordId: 77,
        odooRecordName: 'S00077',
        alreadyApplied: false,
        attempts: 1,
        occurredAt: new Date(),
        ...overrides,
      });
      const handled = (eventId: string) =>
        waitFor(async () => (await count(`SELECT count(*) FROM messaging_inbox WHERE event_id = $1`, [eventId])) === 1, { what: `event ${eventId} handled` });
      const orderBecomes = (orderId: string, status: string) =>
        waitFor(async () => {
          const current = await getOrder(orderId);
          return current.status === status ? current : undefined;
        }, { what: `order ${orderId} ${status}` });

      it('StockReserved leads to CreateSaleOrder from the reserved locations, OdooCommandSucceeded to CommitReservation, ReservationCommitted to released_to_warehouse; the timeline names each cause; repeats change nothing', async () => {
        const { order, reserve } = await place('WEB-3101');
        const reservation = await publisher.publish(StockReserved, stockReserved(order.orderId), topics['retail.reservations'], {
          causedBy: { id: reserve.headers.ce_id, correlationId: order.orderId },
        });
        const [command] = await recorder.waitFor(order.orderId, CreateSaleOrder.type);
        expect(command.value).toMatchObject({ orderId: order.orderId, confirm: true, fulfilmentLocations: [{ lineId: '1', location: { locationId: 'wh-central' } }] });
        expect(command.headers).toMatchObject({ 'causation-id': reservation.headers.ce_id, 'correlation-id': order.orderId });
        expect(await getOrder(order.orderId)).toMatchObject({ status: 'stock_reserved', fulfilmentStatus: 'stock_reserved', reservation: { reservationId: expect.any(String) } });

        const result = await publisher.publish(OdooCommandSucceeded, succeeded(command.value), topics['odoo.results'], {
          causedBy: { id: command.headers.ce_id, correlationId: order.orderId },
        });
        const [commit] = await recorder.waitFor(order.orderId, CommitReservation.type);
        expect(commit.headers['causation-id']).toBe(result.headers.ce_id);
        expect(await getOrder(order.orderId)).toMatchObject({ status: 'confirmed_in_odoo', fulfilmentStatus: 'stock_reserved', odoo: { saleOrderId: 77, saleOrderName: 'S00077' } });
        const committed = await publisher.publish(ReservationCommitted, { reservationId: uuidv7(), orderId: order.orderId, lines: reservedLines, occurredAt: new Date() }, topics['retail.reservations']);
        const released = await orderBecomes(order.orderId, 'released_to_warehouse');
        expect(released).toMatchObject({ paymentStatus: 'prepaid', fulfilmentStatus: 'released_to_warehouse', odoo: { saleOrderId: 77, saleOrderName: 'S00077' } });
        expect(released.statusHistory.map((entry: any) => entry.status)).toEqual(['accepted', 'stock_reserved', 'confirmed_in_odoo', 'released_to_warehouse']);
        expect(released.timeline.map((entry: any) => [entry.step, entry.what, entry.cause.type, entry.cause.eventId])).toEqual([
          ['reserveStock', 'started', 'order accepted', null],
          ['reserveStock', 'completed', StockReserved.type, reservation.headers.ce_id],
          ['authorisePayment', 'skipped', StockReserved.type, reservation.headers.ce_id],
          ['createSaleOrder', 'started', StockReserved.type, reservation.headers.ce_id],
          ['createSaleOrder', 'completed', OdooCommandSucceeded.type, result.headers.ce_id],
          ['releaseToWarehouse', 'started', OdooCommandSucceeded.type, result.headers.ce_id],
          ['releaseToWarehouse', 'completed', ReservationCommitted.type, committed.headers.ce_id],
          ['handOverAtTill', 'skipped', ReservationCommitted.type, committed.headers.ce_id],
          ['awaitShipments', 'started', ReservationCommitted.type, committed.headers.ce_id],
        ]);

        // A result for an order this service does not know is passed over.
        const unknown = await publisher.publish(OdooCommandSucceeded, succeeded(command.value, { aggregateId: uuidv7() }), topics['odoo.results']);
        await handled(unknown.headers.ce_id);
        // The same records again (redeliveries), then a second success of a replayed command: same key,
        // so once the last is handled the others have been seen too.
        await publisher.send(reservation);
        await publisher.send(result);
        const repeated = await publisher.publish(OdooCommandSucceeded, succeeded(command.value, { alreadyApplied: true, attempts: 2 }), topics['odoo.results']);
        await handled(repeated.headers.ce_id);
        const after = await getOrder(order.orderId);
        expect({ history: after.statusHistory.length, timeline: after.timeline.length }).toEqual({ history: 4, timeline: 9 });
        expect(await staged(order.orderId)).toEqual(['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type, CreateSaleOrder.type, CommitReservation.type]);
      });

      it('ReservationRejected cancels the order with inventory\'s reason and short lines, publishes OrderCancelled and sends nothing to Odoo', async () => {
        const { order, reserve } = await place('WEB-3102');
        const rejection: ReservationRejected = {
          orderId: order.orderId,
          reason: 'INSUFFICIENT_STOCK',
          shortLines: [{ lineId: '2', sku: 'FTW-10002', requested: { milli: 1000 }, available: { milli: 0 } }],
          occurredAt: new Date(),
        };
        const rejected = await publisher.publish(ReservationRejected, rejection, topics['retail.reservations'], { causedBy: { id: reserve.headers.ce_id, correlationId: order.orderId } });
        const [cancelled] = await recorder.waitFor(order.orderId, OrderCancelled.type);
        expect(cancelled.value).toMatchObject({ reason: 'OUT_OF_STOCK', cancelledBy: 'saga', note: 'reserveStock: OUT_OF_STOCK: FTW-10002 (line 2): 1 requested, 0 available' });
        expect(cancelled.headers['causation-id']).toBe(rejected.headers.ce_id);
        expect(await getOrder(order.orderId)).toMatchObject({
          status: 'cancelled',
          paymentStatus: 'prepaid',
          fulfilmentStatus: 'not_fulfilled',
          cancellation: { step: 'reserveStock', reason: 'OUT_OF_STOCK', detail: 'FTW-10002 (line 2): 1 requested, 0 available' },
        });
        expect(await staged(order.orderId)).toEqual(['com.omnibus.order.OrderPlaced', 'com.omnibus.order.OrderAccepted', ReserveStock.type, OrderCancelled.type]);
      });

      it('OdooCommandFailed releases the reservation; the order is cancelled with Odoo\'s message once inventory confirms the release', async () => {
        const { order } = await place('WEB-3103');
        await publisher.publish(StockReserved, stockReserved(order.orderId), topics['retail.reservations']);
        const [command] = await recorder.waitFor(order.orderId, CreateSaleOrder.type);
        const failure: OdooCommandFailed = {
          commandId: command.value.commandId,
          commandType: CreateSaleOrder.type,
          aggregateId: order.orderId,
          companyId: 'omnibus-retail',
          failure: 'MISSING_RECORD',
          retryable: false,
          errorMessage: 'unknown SKU(s) in Odoo: APP-10001',
          odooErrorName: null,
          attempts: 1,
          occurredAt: new Date(),
        };
        await publisher.publish(OdooCommandFailed, failure, topics['odoo.results']);
        const [release] = await recorder.waitFor(order.orderId, ReleaseReservation.type);
        expect(release.value).toMatchObject({ orderId: order.orderId, reason: 'ORDER_CANCELLED' });
        expect(await getOrder(order.orderId)).toMatchObject({ status: 'cancelling', fulfilmentStatus: 'stock_reserved' });

        await publisher.publish(ReservationReleased, released(order.orderId), topics['retail.reservations'], { causedBy: { id: release.headers.ce_id, correlationId: order.orderId } });
        const cancelled = await orderBecomes(order.orderId, 'cancelled');
        expect(cancelled).toMatchObject({
          fulfilmentStatus: 'stock_released',
          paymentStatus: 'prepaid',
          cancellation: { step: 'createSaleOrder', reason: 'ODOO_REJECTED', detail: 'Odoo refused the sale order (MISSING_RECORD): unknown SKU(s) in Odoo: APP-10001' },
        });
        expect(cancelled.statusHistory.map((entry: any) => entry.status)).toEqual(['accepted', 'stock_reserved', 'cancelling', 'cancelled']);
        const [event] = await recorder.waitFor(order.orderId, OrderCancelled.type);
        expect(event.value).toMatchObject({ reason: 'OTHER', note: expect.stringContaining('unknown SKU(s) in Odoo: APP-10001') });
      });
    });
  },
);
