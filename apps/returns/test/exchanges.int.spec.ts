// Exchanges on the returns side, on the real Kafka and PostgreSQL: the test plays the order service
// (OrderPlaced, the parcel, the capture, the refund's answer) and asserts ExchangeRequested — the
// order service's cue to place the replacement order at once — and the price difference settled at
// receipt, to the cent.
import { ExchangeRequested, OrderCancelled, OrderPlaced, PaymentCaptured, RefundIssued, RefundPayment, ReturnAuthorized, ReturnRefunded, sampleOrderPlaced, ShipmentDelivered, ShipmentDispatched } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startSchemaRegistry } from '@omnibus/messaging/testing';
import { metricsRegistry } from '@omnibus/observability';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { uniqueName, waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { ReturnsConfig } from '../src/config';
import { returnsService } from '../src/service';

jest.setTimeout(60_000);

const CATALOGUE_TOPICS = ['retail.orders', 'retail.shipments', 'retail.payments', 'odoo.results', 'retail.returns', 'payments.commands', 'odoo.commands'] as const;
const consumer = uniqueName('returns-exchanges');
const DAY = 24 * 3600_000;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

let registry: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let service: TestService<ReturnsConfig>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let db: DataSource;
let web: string;
let warehouse: string;
let operator: string;

beforeAll(async () => {
  [registry, { topics }] = await Promise.all([startSchemaRegistry('returns_exchanges'), createUniqueTopics(CATALOGUE_TOPICS, [consumer])]);
  [service, recorder, publisher] = await Promise.all([
    startTestService(returnsService, {
      SCHEMA_REGISTRY_URL: registry.url,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      RETURNS_CONSUMER_SERVICE: consumer,
      RETURNS_POLICY_DIR: path.join(__dirname, 'exchange-policies'),
    }) as Promise<TestService<ReturnsConfig>>,
    EventRecorder.start([topics['retail.returns'], topics['payments.commands']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  db = service.app.get(DataSource);
  [web, warehouse, operator] = await Promise.all([
    issueToken({ sub: 'channel:web-de', scopes: ['returns:write', 'returns:read'], channel: 'web-de' }),
    issueToken({ sub: 'system:wms', scopes: ['returns:receive', 'returns:read'] }),
    issueToken({ sub: 'operator:alice', scopes: ['returns:review', 'returns:read'] }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), service?.stop()]);
  await registry?.stop();
});

const publish = async <T>(contract: { topic: string } & Parameters<EventPublisher['publish']>[0], payload: T) => {
  await publisher.publish(contract as any, payload as any, (topics as Record<string, string>)[contract.topic]);
};
const post = async (url: string, token: string, body: unknown, key: string = randomUUID()) => {
  const response = await service.request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
};
const handled = async (eventType: string): Promise<number> =>
  ((await metricsRegistry.getSingleMetric('omnibus_consumer_events_total')?.get())?.values ?? [])
    .filter(({ labels }) => labels.consumer_group === consumer && labels.event_type === eventType && labels.outcome === 'handled')
    .reduce((sum, value) => sum + value.value, 0);
const getReturn = async (returnId: string) => (await (await service.request(`/returns/${returnId}`, { headers: { authorization: `Bearer ${web}` } })).json()) as any;

/** A web order of one shirt in size M, 29.95 (VAT 4.78), delivered two days ago and captured. */
async function deliveredShirt(): Promise<string> {
  const orderId = uuidv7();
  const sample = sampleOrderPlaced(1);
  const placedAt = new Date(Date.now() - 5 * DAY);
  await publish(OrderPlaced, {
    ...sample,
    orderId,
    channelOrderRef: `WEB-${orderId.slice(-8)}`,
    channel: { channelId: 'web-de', kind: 'WEB' },
    lines: [{ lineId: 'L1', sku: 'SHIRT-M', name: 'Linen shirt M', quantity: { milli: 1000 }, unitPrice: eur(2995), discount: eur(0), tax: eur(478), taxCode: 'DE-VAT-19', total: eur(2995) }],
    totals: { linesTotal: eur(2995), shipping: eur(0), orderDiscount: eur(0), tax: eur(478), grandTotal: eur(2995) },
    placedAt,
    occurredAt: placedAt,
  });
  await publish(ShipmentDispatched, {
    shipmentId: `S1-${orderId}`, orderId, companyId: sample.companyId, fromLocation: { locationId: 'wh-central', locationType: 'WAREHOUSE' },
    lines: [{ lineId: 'L1', sku: 'SHIRT-M', quantity: { milli: 1000 }, unitCost: null }], finalShipment: true, carrier: 'dhl', trackingNumber: null, trackingUrl: null, shipTo: null, occurredAt: new Date(Date.now() - 4 * DAY),
  });
  await publish(ShipmentDelivered, { shipmentId: `S1-${orderId}`, orderId, companyId: sample.companyId, carrier: 'dhl', trackingNumber: null, receivedBy: null, proofOfDeliveryUrl: null, occurredAt: new Date(Date.now() - 2 * DAY) });
  await publish(PaymentCaptured, {
    paymentId: `pay-${orderId}`, orderId, companyId: sample.companyId, captureId: `cap-${orderId}`, gateway: 'retail-sim', gatewayReference: `ch_${orderId}`, method: 'CARD', amount: eur(2995), shipmentId: null, finalCapture: true, occurredAt: new Date(Date.now() - 2 * DAY),
  });
  await waitFor(
    async () => {
      const [row] = await db.query(`SELECT (SELECT count(*)::int FROM returns_shipments WHERE order_id = $1 AND delivered_at IS NOT NULL) AS delivered, (SELECT count(*)::int FROM returns_captures WHERE order_id = $1) AS captures`, [orderId]);
      return row.delivered === 1 && row.captures === 1;
    },
    { timeoutMs: 20_000, what: `order ${orderId} in the returns projection` },
  );
  return orderId;
}

const exchangeRequest = (orderId: string, exchangeFor: Record<string, unknown>, reason = 'SIZE_OR_FIT', condition = 'AS_NEW') => ({
  orderId,
  channel: { channelId: 'web-de', kind: 'WEB' },
  lines: [{ lineId: 'L1', quantity: '1', reason, condition, exchangeFor: { sku: 'SHIRT-L', name: 'Linen shirt L', quantity: '1', ...exchangeFor } }],
});
const receiveResellable = (returnId: string) => post(`/returns/${returnId}/receipts`, warehouse, { location: { locationId: 'wh-central', locationType: 'WAREHOUSE' }, lines: [{ lineId: 'L1', units: [{ disposition: 'RESELLABLE' }] }] });

describe('an exchange for another size', () => {
  it('at the same price: the replacement is ordered at once under its id, once under a redelivered request, and no money moves at receipt', async () => {
    const orderId = await deliveredShirt();
    const key = randomUUID();
    const requested = await post('/returns', web, exchangeRequest(orderId, {}), key);
    expect(requested.status).toBe(201);
    const { returnId } = requested.body;
    expect(requested.body).toMatchObject({
      status: 'authorized',
      lines: [{ lineId: 'L1', refundDue: 0 }],
      exchange: { state: 'replacement-ordered', credit: eur(2995), replacementTotal: eur(2995), amountToCharge: eur(0), amountToRefund: eur(0), lines: [{ returnedSku: 'SHIRT-M', sku: 'SHIRT-L', quantity: '1', unitPrice: eur(2995) }] },
    });
    const [exchange] = await recorder.waitFor(returnId, ExchangeRequested.type);
    expect(exchange.value).toMatchObject({
      exchangeId: requested.body.exchange.exchangeId,
      replacementOrderId: requested.body.exchange.replacementOrderId,
      orderId,
      rmaNumber: requested.body.rmaNumber,
      lines: [{ returnedLineId: 'L1', returnedSku: 'SHIRT-M', returnedQuantity: { milli: 1000 }, credit: eur(2995), sku: 'SHIRT-L', name: 'Linen shirt L', quantity: { milli: 1000 }, unitPrice: eur(2995), total: eur(2995) }],
      amountToCharge: eur(0),
      amountToRefund: eur(0),
    });
    // The same request again (the channel retried): the first answer, no second exchange.
    const again = await post('/returns', web, exchangeRequest(orderId, {}), key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.exchange.replacementOrderId).toBe(requested.body.exchange.replacementOrderId);
    await recorder.waitFor(returnId, ReturnAuthorized.type);
    expect(recorder.of(returnId, ExchangeRequested.type)).toHaveLength(1);

    const received = await receiveResellable(returnId);
    expect(received.status).toBe(201);
    expect(received.body).toMatchObject({ status: 'received', refundStatus: 'none', refunds: [] });
    expect(received.body.timeline.map((entry: any) => entry.what)).toEqual(['requested', 'authorized', 'exchange requested', 'replacement ordered', 'received']);
    expect(received.body.timeline[2].detail).toMatch(/same price: no money moves/);
    expect(recorder.of(orderId, RefundPayment.type)).toHaveLength(0);
  });

  it('for a cheaper replacement: the difference is refunded at receipt, to the cent and without restocking fee', async () => {
    const orderId = await deliveredShirt();
    const requested = await post('/returns', web, exchangeRequest(orderId, { unitPrice: eur(1999) }));
    expect(requested.status).toBe(201);
    const { returnId } = requested.body;
    expect(requested.body).toMatchObject({ lines: [{ refundDue: 996 }], exchange: { replacementTotal: eur(1999), amountToCharge: eur(0), amountToRefund: eur(996) } });
    const [exchange] = await recorder.waitFor(returnId, ExchangeRequested.type);
    expect(exchange.value).toMatchObject({ replacementTotal: eur(1999), amountToRefund: eur(996) });

    const received = await receiveResellable(returnId);
    expect(received.body).toMatchObject({ refundStatus: 'pending' });
    const [refund] = await recorder.waitFor(orderId, RefundPayment.type);
    expect(refund.value).toMatchObject({ orderId, returnId, amount: eur(996) });
    // 29.95 carried 4.78 VAT: the 9.96 back carries 4.78 × 996 / 2995 = 1.59.
    const issued = { refundId: refund.value.refundId, paymentId: `pay-${orderId}`, orderId, companyId: refund.value.companyId, returnId, gateway: 'retail-sim', gatewayReference: 're_x', method: 'CARD' as const, amount: eur(996), reason: 'return received', occurredAt: new Date() };
    await publish(RefundIssued, issued);
    await publish(RefundIssued, issued);
    const [refunded] = await recorder.waitFor(returnId, ReturnRefunded.type);
    expect(refunded.value).toMatchObject({ total: eur(996), lines: [{ lineId: 'L1', amount: eur(996), tax: eur(159) }] });
    await waitFor(async () => (await getReturn(returnId)).refundStatus === 'refunded', { what: 'the difference refunded' });
    expect(recorder.of(returnId, ReturnRefunded.type)).toHaveLength(1);
  });

  it('for a dearer replacement: the customer is charged the difference by the replacement order, and nothing is refunded at receipt', async () => {
    const orderId = await deliveredShirt();
    const requested = await post('/returns', web, exchangeRequest(orderId, { unitPrice: eur(3499) }));
    const { returnId } = requested.body;
    expect(requested.body).toMatchObject({ lines: [{ refundDue: 0 }], exchange: { credit: eur(2995), replacementTotal: eur(3499), amountToCharge: eur(504), amountToRefund: eur(0) } });
    const [exchange] = await recorder.waitFor(returnId, ExchangeRequested.type);
    expect(exchange.value).toMatchObject({ amountToCharge: eur(504), amountToRefund: eur(0) });
    const received = await receiveResellable(returnId);
    expect(received.body).toMatchObject({ status: 'received', refundStatus: 'none', refunds: [] });
  });

  it('whose replacement order is cancelled (inventory could not hold it) falls through: the return is refunded in full, without fee, once', async () => {
    const orderId = await deliveredShirt();
    const requested = await post('/returns', web, exchangeRequest(orderId, { unitPrice: eur(3499) }));
    const { returnId, exchange } = requested.body;
    const cancelled = { orderId: exchange.replacementOrderId, companyId: 'omnibus-retail', reason: 'OUT_OF_STOCK' as const, note: null, cancelledBy: 'system', occurredAt: new Date() };
    await publish(OrderCancelled, cancelled);
    await publish(OrderCancelled, { ...cancelled, occurredAt: new Date() }); // replayed under a new event id
    const fellThrough = await waitFor(async () => {
      const current = await getReturn(returnId);
      return current.exchange.state === 'replacement-cancelled' ? current : undefined;
    }, { what: 'the exchange to fall through' });
    expect(fellThrough.lines).toEqual([expect.objectContaining({ lineId: 'L1', refundDue: 2995 })]);
    // Both deliveries taken in (the only OrderCancelled this file publishes): the second changed nothing.
    await waitFor(async () => (await handled(OrderCancelled.type)) >= 2, { what: 'both OrderCancelled handled' });
    const received = await receiveResellable(returnId);
    expect(received.body.timeline.filter((entry: any) => entry.what === 'replacement cancelled')).toHaveLength(1);
    const [refund] = await recorder.waitFor(orderId, RefundPayment.type);
    expect(refund.value).toMatchObject({ returnId, amount: eur(2995) });
  });

  it('in review: the replacement is ordered only once an operator approves, and never when refused', async () => {
    const orderId = await deliveredShirt();
    const requested = await post('/returns', web, exchangeRequest(orderId, {}, 'SIZE_OR_FIT', 'OPENED'));
    expect(requested.status).toBe(201);
    const { returnId } = requested.body;
    expect(requested.body).toMatchObject({ status: 'review', exchange: { state: 'awaiting-review', amountToCharge: eur(0), amountToRefund: eur(0) } });
    const approved = await post(`/returns/${returnId}/approve`, operator, { note: 'photos fine' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'authorized', exchange: { state: 'replacement-ordered' } });
    const [exchange] = await recorder.waitFor(returnId, ExchangeRequested.type);
    expect(exchange.value).toMatchObject({ replacementOrderId: requested.body.exchange.replacementOrderId, orderId });
    expect(approved.body.timeline.map((entry: any) => entry.what)).toEqual(['requested', 'sent to review', 'exchange requested', 'authorized', 'replacement ordered']);

    const other = await post('/returns', web, exchangeRequest(await deliveredShirt(), {}, 'SIZE_OR_FIT', 'OPENED'));
    const refused = await post(`/returns/${other.body.returnId}/reject`, operator, { note: 'worn, not just opened' });
    expect(refused.body).toMatchObject({ status: 'rejected', exchange: { state: 'refused' } });
    // ReturnRejected follows the request in the outbox: once it is out, no ExchangeRequested came before it.
    await recorder.waitFor(other.body.returnId, 'com.omnibus.returns.ReturnRejected');
    expect(recorder.of(other.body.returnId, ExchangeRequested.type)).toHaveLength(0);
  });

  it('is refused for a reason the policy does not exchange for, and nothing is ordered', async () => {
    const orderId = await deliveredShirt();
    const refused = await post('/returns', web, exchangeRequest(orderId, {}, 'DEFECTIVE'));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ rule: 'exchange', message: expect.stringMatching(/cannot be exchanged for reason DEFECTIVE/) });
    expect(refused.body.return).toMatchObject({ status: 'rejected', exchange: null });
    const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM return_exchanges WHERE return_id = $1`, [refused.body.returnId]);
    expect(count).toBe(0);
  });
});
