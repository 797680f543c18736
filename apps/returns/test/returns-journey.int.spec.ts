// The returns service end to end on the real Kafka and PostgreSQL, in this process, with topics and a
// database of its own. The test plays the other services: it publishes the order service's
// OrderPlaced, shipments, captures and refund answers and the odoo-adapter's results, and asserts
// what returns publishes and answers over HTTP.
import {
  CreateCreditNote,
  CreateReturnPicking,
  OdooCommandFailed,
  OdooCommandSucceeded,
  OrderCompleted,
  OrderLineSubstituted,
  OrderPlaced,
  PaymentCaptured,
  RefundFailed,
  RefundIssued,
  RefundPayment,
  ReturnAuthorized,
  ReturnDispositioned,
  ReturnReceived,
  ReturnRefunded,
  ReturnRejected,
  ReturnRequested,
  sampleOrderPlaced,
  ShipmentDelivered,
  ShipmentDispatched,
} from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, PublishedRecord, startSchemaRegistry } from '@omnibus/messaging/testing';
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
const consumer = uniqueName('returns-journey');
const DAY = 24 * 3600_000;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

let registry: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let service: TestService<ReturnsConfig>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let db: DataSource;
let web: string;
let store: string;
let warehouse: string;
let operator: string;
/** Everything this test published, to replay it at the end. */
const published: PublishedRecord[] = [];

