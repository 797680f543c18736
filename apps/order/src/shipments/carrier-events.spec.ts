import { CarrierWebhookEvent, meaningOfCarrierEvent, nextMilestone } from './carrier-events';

const orderId = '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0a01';
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 3, 9, minutes));
const event = (type: string, object: Record<string, unknown> = {}, occurredAt = at(0).toISOString()): CarrierWebhookEvent => ({
  id: 'evt_1',
  type,
  created: 1_800_000_000,
  data: {
    object: { id: 'shp_1', reference: 'SHIP-1', order_id: orderId, tracking_number: 'RS0000000001', status: type.slice(9), from_location: 'wh-central', lines: [{ line_id: '1', sku: 'APP-10001', quantity: 2 }], ...object },
    occurred_at: occurredAt,
  },
});

describe('a carrier webhook event', () => {
  it('is a milestone of our shipment (the reference it was booked with), with its lines in thousandths and when it happened', () => {
    expect(meaningOfCarrierEvent(event('shipment.in_transit'), new Date())).toEqual({
      kind: 'milestone',
      milestone: expect.objectContaining({ shipmentId: 'SHIP-1', carrierShipmentId: 'shp_1', orderId, status: 'in_transit', at: at(0), lines: [{ lineId: '1', sku: 'APP-10001', milli: 2000 }] }),
    });
    expect(meaningOfCarrierEvent(event('shipment.delivered', { reference: null, received_by: 'front door' }), new Date())).toMatchObject({ milestone: { shipmentId: 'shp_1', receivedBy: 'front door' } });
    expect(meaningOfCarrierEvent(event('shipment.exception', { exception: { code: 'ADDRESS_NOT_FOUND', message: 'no such street' } }), new Date())).toMatchObject({
      milestone: { status: 'exception', exception: { code: 'ADDRESS_NOT_FOUND', message: 'no such street' } },
    });
  });

  it('is ignored when it is no milestone (a label printed), and unmatched when it names no order of ours or no lines', () => {
    expect(meaningOfCarrierEvent(event('shipment.label_created'), new Date()).kind).toBe('ignored');
    expect(meaningOfCarrierEvent({ type: 'invoice.paid' }, new Date()).kind).toBe('ignored');
    expect(meaningOfCarrierEvent(event('shipment.delivered', { order_id: 'ORDER-7' }), new Date())).toEqual({ kind: 'unmatched', orderId: 'ORDER-7', why: 'no order id of ours on the shipment' });
    expect(meaningOfCarrierEvent(event('shipment.delivered', { lines: [] }), new Date()).kind).toBe('unmatched');
    expect(meaningOfCarrierEvent(event('shipment.delivered', { lines: [{ line_id: '1', sku: 'APP-10001', quantity: 0 }] }), new Date()).kind).toBe('unmatched');
  });
});

describe('the order of milestones', () => {
  it('moves forward: dispatched, in transit, out for delivery, delivered', () => {
    expect(nextMilestone(null, { status: 'in_transit', at: at(1) })).toBe('applied');
    expect(nextMilestone({ status: 'dispatched', at: at(0) }, { status: 'in_transit', at: at(1) })).toBe('applied');
    expect(nextMilestone({ status: 'in_transit', at: at(1) }, { status: 'delivered', at: at(2) })).toBe('applied');
  });

  it('a delivered parcel never goes back to in transit, however late the webhook says it happened', () => {
    expect(nextMilestone({ status: 'delivered', at: at(5) }, { status: 'in_transit', at: at(9) })).toBe('stale');
    expect(nextMilestone({ status: 'delivered', at: at(5) }, { status: 'delivered', at: at(6) })).toBe('duplicate');
    expect(nextMilestone({ status: 'returned_to_sender', at: at(5) }, { status: 'delivered', at: at(9) })).toBe('stale');
  });

  it('a milestone older than the last one, or behind it, is stale; the same one again is a duplicate', () => {
    expect(nextMilestone({ status: 'out_for_delivery', at: at(3) }, { status: 'in_transit', at: at(2) })).toBe('stale');
    expect(nextMilestone({ status: 'out_for_delivery', at: at(3) }, { status: 'in_transit', at: at(4) })).toBe('stale');
    expect(nextMilestone({ status: 'in_transit', at: at(3) }, { status: 'in_transit', at: at(3) })).toBe('duplicate');
    expect(nextMilestone({ status: 'in_transit', at: at(3) }, { status: 'out_for_delivery', at: at(2) })).toBe('stale');
  });

  it('after an exception the parcel may go round again: anything later counts', () => {
    expect(nextMilestone({ status: 'out_for_delivery', at: at(3) }, { status: 'exception', at: at(4) })).toBe('applied');
    expect(nextMilestone({ status: 'exception', at: at(4) }, { status: 'out_for_delivery', at: at(5) })).toBe('applied');
    expect(nextMilestone({ status: 'exception', at: at(4) }, { status: 'returned_to_sender', at: at(6) })).toBe('applied');
  });
});
