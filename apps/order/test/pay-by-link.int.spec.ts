// Pay by link when nobody pays: the order service (in this process) with short link and payment
// timeouts, retail-sim's gateway and its signed webhooks for real; inventory's replies are published
// by the test (test/order-journey.int.spec.ts runs inventory and the paid link end to end). A lapsed
// link is queried, then voided (the session expired) and the order cancelled; a customer's
// cancellation while the link is open expires the session at once, so a late payment is refused.
import { OrderCancelled, PaymentLinkSent, PaymentVoided, QueryPayment, ReleaseReservation, ReservationReleased, ReserveStock, StockReserved, VoidPayment } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, TestDatabase, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { OrderConfig } from '../src/config';
import { orderService } from '../src/service';
import { freePort } from './free-port';
import { webOrderRequest } from './orders';

jest.setTimeout(90_000);

const CATALOGUE_TOPICS = ['retail.orders', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'payments.commands', 'retail.payments', 'retail.shipments'] as const;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const GATEWAY_KEY = `sk_test_${randomUUID()}`;
// Long enough for the connector to open the session (and the test to cancel) under load, short enough to wait for.
const LINK_MS = 10_000;
const PAYMENT_MS = 2_000;
const consumer = uniqueName('order-pay-by-link');

let registry: AppProcess;
let gateway: AppProcess;
let database: TestDatabase;
let order: TestService<OrderConfig>;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let channel: string;

beforeAll(async () => {
  [registry, { topics }, database] = await Promise.all([startSchemaRegistry('order_pay_by_link'), createUniqueTopics(CATALOGUE_TOPICS, [consumer]), createTestDatabase('order_pay_by_link')]);
  const orderPort = await freePort();
  gateway = await startApp('retail-sim', {
    RETAIL_SIM_GATEWAY_KEY: GATEWAY_KEY,
    RETAIL_SIM_WEBHOOK_URL: `http://127.0.0.1:${orderPort}/webhooks/payments/retail-sim`,
    RETAIL_SIM_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  [order, recorder, publisher] = await Promise.all([
    startTestService(orderService, {
      KAFKA_BROKERS: testBrokers().join(','),
      SCHEMA_REGISTRY_URL: registry.url,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      DATABASE_URL: database.url,
      PORT: String(orderPort),
      ORDER_CONSUMER_SERVICE: consumer,
      ORDER_SAGA_SWEEP_INTERVAL_MS: '100',
      ORDER_PAYMENT_GATEWAY_URL: gateway.url,
      ORDER_PAYMENT_GATEWAY_KEY: GATEWAY_KEY,
      ORDER_PAYMENT_LINK_TIMEOUT_MS: String(LINK_MS),
      ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_MS),
      ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [WEBHOOK_SECRET] }),
    }) as Promise<TestService<OrderConfig>>,
    EventRecorder.start([topics['inventory.commands'], topics['payments.commands'], topics['retail.payments'], topics['retail.orders']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  channel = await issueToken({ sub: 'channel:call-centre-us', scopes: ['orders:write', 'orders:read'] });
}, 120_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), order?.stop()]);
  await Promise.all([gateway?.stop(), registry?.stop(), database?.drop()]);
}, 60_000);