beforeAll(async () => {
  [registry, { topics }] = await Promise.all([startSchemaRegistry('returns_journey'), createUniqueTopics(CATALOGUE_TOPICS, [consumer])]);
  [service, recorder, publisher] = await Promise.all([
    startTestService(returnsService, {
      SCHEMA_REGISTRY_URL: registry.url,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      RETURNS_CONSUMER_SERVICE: consumer,
      RETURNS_POLICY_DIR: path.join(__dirname, 'policies'),
    }) as Promise<TestService<ReturnsConfig>>,
    EventRecorder.start([topics['retail.returns'], topics['payments.commands'], topics['odoo.commands']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  db = service.app.get(DataSource);
  [web, store, warehouse, operator] = await Promise.all([
    issueToken({ sub: 'channel:web-de', scopes: ['returns:write', 'returns:read'], channel: 'web-de' }),
    issueToken({ sub: 'channel:store-berlin', scopes: ['returns:write', 'returns:read', 'returns:receive'], channel: 'store-berlin' }),
    issueToken({ sub: 'system:wms', scopes: ['returns:receive', 'returns:read'] }),
    issueToken({ sub: 'operator:alice', scopes: ['returns:review', 'returns:read'] }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), service?.stop()]);
  await registry?.stop();
});

async function publish<T>(contract: { topic: string } & Parameters<EventPublisher['publish']>[0], payload: T): Promise<void> {
  published.push(await publisher.publish(contract as any, payload as any, (topics as Record<string, string>)[contract.topic]));
}

/** What the consumer group took in so far (every outcome): the replay waits for it to take in what was sent again. */
async function consumed(eventType?: string, outcome?: string): Promise<number> {
  const values = (await metricsRegistry.getSingleMetric('omnibus_consumer_events_total')?.get())?.values ?? [];
  return values
    .filter(({ labels }) => labels.consumer_group === consumer && (eventType === undefined || labels.event_type === eventType) && (outcome === undefined || labels.outcome === outcome))
    .reduce((sum, value) => sum + value.value, 0);
}

const post = async (url: string, token: string, body: unknown, key: string = randomUUID()) => {
  const response = await service.request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
};
const getReturn = async (returnId: string, token = operator) => (await (await service.request(`/returns/${returnId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;

/**
 * A web order of three lines with an order discount, shipped in two parcels from two locations and
 * delivered `deliveredDaysAgo` days ago, captured in full:
 * L1 APP-100 2 × 29.95 (VAT 9.56), L2 SHOE-200 1 × 29.90 (VAT 4.77), L3 HYG-300 1 × 5.00 (VAT 0.80), voucher 10.00.
 */
async function shippedOrder(deliveredDaysAgo = 2, channelId = 'web-de'): Promise<{ orderId: string }> {
  const orderId = uuidv7();
  const sample = sampleOrderPlaced(1);
  const line = (lineId: string, sku: string, units: number, unitPrice: number, tax: number) => ({
    lineId, sku, name: sku, quantity: { milli: units * 1000 }, unitPrice: eur(unitPrice), discount: eur(0), tax: eur(tax), taxCode: 'DE-VAT-19', total: eur(units * unitPrice),
  });
  const lines = [line('L1', 'APP-100', 2, 2995, 956), line('L2', 'SHOE-200', 1, 2990, 477), line('L3', 'HYG-300', 1, 500, 80)];
  const placedAt = new Date(Date.now() - (deliveredDaysAgo + 3) * DAY);
  await publish(OrderPlaced, {
    ...sample,
    orderId,
    channelOrderRef: `WEB-${orderId.slice(-8)}`,
    channel: { channelId, kind: 'WEB' },
    lines,
    totals: { linesTotal: eur(9480), shipping: eur(495), orderDiscount: eur(1000), tax: eur(1513), grandTotal: eur(8975) },
    placedAt,
    occurredAt: placedAt,
  });
  const parcels = [
    { shipmentId: `S1-${orderId}`, from: 'wh-central', lines: [{ lineId: 'L1', sku: 'APP-100', milli: 1000 }, { lineId: 'L3', sku: 'HYG-300', milli: 1000 }] },
    { shipmentId: `S2-${orderId}`, from: 'store-hamburg', lines: [{ lineId: 'L1', sku: 'APP-100', milli: 1000 }, { lineId: 'L2', sku: 'SHOE-200', milli: 1000 }] },
  ];
  for (const [index, parcel] of parcels.entries()) {
    const dispatchedAt = new Date(Date.now() - (deliveredDaysAgo + 2) * DAY);
    await publish(ShipmentDispatched, {
      shipmentId: parcel.shipmentId,
      orderId,
      companyId: sample.companyId,
      fromLocation: { locationId: parcel.from, locationType: parcel.from.startsWith('wh') ? 'WAREHOUSE' : 'STORE' },
      lines: parcel.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: { milli: l.milli }, unitCost: null })),
      finalShipment: index === 1,
      carrier: 'dhl',
      trackingNumber: null,
      trackingUrl: null,
      shipTo: null,
      occurredAt: dispatchedAt,
    });
    await publish(ShipmentDelivered, {
      shipmentId: parcel.shipmentId, orderId, companyId: sample.companyId, carrier: 'dhl', trackingNumber: null, receivedBy: null, proofOfDeliveryUrl: null,
      occurredAt: new Date(Date.now() - (deliveredDaysAgo + index * 0.1) * DAY),
    });
  }
  await publish(PaymentCaptured, {
    paymentId: `pay-${orderId}`, orderId, companyId: sample.companyId, captureId: `cap-${orderId}`, gateway: 'retail-sim', gatewayReference: `ch_${orderId}`, method: 'CARD', amount: eur(8975), shipmentId: null, finalCapture: true,
    occurredAt: new Date(Date.now() - deliveredDaysAgo * DAY),
  });
  // Returns knows the order once both deliveries and the capture are in its projection.
  await waitFor(
    async () => {
      const [row] = await db.query(
        `SELECT (SELECT count(*)::int FROM returns_shipments WHERE order_id = $1 AND delivered_at IS NOT NULL AND from_location_id <> '') AS delivered,
                (SELECT count(*)::int FROM returns_orders WHERE order_id = $1) AS orders, (SELECT count(*)::int FROM returns_captures WHERE order_id = $1) AS captures`,
        [orderId],
      );
      return row.delivered === 2 && row.orders === 1 && row.captures === 1;
    },
    { timeoutMs: 20_000, what: `order ${orderId} in the returns projection` },
  );
  return { orderId };
}

const returnRequest = (orderId: string, lines: Array<{ lineId: string; quantity: string; reason?: string }>) => ({
  orderId,
  channel: { channelId: 'web-de', kind: 'WEB' },
  lines: lines.map((line) => ({ reason: 'SIZE_OR_FIT', ...line })),
});

/** A refusal: 422 with the rule, ReturnRequested + ReturnRejected published, and nothing held, authorised or refunded. */
async function expectRefused(orderId: string, lines: Array<{ lineId: string; quantity: string }>, rule: string, reason: RegExp) {
  const refused = await post('/returns', web, returnRequest(orderId, lines));
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ rule, message: expect.stringMatching(reason), policyId: 'acme-test', policyVersion: 2 });
  const { returnId } = refused.body;
  const [rejected] = await recorder.waitFor(returnId, ReturnRejected.type);
  expect(rejected.value).toMatchObject({ orderId, rule, policyId: 'acme-test', policyVersion: 2, reason: expect.stringMatching(reason) });
  expect(recorder.of(returnId, ReturnRequested.type)).toHaveLength(1);
  expect(recorder.of(returnId, ReturnAuthorized.type)).toHaveLength(0);
  expect(await getReturn(returnId)).toMatchObject({ status: 'rejected', rule, refundStatus: 'none', receipts: [], refunds: [] });
  return returnId;
}

describe('a partial return of a two-shipment order, received at another store', () => {
  let orderId: string;
  let returnId: string;

  beforeAll(async () => {
    ({ orderId } = await shippedOrder());
  });

  it('is authorised by the policy in force, with the refund due to the cent', async () => {
    const key = randomUUID();
    const requested = await post('/returns', web, returnRequest(orderId, [{ lineId: 'L1', quantity: '2' }]), key);
    expect(requested.status).toBe(201);
    returnId = requested.body.returnId;
    expect(requested.headers.get('location')).toBe(`/returns/${returnId}`);
    // L1 paid: 59.90 − its share of the 10.00 voucher (6.32; the shares 6.32 + 3.15 + 0.53 make 10.00) = 53.58; 10 % fee 5.36 → 48.22.
    expect(requested.body).toMatchObject({ status: 'authorized', policy: { policyId: 'acme-test', version: 2 }, lines: [{ lineId: 'L1', quantity: '2', refundDue: 4822 }] });
    const [authorized] = await recorder.waitFor(returnId, ReturnAuthorized.type);
    expect(authorized.value).toMatchObject({ orderId, policyId: 'acme-test', rmaNumber: requested.body.rmaNumber, lines: [{ lineId: 'L1', sku: 'APP-100', quantity: { milli: 2000 }, refundAmount: eur(4822) }] });
    const [asked] = await recorder.waitFor(returnId, ReturnRequested.type);
    expect(asked.value.lines).toEqual([expect.objectContaining({ lineId: 'L1', unitPricePaid: eur(2679), reason: 'SIZE_OR_FIT' })]);

    // The same request again under its key is the same return, not a second one.
    const again = await post('/returns', web, returnRequest(orderId, [{ lineId: 'L1', quantity: '2' }]), key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.returnId).toBe(returnId);
    expect((await post('/returns', web, returnRequest(orderId, [{ lineId: 'L1', quantity: '1' }]), key)).status).toBe(409);
  });

  it('a second return of the same units is refused with the reason, and holds nothing', async () => {
    await expectRefused(orderId, [{ lineId: 'L1', quantity: '1' }], 'already-returned', /2 of the 2 shipped are already being returned/);
  });

  it('at another store: one unit back to stock there, one damaged; the Odoo return picking scraps the damaged one; one refund of the policy amount', async () => {
    const receipt = await post(`/returns/${returnId}/receipts`, store, {
      location: { locationId: 'store-berlin', locationType: 'STORE' },
      lines: [{ lineId: 'L1', units: [{ disposition: 'RESELLABLE' }, { disposition: 'DAMAGED' }] }],
    });
    expect(receipt.status).toBe(201);
    expect(receipt.body).toMatchObject({ status: 'received', refundStatus: 'pending', lines: [{ lineId: 'L1', arrived: '2' }] });

    const [received] = await recorder.waitFor(returnId, ReturnReceived.type);
    expect(received.value).toMatchObject({ location: { locationId: 'store-berlin', locationType: 'STORE' } });
    expect(received.value.lines).toEqual([
      { lineId: 'L1', sku: 'APP-100', quantity: { milli: 1000 }, condition: 'AS_NEW' },
      { lineId: 'L1', sku: 'APP-100', quantity: { milli: 1000 }, condition: 'DAMAGED' },
    ]);
    const [dispositioned] = await recorder.waitFor(returnId, ReturnDispositioned.type);
    expect(dispositioned.value.location).toEqual({ locationId: 'store-berlin', locationType: 'STORE' });
    const restocked = dispositioned.value.lines.filter((line: any) => line.disposition === 'RESTOCK');
    expect(restocked).toEqual([{ lineId: 'L1', sku: 'APP-100', quantity: { milli: 1000 }, disposition: 'RESTOCK', unitCost: null }]);
    expect(dispositioned.value.lines.filter((line: any) => line.disposition !== 'RESTOCK')).toEqual([expect.objectContaining({ disposition: 'DAMAGED', quantity: { milli: 1000 } })]);

    const [picking] = await recorder.waitFor(returnId, CreateReturnPicking.type);
    expect(picking.value).toMatchObject({
      orderId,
      toLocation: { locationId: 'store-berlin', locationType: 'STORE' },
      lines: [{ lineId: 'L1', sku: 'APP-100', quantity: { milli: 2000 } }],
      scrapLines: [{ lineId: 'L1', sku: 'APP-100', quantity: { milli: 1000 } }],
    });
    // Both units accepted: 53.58 less the 10 % fee 5.36 = 48.22.
    const [refund] = await recorder.waitFor(orderId, RefundPayment.type);
    expect(refund.value).toMatchObject({ orderId, returnId, amount: eur(4822) });
    expect(refund.value.commandId).toBe(refund.value.refundId);

    // The gateway's webhook arrives three times: the connector publishes RefundIssued each time (the worst case).
    const issued = { refundId: refund.value.refundId, paymentId: `pay-${orderId}`, orderId, companyId: refund.value.companyId, returnId, gateway: 'retail-sim', gatewayReference: 're_1', method: 'CARD' as const, amount: eur(4822), reason: 'return received', occurredAt: new Date() };
    for (let delivery = 0; delivery < 3; delivery++) await publish(RefundIssued, issued);
    const [refunded] = await recorder.waitFor(returnId, ReturnRefunded.type);
    expect(refunded.value).toMatchObject({ refundId: refund.value.refundId, total: eur(4822), shippingRefund: eur(0), lines: [{ lineId: 'L1', sku: 'APP-100', quantity: { milli: 2000 }, amount: eur(4822), tax: eur(769), taxCode: 'DE-VAT-19' }] });
    const [creditNote] = await recorder.waitFor(returnId, CreateCreditNote.type);
    expect(creditNote.value).toMatchObject({ orderId, refundId: refund.value.refundId, total: eur(4822), lines: refunded.value.lines });
    // All three confirmations taken in (handled, not retried), and the refund settled.
    await waitFor(async () => (await consumed(RefundIssued.type, 'handled')) >= 3, { what: 'the three RefundIssued to be handled' });
    expect((await getReturn(returnId)).refundStatus).toBe('refunded');

    // The adapter's answers: the return picking and the credit note exist in Odoo.
    for (const [command, model, id] of [[picking, 'stock.picking', 71], [creditNote, 'account.move', 72]] as const) {
      await publish(OdooCommandSucceeded, { commandId: command.value.commandId, commandType: command.type, aggregateId: returnId, companyId: command.value.companyId, odooModel: model, odooRecordId: id, odooRecordName: null, alreadyApplied: false, attempts: 1, occurredAt: new Date() });
    }
    const settled = await waitFor(async () => {
      const current = await getReturn(returnId);
      return current.odoo.every((command: any) => command.status === 'succeeded') ? current : undefined;
    }, { what: 'the Odoo records of the return' });
    expect(settled.odoo.map((command: any) => [command.commandType, command.odooRecordId])).toEqual([[CreateReturnPicking.type, 71], [CreateCreditNote.type, 72]]);
    expect(settled.refunds).toEqual([expect.objectContaining({ status: 'issued', amount: eur(4822), gatewayReference: 're_1' })]);
    expect(settled.timeline.map((entry: any) => entry.what)).toEqual(['requested', 'authorized', 'received', 'refund requested', 'refunded', 'return picking in Odoo', 'credit note in Odoo']);
    // Exactly one of each, whatever was delivered twice.
    expect(recorder.of(orderId, RefundPayment.type)).toHaveLength(1);
    expect(recorder.of(returnId, ReturnRefunded.type)).toHaveLength(1);
    expect(recorder.of(returnId, CreateCreditNote.type)).toHaveLength(1);
    expect(recorder.of(returnId, CreateReturnPicking.type)).toHaveLength(1);
  });

  it('a second receipt of a fully received return is a conflict; a token bound to another channel cannot read it', async () => {
    const again = await post(`/returns/${returnId}/receipts`, warehouse, { location: { locationId: 'wh-central', locationType: 'WAREHOUSE' }, lines: [{ lineId: 'L1', units: [{ disposition: 'RESELLABLE' }] }] });
    expect(again.status).toBe(409);
    const other = await issueToken({ sub: 'channel:web-us', scopes: ['returns:read'], channel: 'web-us' });
    expect((await service.request(`/returns/${returnId}`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(403);
  });
});

describe('refusals, each with its rule and reason, nothing half-written', () => {
  it('outside the return window', async () => {
    const { orderId } = await shippedOrder(45);
    await expectRefused(orderId, [{ lineId: 'L2', quantity: '1' }], 'window', /30-day return window of line L2 closed/);
  });

  it('a non-returnable item, more than was shipped; afterwards the shipped units can still be returned', async () => {
    const { orderId } = await shippedOrder();
    await expectRefused(orderId, [{ lineId: 'L1', quantity: '1' }, { lineId: 'L3', quantity: '1' }], 'non-returnable', /HYG-300 \(line L3\) cannot be returned \(category hygiene\)/);
    await expectRefused(orderId, [{ lineId: 'L2', quantity: '2' }], 'more-than-shipped', /line L2: 2 asked back, 1 shipped/);
    const fine = await post('/returns', web, returnRequest(orderId, [{ lineId: 'L1', quantity: '2' }, { lineId: 'L2', quantity: '1' }]));
    expect(fine.status).toBe(201);
    // L2 paid 29.90 − 3.15 = 26.75, fee 2.68 (half up) → 24.07.
    expect(fine.body.lines).toEqual([expect.objectContaining({ lineId: 'L1', refundDue: 4822 }), expect.objectContaining({ lineId: 'L2', refundDue: 2407 })]);

    // Received in two parcels at the warehouse; the gateway refuses the first refund: recorded, no ReturnRefunded, no credit note.
    const returnId = fine.body.returnId;
    const first = await post(`/returns/${returnId}/receipts`, warehouse, { location: { locationId: 'wh-central', locationType: 'WAREHOUSE' }, lines: [{ lineId: 'L2', units: [{ disposition: 'RESELLABLE' }] }, { lineId: 'L1', units: [{ disposition: 'MISSING', quantity: '2' }] }] });
    expect(first.body).toMatchObject({ status: 'partially_received', refundStatus: 'pending', lines: [{ lineId: 'L1', arrived: '0' }, { lineId: 'L2', arrived: '1' }] });
    expect((await post(`/returns/${returnId}/receipts`, warehouse, { location: { locationId: 'wh-central', locationType: 'WAREHOUSE' }, lines: [{ lineId: 'L2', units: [{ disposition: 'RESELLABLE' }] }] })).body).toMatchObject({ rule: 'more-than-authorised' });
    const [refund] = await recorder.waitFor(orderId, RefundPayment.type);
    expect(refund.value.amount).toEqual(eur(2407));
    await publish(RefundFailed, { refundId: refund.value.refundId, orderId, companyId: refund.value.companyId, returnId, gateway: 'retail-sim', amount: eur(2407), reason: 'card expired', occurredAt: new Date() });
    await waitFor(async () => (await getReturn(returnId)).refundStatus === 'failed', { what: 'the refund to be failed' });
    const second = await post(`/returns/${returnId}/receipts`, warehouse, { location: { locationId: 'wh-central', locationType: 'WAREHOUSE' }, lines: [{ lineId: 'L1', units: [{ disposition: 'RESELLABLE', quantity: '2' }] }] });
    expect(second.body).toMatchObject({ status: 'received', refundStatus: 'failed', refunds: [{ status: 'failed', failureReason: 'card expired' }, { status: 'pending', amount: eur(4822) }] });
    expect(recorder.of(returnId, ReturnRefunded.type)).toHaveLength(0);
  });

  it('bad input is a 400 naming the field; an unknown order 404; another channel’s order 403', async () => {
    const bad = await post('/returns', web, { orderId: 'x', channel: { channelId: 'web-de', kind: 'WEB' }, lines: [{ lineId: 'L1', quantity: '0', reason: 'SIZE_OR_FIT' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'lines.0.quantity' })]);
    expect((await post('/returns', web, returnRequest(uuidv7(), [{ lineId: 'L1', quantity: '1' }]))).status).toBe(404);
    const { orderId } = await shippedOrder();
    const elsewhere = await post('/returns', await issueToken({ sub: 'channel:web-us', scopes: ['returns:write'], channel: 'web-us' }), { ...returnRequest(orderId, [{ lineId: 'L1', quantity: '1' }]), channel: { channelId: 'web-us', kind: 'WEB' } });
    expect(elsewhere.status).toBe(403);
    expect((await post('/returns', operator, returnRequest(orderId, [{ lineId: 'L1', quantity: '1' }]))).status).toBe(403);
    expect((await service.request('/returns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await post('/returns', web, returnRequest(orderId, [{ lineId: 'L1', quantity: '1' }]), '')).status).toBe(400);
  });
});

describe('a substituted line', () => {
  it('is returned as what was sent, at the substitute’s price', async () => {
    const { orderId } = await shippedOrder();
    const original = { lineId: 'L2', sku: 'SHOE-200', name: 'SHOE-200', quantity: { milli: 1000 }, unitPrice: eur(2990), discount: eur(0), tax: eur(477), taxCode: 'DE-VAT-19', total: eur(2990) };
    const substitute = { ...original, sku: 'SHOE-201', name: 'SHOE-201', unitPrice: eur(2490), tax: eur(398), total: eur(2490) };
    await publish(OrderLineSubstituted, { orderId, companyId: 'acme-de', originalLine: original, substituteLine: substitute, reason: 'OUT_OF_STOCK', customerApproved: true, occurredAt: new Date() });
    await waitFor(async () => (await db.query(`SELECT 1 FROM returns_orders WHERE order_id = $1 AND document->'lines'->1->>'sku' = 'SHOE-201'`, [orderId])).length === 1, { what: 'the substitution' });
    const asked = await post('/returns', web, returnRequest(orderId, [{ lineId: 'L2', quantity: '1' }]));
    // The voucher shared over 59.90 / 24.90 / 5.00: L2's share 2.77, so 22.13; 10 % fee 2.21 → 19.92.
    expect(asked.body).toMatchObject({ status: 'authorized', lines: [{ lineId: 'L2', sku: 'SHOE-201', refundDue: 1992 }] });
    await recorder.waitFor(asked.body.returnId, ReturnAuthorized.type);
  });
});

describe('a policy that refunds on the first carrier scan', () => {
  it('refunds what was authorised at the first scan, once; the receipt then moves stock only', async () => {
    const { orderId } = await shippedOrder(2, 'web-fr');
    const shop = await issueToken({ sub: 'channel:web-fr', scopes: ['returns:write', 'returns:read'], channel: 'web-fr' });
    const carrier = await issueToken({ sub: 'carrier:dhl', scopes: ['returns:scan'] });
    const asked = await post('/returns', shop, { ...returnRequest(orderId, [{ lineId: 'L1', quantity: '1' }]), channel: { channelId: 'web-fr', kind: 'WEB' } });
    expect(asked.body).toMatchObject({ status: 'authorized', policy: { policyId: 'web-fr-first-scan', version: 1 }, lines: [{ refundDue: 2679 }] });
    const returnId = asked.body.returnId;
    const scanned = await post(`/returns/${returnId}/scans`, carrier, { carrier: 'dhl', trackingNumber: 'RET-1' });
    expect(scanned.status).toBe(201);
    expect(scanned.body).toMatchObject({ refundStatus: 'pending', refunds: [{ receiptId: null, amount: eur(2679) }] });
    // Half of L1's 53.58, no fee.
    const [refund] = await recorder.waitFor(orderId, RefundPayment.type);
    expect(refund.value).toMatchObject({ returnId, amount: eur(2679) });
    expect((await post(`/returns/${returnId}/scans`, carrier, { carrier: 'dhl', trackingNumber: 'RET-1' })).status).toBe(200);
    const received = await post(`/returns/${returnId}/receipts`, warehouse, { location: { locationId: 'wh-central', locationType: 'WAREHOUSE' }, lines: [{ lineId: 'L1', units: [{ disposition: 'RESELLABLE' }] }] });
    expect(received.body).toMatchObject({ status: 'received', refunds: [{ receiptId: null }] });
    await recorder.waitFor(returnId, ReturnDispositioned.type);
    expect(recorder.of(orderId, RefundPayment.type)).toHaveLength(1);
  });
});

describe('an anonymous sale at a till', () => {
  it('is returned in store by its receipt number: the hand-over counts as shipped when the order completes', async () => {
    const orderId = uuidv7();
    const sample = sampleOrderPlaced(1);
    const receiptNumber = `POS-${orderId.slice(-8)}`;
    await publish(OrderPlaced, {
      ...sample,
      orderId,
      channelOrderRef: receiptNumber,
      channel: { channelId: 'store-hamburg', kind: 'STORE' },
      customer: { customerId: null, name: 'Walk-in', email: null, phone: null },
      shippingAddress: null,
      fulfilment: { ...sample.fulfilment, mode: 'IN_STORE_HANDOVER', pickupLocationId: 'store-hamburg' },
      placedAt: new Date(),
      occurredAt: new Date(),
    });
    await publish(OrderCompleted, { orderId, companyId: sample.companyId, capturedTotal: sample.totals.grandTotal, shipmentCount: 1, occurredAt: new Date() });
    await waitFor(async () => (await db.query(`SELECT 1 FROM returns_shipments WHERE shipment_id = $1`, [`till:${orderId}`])).length === 1, { what: 'the till hand-over' });
    const asked = await post('/returns', store, {
      receipt: { channelId: 'store-hamburg', receiptNumber },
      channel: { channelId: 'store-berlin', kind: 'STORE' },
      storeLocationId: 'store-berlin',
      lines: [{ lineId: 'L1', quantity: '1', reason: 'NO_LONGER_NEEDED' }],
    });
    expect(asked.status).toBe(201);
    // One line of 84.99 (VAT 14.37), one unit back: 84.99 less the 10 % fee 8.50 = 76.49.
    expect(asked.body).toMatchObject({ orderId, status: 'authorized', lines: [{ lineId: 'L1', refundDue: 7649 }] });
    expect((await post('/returns', store, { receipt: { channelId: 'store-hamburg', receiptNumber: 'POS-none' }, channel: { channelId: 'store-berlin', kind: 'STORE' }, storeLocationId: 'store-berlin', lines: [{ lineId: 'L1', quantity: '1', reason: 'OTHER' }] })).status).toBe(404);
  });
});

describe('review by an operator', () => {
  it('a reason that needs inspection goes to review; the operator approves it, audited; in store, by receipt number', async () => {
    const { orderId } = await shippedOrder();
    const [order] = await db.query(`SELECT channel_order_ref FROM returns_orders WHERE order_id = $1`, [orderId]);
    const asked = await post('/returns', store, {
      receipt: { channelId: 'web-de', receiptNumber: order.channel_order_ref },
      channel: { channelId: 'store-berlin', kind: 'STORE' },
      storeLocationId: 'store-berlin',
      refundMethod: 'STORE_CREDIT',
      lines: [{ lineId: 'L2', quantity: '1', reason: 'DEFECTIVE', condition: 'DEFECTIVE' }],
    });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ status: 'review', orderId });
    const returnId = asked.body.returnId;
    expect((await post(`/returns/${returnId}/receipts`, store, { location: { locationId: 'store-berlin', locationType: 'STORE' }, lines: [{ lineId: 'L2', units: [{ disposition: 'VENDOR_RETURN' }] }] })).status).toBe(409);
    expect((await post(`/returns/${returnId}/approve`, store, {})).status).toBe(403);
    const approved = await post(`/returns/${returnId}/approve`, operator, { note: 'photo shows a broken sole' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'authorized', decidedBy: 'operator:alice' });
    await recorder.waitFor(returnId, ReturnAuthorized.type);
    expect((await post(`/returns/${returnId}/reject`, operator, {})).status).toBe(409);

    // Store credit: no gateway call; refunded at the receipt, with the credit note. L2 paid 29.90 − 3.15 = 26.75, fee 2.68 → 24.07.
    const receipt = await post(`/returns/${returnId}/receipts`, store, { location: { locationId: 'store-berlin', locationType: 'STORE' }, lines: [{ lineId: 'L2', units: [{ disposition: 'DAMAGED', condition: 'DEFECTIVE' }] }] });
    expect(receipt.body).toMatchObject({ status: 'received', refundStatus: 'refunded', refunds: [{ method: 'STORE_CREDIT', status: 'issued', amount: eur(2407) }] });
    const [refunded] = await recorder.waitFor(returnId, ReturnRefunded.type);
    expect(refunded.value.total).toEqual(eur(2407));
    const [creditNote] = await recorder.waitFor(returnId, CreateCreditNote.type);
    expect(recorder.of(orderId, RefundPayment.type)).toHaveLength(0);
    // Odoo refuses the credit note: recorded on the return for an operator, once.
    const refusal = { commandId: creditNote.value.commandId, commandType: CreateCreditNote.type, aggregateId: returnId, companyId: creditNote.value.companyId, failure: 'VALIDATION' as const, retryable: false, errorMessage: 'no posted invoice to credit', odooErrorName: null, attempts: 1, occurredAt: new Date() };
    await publish(OdooCommandFailed, refusal);
    await publish(OdooCommandFailed, refusal);
    await waitFor(async () => (await consumed(OdooCommandFailed.type, 'handled')) >= 2, { what: 'both refusals to be handled' });
    const refused = await getReturn(returnId);
    expect(refused.odoo).toEqual(expect.arrayContaining([expect.objectContaining({ commandType: CreateCreditNote.type, status: 'failed', detail: 'VALIDATION: no posted invoice to credit' })]));
    expect(refused.timeline.filter((entry: any) => entry.what === 'CreateCreditNote failed in Odoo')).toHaveLength(1);
    const [dispositioned] = await recorder.waitFor(returnId, ReturnDispositioned.type);
    expect(dispositioned.value.lines).toEqual([expect.objectContaining({ disposition: 'DAMAGED' })]);
    expect((await getReturn(returnId)).timeline).toEqual(expect.arrayContaining([expect.objectContaining({ what: 'authorized', actor: 'operator:alice', detail: expect.stringContaining('broken sole') })]));
  });
});

describe('replay', () => {
  it('every event delivered again (same ids) and the facts re-published under new ids change nothing', async () => {
    const tables = ['return_authorisations', 'return_lines', 'return_receipts', 'return_refunds', 'return_odoo_commands', 'return_timeline', 'returns_orders', 'returns_shipments', 'returns_captures', 'outbox'];
    const snapshot = async () => Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await db.query(`SELECT * FROM ${table} ORDER BY 1, 2`)])));
    // Everything staged so far published and recorded first, so that only the replay could change anything.
    await waitFor(async () => {
      const [outbox] = await db.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE published_at IS NULL)::int AS pending FROM outbox`);
      return outbox.pending === 0 && recorder.events.length === outbox.total;
    }, { what: 'the outbox to be published and recorded' });
    const before = await snapshot();
    const eventsBefore = recorder.events.length;
    const start = await consumed();
    const again = [...published];
    for (const record of again) await publisher.send(record);
    for (const record of again) await publisher.send({ ...record, headers: { ...record.headers, ce_id: uuidv7() } });
    await waitFor(async () => (await consumed()) >= start + 2 * again.length, { timeoutMs: 30_000, what: `the ${2 * again.length} replayed events to be taken in` });
    expect(await snapshot()).toEqual(before);
    expect(recorder.events.length).toBe(eventsBefore);
  });

  it('the business metrics count returns by reason, channel and outcome, rules, dispositions and time to refund', async () => {
    const text = await (await service.request('/metrics')).text();
    expect(text).toMatch(/returns_requested_total\{[^}]*reason="SIZE_OR_FIT"[^}]*channel="web-de"[^}]*outcome="authorized"[^}]*\} [1-9]/);
    expect(text).toMatch(/returns_rejected_total\{[^}]*rule="already-returned"[^}]*\} 1/);
    expect(text).toMatch(/returns_units_dispositioned_total\{[^}]*disposition="DAMAGED"[^}]*\} [1-9]/);
    expect(text).toMatch(/returns_request_to_refund_seconds_count\{[^}]*\} [1-9]/);
    const [{ pending }] = await db.query(`SELECT count(*)::int AS pending FROM return_refunds WHERE status = 'pending'`);
    expect(pending).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`returns_refunds_awaiting\\{[^}]*waiting_for="gateway"[^}]*\\} ${pending}\\n`));
  });
});
