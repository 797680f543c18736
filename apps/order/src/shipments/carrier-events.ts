/**
 * A carrier's webhook event (retail-sim's carrier shape: the whole shipment as of the milestone, and
 * when the milestone happened) as a milestone of one of our shipments, and the rule that keeps
 * milestones in order. Pure.
 */
export interface CarrierWebhookEvent {
  id?: string;
  type?: string;
  created?: number;
  data?: {
    object?: {
      id?: string;
      reference?: string | null;
      order_id?: string;
      tracking_number?: string | null;
      tracking_url?: string | null;
      status?: string;
      from_location?: string;
      lines?: Array<{ line_id?: string; sku?: string; quantity?: number }>;
      received_by?: string | null;
      proof_of_delivery_url?: string | null;
      exception?: { code?: string; message?: string } | null;
    };
    occurred_at?: string;
  };
}

export const MILESTONES = ['dispatched', 'in_transit', 'out_for_delivery', 'exception', 'delivered', 'returned_to_sender'] as const;
export type Milestone = (typeof MILESTONES)[number];

export interface CarrierMilestone {
  /** Our shipment id: the shipper's reference the parcel was booked with (the carrier's id without one). */
  shipmentId: string;
  carrierShipmentId: string;
  orderId: string;
  status: Milestone;
  at: Date;
  trackingNumber: string | null;
  trackingUrl: string | null;
  fromLocationId: string;
  lines: Array<{ lineId: string; sku: string; milli: number }>;
  receivedBy: string | null;
  proofOfDeliveryUrl: string | null;
  exception: { code: string; message: string | null } | null;
}

export type CarrierEventMeaning = { kind: 'milestone'; milestone: CarrierMilestone } | { kind: 'ignored'; why: string } | { kind: 'unmatched'; orderId: string | null; why: string };

export function meaningOfCarrierEvent(event: CarrierWebhookEvent, receivedAt: Date): CarrierEventMeaning {
  const status = event.type?.startsWith('shipment.') ? event.type.slice('shipment.'.length) : undefined;
  if (!status || !(MILESTONES as readonly string[]).includes(status)) return { kind: 'ignored', why: `event type ${event.type ?? '(none)'} is no milestone the order follows` };
  const shipment = event.data?.object;
  const orderId = shipment?.order_id ?? null;
  if (!shipment || !orderId || !UUID.test(orderId)) return { kind: 'unmatched', orderId, why: 'no order id of ours on the shipment' };
  const lines = (shipment.lines ?? []).map((line) => ({ lineId: line.line_id ?? '', sku: line.sku ?? '', milli: Math.round((line.quantity ?? 0) * 1000) }));
  const shipmentId = shipment.reference || shipment.id;
  if (!shipmentId || !shipment.id || !shipment.from_location || lines.length === 0 || lines.some((line) => !line.lineId || !line.sku || line.milli <= 0)) {
    return { kind: 'unmatched', orderId, why: 'the shipment has no id, origin or lines' };
  }
  const at = event.data?.occurred_at ? new Date(event.data.occurred_at) : event.created ? new Date(event.created * 1000) : receivedAt;
  return {
    kind: 'milestone',
    milestone: {
      shipmentId,
      carrierShipmentId: shipment.id,
      orderId,
      status: status as Milestone,
      at: Number.isNaN(at.getTime()) ? receivedAt : at,
      trackingNumber: shipment.tracking_number ?? null,
      trackingUrl: shipment.tracking_url ?? null,
      fromLocationId: shipment.from_location,
      lines,
      receivedBy: shipment.received_by ?? null,
      proofOfDeliveryUrl: shipment.proof_of_delivery_url ?? null,
      exception: shipment.exception?.code ? { code: shipment.exception.code, message: shipment.exception.message ?? null } : null,
    },
  };
}

/** How far along a parcel is; an exception sits beside the last leg, not after it. */
const RANK: Record<Milestone, number> = { dispatched: 1, in_transit: 2, out_for_delivery: 3, exception: 3, delivered: 4, returned_to_sender: 4 };
const FINAL: Milestone[] = ['delivered', 'returned_to_sender'];

export type MilestoneOutcome = 'applied' | 'duplicate' | 'stale';

/**
 * Whether a reported milestone moves the shipment on. Delivered and returned are final; a milestone
 * older than the last one, or behind it (in transit after out for delivery), is stale: carriers
 * deliver webhooks late and out of order. After an exception the parcel may go round again (a second
 * delivery attempt), so anything later in time counts.
 */
export function nextMilestone(current: { status: Milestone; at: Date } | null, reported: { status: Milestone; at: Date }): MilestoneOutcome {
  if (!current) return 'applied';
  if (current.status === reported.status && current.at.getTime() === reported.at.getTime()) return 'duplicate';
  if (FINAL.includes(current.status)) return current.status === reported.status ? 'duplicate' : 'stale';
  if (reported.at.getTime() < current.at.getTime()) return 'stale';
  if (current.status === 'exception') return 'applied';
  if (reported.status === current.status) return 'duplicate';
  return RANK[reported.status] >= RANK[current.status] ? 'applied' : 'stale';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
