import { waitFor } from '@omnibus/testing';
import { randomBytes } from 'node:crypto';
import { RunningRetailSim, startRetailSim } from '../server';
import { Delivery, startWebhookReceiver } from '../testing/webhook-receiver';

// The carrier over real HTTP on a free port, its signed webhooks received by a local HTTP server.
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const CARRIER_KEY = 'ck_test_spec';
const GATEWAY_KEY = 'sk_test_spec';
const STEP_MS = 30;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sim: RunningRetailSim;
let exceptional: RunningRetailSim;
/** The first delivery of this shipment's dispatched milestone is answered 500, to see it retried. */
let failOnce = '';

const start = (exceptionRate: number) =>
  startRetailSim({
    port: 0,
    gatewayKey: GATEWAY_KEY,
    latencyMs: 0,
    declineRate: 0,
    timeoutRate: 0,
    timeoutDelayMs: 0,
    carrier: { key: CARRIER_KEY, stepMs: STEP_MS, exceptionRate, webhook: { url: receiver.url, secret: SECRET } },
  });

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET, ({ event }) => {
    if (event.data.object.id !== failOnce || event.type !== 'shipment.dispatched') return 204;
    failOnce = '';
    return 500;
  });
  [sim, exceptional] = await Promise.all([start(0), start(1)]);
});
afterAll(async () => {
  await Promise.all([sim?.close(), exceptional?.close()]);
  await receiver?.close();
});

