import { autoPlan, Carrier, Shipment, validate } from './shipments';

const AT = new Date('2026-03-11T09:41:13Z');
const carrier = (exceptionRate = 0) => new Carrier({ exceptionRate, baseUrl: () => 'http://sim' }, () => AT);
const booking = (overrides: Record<string, unknown> = {}) => ({
  reference: 'sh-1',
  order_id: 'o-1',
  from_location: 'WH-EAST',
  lines: [{ line_id: 'l-1', sku: 'SKU-1', quantity: 2 }],
  ship_to: { name: 'Ada', city: 'Lyon' },
  ...overrides,
});

describe('the simulated carrier', () => {
  it('books a shipment as label_created with a tracking number and link, and answers a replay with the first booking, planning nothing again', () => {
    const c = carrier();
    const first = c.book('k1', booking());
    const shipment = first.answer.body as Shipment;
    expect(first.answer.status).toBe(200);
    expect(shipment).toEqual({
      id: expect.stringMatching(/^shp_[0-9a-f]+$/),
      object: 'shipment',
      reference: 'sh-1',
      order_id: 'o-1',
      carrier: 'retail-sim',
      tracking_number: expect.stringMatching(/^RS\d{10}$/),
      tracking_url: `http://sim/track/${shipment.tracking_number}`,
      status: 'label_created',
      from_location: 'WH-EAST',
      lines: [{ line_id: 'l-1', sku: 'SKU-1', quantity: 2 }],
      ship_to: { name: 'Ada', city: 'Lyon' },
      received_by: null,
      proof_of_delivery_url: null,
      exception: null,
      created: 1773222073,
      updated_at: '2026-03-11T09:41:13.000Z',
    });
    expect(first.plan).toEqual(['dispatched', 'in_transit', 'out_for_delivery', 'delivered']);
    expect(c.book('k1', booking())).toEqual({ answer: { ...first.answer, replayed: true }, plan: [] });
    expect(c.book('k1', booking({ reference: 'sh-2' })).answer).toMatchObject({ status: 400, body: { error: { type: 'idempotency_error' } } });
    expect(c.book(undefined, booking()).answer).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('Idempotency-Key') } } });
  });

  it('plans nothing for a manual shipment, and an address exception then the return for every 1/rate-th auto one', () => {
    expect(carrier().book('k1', booking({ milestones: 'manual' })).plan).toEqual([]);
    const c = carrier(0.5);
    const plans = ['a', 'b', 'c', 'd'].map((key) => c.book(key, booking()).plan);
    expect(plans).toEqual([autoPlan(false), autoPlan(true), autoPlan(false), autoPlan(true)]);
    expect(autoPlan(true)).toEqual(['dispatched', 'in_transit', 'exception', 'returned_to_sender']);
  });

  it('moves a shipment through its milestones: delivered says who received it and links a proof; after the end nothing moves', () => {
    const c = carrier();
    const { id } = c.book('k1', booking({ milestones: 'manual' })).answer.body as Shipment;
    expect(c.record(id, { type: 'dispatched' })).toMatchObject({ answer: { status: 200 }, milestone: { shipment: { status: 'dispatched' }, occurredAt: AT.toISOString() } });
    const delivered = c.record(id, { type: 'delivered' });
    expect(delivered.milestone?.shipment).toMatchObject({ status: 'delivered', received_by: 'front door', proof_of_delivery_url: expect.stringMatching(/^http:\/\/sim\/track\/RS\d{10}\/proof-of-delivery$/) });
    expect(c.record(id, { type: 'returned_to_sender' })).toEqual({ answer: { status: 400, body: { error: expect.objectContaining({ code: 'shipment_unexpected_state' }) } } });
    expect(c.retrieve(id)).toMatchObject({ status: 200, body: { status: 'delivered' } });
  });

  it('records an exception with its code (ADDRESS_NOT_FOUND when none is given), refuses an unknown milestone or shipment', () => {
    const c = carrier();
    const { id } = c.book('k1', booking({ milestones: 'manual' })).answer.body as Shipment;
    expect(c.record(id, { type: 'exception', exception: { code: 'DAMAGED', message: 'box crushed' } }).milestone?.shipment.exception).toEqual({ code: 'DAMAGED', message: 'box crushed' });
    const { id: other } = c.book('k2', booking({ milestones: 'manual' })).answer.body as Shipment;
    expect(c.record(other, { type: 'exception' }).milestone?.shipment.exception).toMatchObject({ code: 'ADDRESS_NOT_FOUND' });
    expect(c.record(id, { type: 'lost' }).answer).toMatchObject({ status: 400, body: { error: { param: 'type' } } });
    expect(c.record(id, { type: 'exception', exception: { code: 1 } }).answer).toMatchObject({ status: 400, body: { error: { param: 'exception' } } });
    expect(c.record('shp_nope', { type: 'dispatched' }).answer).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
  });

  it.each([
    [{ reference: '' }, 'reference'],
    [{ order_id: 7 }, 'order_id'],
    [{ from_location: undefined }, 'from_location'],
    [{ lines: [] }, 'lines'],
    [{ lines: [{ line_id: 'l-1', sku: 'S', quantity: 0 }] }, 'lines[0][quantity]'],
    [{ lines: [{ line_id: 'l-1', sku: 'S', quantity: 1 }, { line_id: '', sku: 'S', quantity: 1 }] }, 'lines[1][line_id]'],
    [{ lines: [{ line_id: 'l-1', quantity: 1 }] }, 'lines[0][sku]'],
    [{ ship_to: 'Lyon' }, 'ship_to'],
    [{ milestones: 'sometimes' }, 'milestones'],
  ])('refuses a booking with %j, naming %s', (overrides, param) => {
    expect(validate(booking(overrides))).toEqual({ status: 400, body: { error: { type: 'invalid_request_error', message: expect.any(String), param } } });
  });

  it('accepts a booking without ship_to (null) or with ship_to null', () => {
    expect(validate(booking({ ship_to: null }))).toBeUndefined();
    expect((carrier().book('k', { ...booking(), ship_to: undefined }).answer.body as Shipment).ship_to).toBeNull();
  });
});
