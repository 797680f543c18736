import { randomBytes, randomInt } from 'node:crypto';
import { error, everyNth, IdempotencyKeys, SimAnswer } from '../idempotency';

/**
 * A parcel carrier in memory: shipments booked by the shipper (a label), then moved through their
 * milestones — by the carrier's own clock ('auto') or by hand — up to delivered, or to an exception and
 * back to the sender. Pure apart from its clock and ids: the HTTP side schedules and sends the webhooks.
 */

export type ShipmentStatus = 'label_created' | 'dispatched' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception' | 'returned_to_sender';
export type Milestone = Exclude<ShipmentStatus, 'label_created'>;

export const MILESTONES: readonly Milestone[] = ['dispatched', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned_to_sender'];
/** After these nothing moves any more. */
const FINAL: readonly ShipmentStatus[] = ['delivered', 'returned_to_sender'];

export interface ShipmentLine {
  line_id: string;
  sku: string;
  quantity: number;
}

export interface Shipment {
  id: string;
  object: 'shipment';
  reference: string;
  order_id: string;
  carrier: 'retail-sim';
  tracking_number: string;
  tracking_url: string;
  status: ShipmentStatus;
  from_location: string;
  lines: ShipmentLine[];
  ship_to: Record<string, unknown> | null;
  received_by: string | null;
  proof_of_delivery_url: string | null;
  exception: { code: string; message: string } | null;
  created: number;
  updated_at: string;
}

export interface CarrierSettings {
  /** Share of auto shipments that hit an address exception (0..1, every 1/rate-th one). */
  exceptionRate: number;
  /** The sim's own URL, for tracking and proof-of-delivery links. */
  baseUrl: () => string;
}

/** A milestone as it happened: the shipment as of then, and when. */
export interface MilestoneRecord {
  shipment: Shipment;
  occurredAt: string;
}

export interface Booking {
  answer: SimAnswer;
  /** The milestones the carrier will move this shipment through by itself ('auto'), in order; empty for 'manual' or a refusal. */
  plan: Milestone[];
}

export const ADDRESS_NOT_FOUND = { code: 'ADDRESS_NOT_FOUND', message: 'The driver could not find the delivery address.' };

/** The milestones of an auto shipment: the happy path, or an exception instead of out_for_delivery and the return. */
export function autoPlan(exceptional: boolean): Milestone[] {
  return exceptional ? ['dispatched', 'in_transit', 'exception', 'returned_to_sender'] : ['dispatched', 'in_transit', 'out_for_delivery', 'delivered'];
}

const invalid = (message: string, param: string) => error(400, 'invalid_request_error', message, { param });

export class Carrier {
  private readonly shipments = new Map<string, Shipment>();
  private readonly keys = new IdempotencyKeys();
  private autoBooked = 0;

  constructor(
    private readonly settings: CarrierSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Books under its idempotency key: a replay answers the first booking and plans nothing again. */
  book(idempotencyKey: string | undefined, body: Record<string, unknown>): Booking {
    let plan: Milestone[] = [];
    const answer = this.keys.run(idempotencyKey, { method: 'POST', path: '/carrier/v1/shipments', body }, () => {
      const refusal = validate(body);
      if (refusal) return refusal;
      const shipment = this.create(body);
      if ((body.milestones ?? 'auto') === 'auto') plan = autoPlan(everyNth(++this.autoBooked, this.settings.exceptionRate));
      return { status: 200, body: copy(shipment) };
    });
    return { answer, plan };
  }

  retrieve(id: string): SimAnswer {
    const shipment = this.shipments.get(id);
    return shipment ? { status: 200, body: copy(shipment) } : missing(id);
  }

  /** Moves a shipment to a milestone (by hand or by the carrier's clock). */
  record(id: string, body: { type?: unknown; exception?: unknown }): { answer: SimAnswer; milestone?: MilestoneRecord } {
    const shipment = this.shipments.get(id);
    if (!shipment) return { answer: missing(id) };
    const type = body.type as Milestone;
    if (!MILESTONES.includes(type)) return { answer: invalid(`type must be one of ${MILESTONES.join(', ')}`, 'type') };
    const exception = body.exception ?? (type === 'exception' ? ADDRESS_NOT_FOUND : undefined);
    if (exception !== undefined && !isException(exception)) return { answer: invalid('exception must be { code: string, message: string }', 'exception') };
    if (FINAL.includes(shipment.status)) {
      return { answer: error(400, 'invalid_request_error', `shipment ${id} is ${shipment.status}; it does not move any more`, { code: 'shipment_unexpected_state' }) };
    }
    const at = this.now();
    shipment.status = type;
    shipment.updated_at = at.toISOString();
    if (type === 'exception') shipment.exception = { code: exception!.code, message: exception!.message };
    if (type === 'delivered') {
      shipment.received_by = 'front door';
      shipment.proof_of_delivery_url = `${this.settings.baseUrl()}/track/${shipment.tracking_number}/proof-of-delivery`;
    }
    return { answer: { status: 200, body: copy(shipment) }, milestone: { shipment: copy(shipment), occurredAt: shipment.updated_at } };
  }

  private create(body: Record<string, unknown>): Shipment {
    const at = this.now();
    const trackingNumber = `RS${randomInt(0, 1e10).toString().padStart(10, '0')}`;
    const shipment: Shipment = {
      id: `shp_${randomBytes(12).toString('hex')}`,
      object: 'shipment',
      reference: body.reference as string,
      order_id: body.order_id as string,
      carrier: 'retail-sim',
      tracking_number: trackingNumber,
      tracking_url: `${this.settings.baseUrl()}/track/${trackingNumber}`,
      status: 'label_created',
      from_location: body.from_location as string,
      lines: (body.lines as ShipmentLine[]).map(({ line_id, sku, quantity }) => ({ line_id, sku, quantity })),
      ship_to: (body.ship_to as Record<string, unknown> | null | undefined) ?? null,
      received_by: null,
      proof_of_delivery_url: null,
      exception: null,
      created: Math.floor(at.getTime() / 1000),
      updated_at: at.toISOString(),
    };
    this.shipments.set(shipment.id, shipment);
    return shipment;
  }
}

/** What is wrong with a booking, naming the parameter as Stripe does; undefined when nothing. */
export function validate(body: Record<string, unknown>): SimAnswer | undefined {
  for (const field of ['reference', 'order_id', 'from_location']) {
    if (typeof body[field] !== 'string' || body[field] === '') return invalid(`${field} must be a non-empty string`, field);
  }
  const lines = body.lines;
  if (!Array.isArray(lines) || lines.length === 0) return invalid('lines must be a non-empty array', 'lines');
  for (const [index, line] of lines.entries()) {
    const { line_id, sku, quantity } = (line ?? {}) as Record<string, unknown>;
    if (typeof line_id !== 'string' || line_id === '') return invalid('line_id must be a non-empty string', `lines[${index}][line_id]`);
    if (typeof sku !== 'string' || sku === '') return invalid('sku must be a non-empty string', `lines[${index}][sku]`);
    if (!Number.isInteger(quantity) || (quantity as number) < 1) return invalid('quantity must be a whole number of units above 0', `lines[${index}][quantity]`);
  }
  if (body.ship_to !== undefined && body.ship_to !== null && (typeof body.ship_to !== 'object' || Array.isArray(body.ship_to))) return invalid('ship_to must be an object or null', 'ship_to');
  if (body.milestones !== undefined && body.milestones !== 'auto' && body.milestones !== 'manual') return invalid("milestones must be 'auto' or 'manual'", 'milestones');
  return undefined;
}

function isException(value: unknown): value is { code: string; message: string } {
  const { code, message } = (value ?? {}) as Record<string, unknown>;
  return typeof code === 'string' && code !== '' && typeof message === 'string';
}

function copy(shipment: Shipment): Shipment {
  return structuredClone(shipment);
}

function missing(id: string): SimAnswer {
  return error(404, 'invalid_request_error', `No such shipment: '${id}'`, { code: 'resource_missing' });
}