const request = async (path: string, body?: unknown) => {
  const response = await order.request(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${channel}`, 'idempotency-key': randomUUID() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};
const orderWhere = (orderId: string, what: string, holds: (current: any) => boolean, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const { body } = await request(`/orders/${orderId}`);
      return holds(body) ? body : undefined;
    },
    { timeoutMs, what: `order ${orderId}: ${what}` },
  );
const sessionOf = async (url: string) =>
  (await (await fetch(`${gateway.url}/v1/checkout/sessions/${new URL(url).pathname.split('/').pop()}`, { headers: { authorization: `Bearer ${GATEWAY_KEY}` } })).json()) as any;
const pay = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payment_method: 'pm_card_visa' }) });

/** A call-centre order with its stock reserved (inventory's answer published here) and its payment link sent. */
async function orderWithLink(): Promise<{ orderId: string; link: PaymentLinkSent; reservationId: string }> {
  const placed = await request('/orders', webOrderRequest({ channel: { channelId: 'call-centre-us', kind: 'CALL_CENTRE' }, paymentReference: undefined }));
  expect(placed.status).toBe(201);
  const orderId = placed.body.orderId as string;
  const [reserve] = await recorder.waitFor(orderId, ReserveStock.type);
  const reservationId = uuidv7();
  const lines = [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 2000 }, location: { locationId: 'wh-central', locationType: 'WAREHOUSE' as const, name: null } }];
  await publisher.publish(StockReserved, { reservationId, orderId, lines, expiresAt: new Date(Date.now() + 900_000), occurredAt: new Date() }, topics['retail.reservations'], {
    causedBy: { id: reserve.headers.ce_id, correlationId: orderId },
  });
  const [sent] = await recorder.waitFor(orderId, PaymentLinkSent.type);
  return { orderId, link: sent.value as PaymentLinkSent, reservationId };
}
/** Inventory's confirmation of the release the saga asked for. */
async function confirmRelease(orderId: string, reservationId: string): Promise<void> {
  const [release] = await recorder.waitFor(orderId, ReleaseReservation.type);
  await publisher.publish(ReservationReleased, { reservationId, orderId, reason: 'ORDER_CANCELLED', lines: [], fullyReleased: true, occurredAt: new Date() }, topics['retail.reservations'], {
    causedBy: { id: release.headers.ce_id, correlationId: orderId },
  });
}

it('a link nobody pays lapses: the saga queries the gateway, voids the payment (the session expired) and cancels the order', async () => {
  const { orderId, link, reservationId } = await orderWithLink();
  expect(link.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(LINK_MS);
  expect((await sessionOf(link.url)).status).toBe('open');

  // Past the lapse plus the payment timeout: the status query, then "not found", then the void.
  const [query] = await recorder.waitFor(orderId, QueryPayment.type, 1, LINK_MS + 20_000);
  expect(Date.now()).toBeGreaterThanOrEqual(link.expiresAt.getTime());
  expect(query.value).toMatchObject({ paymentId: link.paymentId });
  const [voidCommand] = await recorder.waitFor(orderId, VoidPayment.type);
  expect(voidCommand.value).toMatchObject({ paymentId: link.paymentId, gatewayReference: null });
  const [voided] = await recorder.waitFor(orderId, PaymentVoided.type);
  expect(voided.value).toMatchObject({ paymentId: link.paymentId, amount: { amountMinor: 2 * 3499 + 8999 - 1000 + 495 } });
  await confirmRelease(orderId, reservationId);

  const cancelled = await orderWhere(orderId, 'cancelled', (current) => current.status === 'cancelled');
  expect(cancelled).toMatchObject({ paymentStatus: 'voided', cancellation: { step: 'authorisePayment', reason: 'PAYMENT_LINK_LAPSED' }, payment: { policy: 'pay_by_link', link: { url: link.url } } });
  const [event] = await recorder.waitFor(orderId, OrderCancelled.type);
  expect(event.value).toMatchObject({ cancelledBy: 'saga' });
  expect((await sessionOf(link.url)).status).toBe('expired');
  expect((await pay(link.url)).status).toBe(410);
});

it("a customer's cancellation while the link is open expires the session at once: paying it afterwards is refused", async () => {
  const { orderId, link, reservationId } = await orderWithLink();
  await orderWhere(orderId, 'its link shown', (current) => current.payment.link !== null);
  expect((await request(`/orders/${orderId}/cancel`, { reason: 'changed my mind' })).status).toBeLessThan(300);
  await recorder.waitFor(orderId, PaymentVoided.type);
  // Expired by the void, well before its own expires_at.
  expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now());
  expect((await sessionOf(link.url)).status).toBe('expired');
  expect((await pay(link.url)).status).toBe(410);
  await confirmRelease(orderId, reservationId);
  const cancelled = await orderWhere(orderId, 'cancelled', (current) => current.status === 'cancelled');
  expect(cancelled).toMatchObject({ paymentStatus: 'voided', cancellation: { step: 'authorisePayment' } });
});