const call = async (on: RunningRetailSim, method: string, path: string, { body, key, auth = CARRIER_KEY }: { body?: unknown; key?: string; auth?: string } = {}) => {
  const response = await fetch(`${on.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as any };
};
const booking = (reference: string, extra: Record<string, unknown> = {}) => ({
  reference,
  order_id: `order-${reference}`,
  from_location: 'WH-EAST',
  lines: [
    { line_id: 'l-1', sku: 'SKU-1', quantity: 2 },
    { line_id: 'l-2', sku: 'SKU-2', quantity: 1 },
  ],
  ship_to: { name: 'Ada Lovelace', line1: '1 Rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
  ...extra,
});
const eventsOf = (shipmentId: string) => receiver.deliveries.filter((delivery) => delivery.event.data.object.id === shipmentId && delivery.status < 300);
const waitForEvents = (shipmentId: string, count: number) =>
  waitFor(() => (eventsOf(shipmentId).length >= count ? eventsOf(shipmentId) : undefined), { timeoutMs: 5_000, what: `${count} webhooks of ${shipmentId}` });
const types = (deliveries: Delivery[]) => deliveries.map((delivery) => delivery.event.type);

describe('the carrier over HTTP', () => {
  it('takes its own key only: the gateway key is refused, and the carrier key is refused by the gateway', async () => {
    expect(await call(sim, 'POST', '/carrier/v1/shipments', { auth: GATEWAY_KEY, key: 'k', body: booking('auth') })).toMatchObject({ status: 401 });
    expect(await call(sim, 'GET', '/v1/payment_intents/pi_x')).toMatchObject({ status: 401 });
    expect(await call(sim, 'GET', '/carrier/v1/shipments/shp_nope')).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
    expect(await call(sim, 'GET', '/carrier/v1/labels')).toMatchObject({ status: 404 });
  });

  it('books under an Idempotency-Key (a replay answers the first booking, another body is refused), naming a bad parameter', async () => {
    const first = await call(sim, 'POST', '/carrier/v1/shipments', { key: 'book-1', body: booking('sh-idem', { milestones: 'manual' }) });
    expect(first).toMatchObject({ status: 200, replayed: null, body: { object: 'shipment', status: 'label_created', reference: 'sh-idem', carrier: 'retail-sim' } });
    expect(first.body.tracking_url).toBe(`${sim.url}/track/${first.body.tracking_number}`);
    expect(await call(sim, 'POST', '/carrier/v1/shipments', { key: 'book-1', body: booking('sh-idem', { milestones: 'manual' }) })).toEqual({ ...first, replayed: 'true' });
    expect(await call(sim, 'POST', '/carrier/v1/shipments', { key: 'book-1', body: booking('sh-other') })).toMatchObject({ status: 400, body: { error: { type: 'idempotency_error' } } });
    expect(await call(sim, 'POST', '/carrier/v1/shipments', { body: booking('sh-nokey') })).toMatchObject({ status: 400 });
    expect(await call(sim, 'POST', '/carrier/v1/shipments', { key: 'book-2', body: booking('sh-bad', { lines: [{ line_id: 'l-1', sku: 'S', quantity: -1 }] }) })).toEqual({
      status: 400,
      replayed: null,
      body: { error: { type: 'invalid_request_error', message: expect.any(String), param: 'lines[0][quantity]' } },
    });
  });

  it('auto: moves the shipment by itself to delivered, one signed webhook per milestone, in order, each with the shipment as of then', async () => {
    const { body: shipment } = await call(sim, 'POST', '/carrier/v1/shipments', { key: 'book-auto', body: booking('sh-auto') });
    expect(shipment.status).toBe('label_created');
    const events = await waitForEvents(shipment.id, 4);
    expect(types(events)).toEqual(['shipment.dispatched', 'shipment.in_transit', 'shipment.out_for_delivery', 'shipment.delivered']);
    expect(events.map((delivery) => delivery.event.data.object.status)).toEqual(['dispatched', 'in_transit', 'out_for_delivery', 'delivered']);
    expect(events.every((delivery) => delivery.validSignature && delivery.headers['webhook-id'] === delivery.event.id && /^evt_[0-9a-f]+$/.test(delivery.event.id))).toBe(true);
    expect(new Set(events.map((delivery) => delivery.event.id)).size).toBe(4);
    const occurred = events.map((delivery) => Date.parse(delivery.event.data.occurred_at));
    expect(occurred.every((at, index) => index === 0 || at - occurred[index - 1] >= STEP_MS - 5)).toBe(true);
    expect(events[3].event).toMatchObject({
      object: 'event',
      type: 'shipment.delivered',
      created: expect.any(Number),
      data: { object: { id: shipment.id, reference: 'sh-auto', order_id: 'order-sh-auto', received_by: 'front door', proof_of_delivery_url: expect.stringContaining(shipment.tracking_number), exception: null }, occurred_at: expect.any(String) },
    });
    expect(events[0].event.data.object).toMatchObject({ status: 'dispatched', received_by: null, proof_of_delivery_url: null });
    expect(await call(sim, 'GET', `/carrier/v1/shipments/${shipment.id}`)).toMatchObject({ status: 200, body: { status: 'delivered' } });
  });

  it('auto with an exception rate: an address exception instead of out_for_delivery, then returned to sender', async () => {
    const { body: shipment } = await call(exceptional, 'POST', '/carrier/v1/shipments', { key: 'book-exc', body: booking('sh-exc') });
    const events = await waitForEvents(shipment.id, 4);
    expect(types(events)).toEqual(['shipment.dispatched', 'shipment.in_transit', 'shipment.exception', 'shipment.returned_to_sender']);
    expect(events[2].event.data.object.exception).toMatchObject({ code: 'ADDRESS_NOT_FOUND' });
    expect(events[3].event.data.object).toMatchObject({ status: 'returned_to_sender', received_by: null });
  });

  it('manual: milestones driven by hand; a delivery answered 500 is retried with the same webhook-id before the next milestone goes', async () => {
    const { body: shipment } = await call(sim, 'POST', '/carrier/v1/shipments', { key: 'book-manual', body: booking('sh-manual', { milestones: 'manual' }) });
    failOnce = shipment.id;
    const dispatched = await call(sim, 'POST', `/carrier/v1/shipments/${shipment.id}/events`, { body: { type: 'dispatched' } });
    expect(dispatched).toMatchObject({ status: 200, body: { status: 'dispatched' } });
    const exception = await call(sim, 'POST', `/carrier/v1/shipments/${shipment.id}/events`, { body: { type: 'exception', exception: { code: 'DAMAGED', message: 'box crushed' } } });
    expect(exception).toMatchObject({ status: 200, body: { status: 'exception', exception: { code: 'DAMAGED', message: 'box crushed' } } });
    const events = await waitForEvents(shipment.id, 2);
    expect(types(events)).toEqual(['shipment.dispatched', 'shipment.exception']);
    const all = receiver.deliveries.filter((delivery) => delivery.event.data.object.id === shipment.id);
    // The refused attempt, its retry under the same id, then the next milestone.
    expect(all.map((delivery) => [delivery.event.type, delivery.status])).toEqual([
      ['shipment.dispatched', 500],
      ['shipment.dispatched', 204],
      ['shipment.exception', 204],
    ]);
    expect(all[0].headers['webhook-id']).toBe(all[1].headers['webhook-id']);
    expect(await call(sim, 'POST', `/carrier/v1/shipments/${shipment.id}/events`, { body: { type: 'teleported' } })).toMatchObject({ status: 400, body: { error: { param: 'type' } } });
    expect(await call(sim, 'POST', '/carrier/v1/shipments/shp_nope/events', { body: { type: 'dispatched' } })).toMatchObject({ status: 404 });
  });
});
