/**
 * The demo as the warehouse: which parcels an order leaves in, and booking them with retail-sim's
 * carrier, which then reports their milestones to the order service by signed webhooks.
 */

/** retail-sim's dev carrier key (apps/retail-sim DEV_CARRIER_KEY): a test key of a simulator, not a secret. */
export const DEV_CARRIER_KEY = 'ck_test_omnibus_dev';

/** What the demo reads of `GET /orders/:id` to pack an order. */
export interface OrderToPack {
  orderId: string;
  channelOrderRef: string;
  lines: Array<{ lineId: string }>;
  reservation: { lines: Array<{ lineId: string; sku: string; quantity: string; location: { locationId: string } }> } | null;
}

export interface Parcel {
  /** Our shipment id: the order service knows the parcel by it. */
  reference: string;
  fromLocation: string;
  lines: Array<{ line_id: string; sku: string; quantity: number }>;
}

/**
 * The first line in parcel 1, the rest in parcel 2 (a one-line order in one parcel); each parcel leaves
 * from where the stock is reserved, so a line held at two locations makes a parcel per location.
 */
export function planParcels(order: OrderToPack): Parcel[] {
  if (!order.reservation) throw new Error(`${order.channelOrderRef} has no stock reservation to ship from`);
  const groups = [order.lines.slice(0, 1), order.lines.slice(1)].filter((group) => group.length > 0);
  const parcels: Parcel[] = [];
  for (const group of groups) {
    const ids = new Set(group.map((line) => line.lineId));
    const byLocation = new Map<string, Parcel['lines']>();
    for (const reserved of order.reservation.lines.filter((line) => ids.has(line.lineId))) {
      const quantity = Number(reserved.quantity);
      if (!Number.isInteger(quantity) || quantity <= 0) throw new Error(`${order.channelOrderRef} line ${reserved.lineId}: a carrier ships whole units, not ${reserved.quantity}`);
      const lines = byLocation.get(reserved.location.locationId) ?? [];
      lines.push({ line_id: reserved.lineId, sku: reserved.sku, quantity });
      byLocation.set(reserved.location.locationId, lines);
    }
    for (const [fromLocation, lines] of byLocation) parcels.push({ reference: `SHIP-${order.channelOrderRef}-${parcels.length + 1}`, fromLocation, lines });
  }
  return parcels;
}

/** The carrier's shipment, as much of it as the demo shows. */
export interface CarrierShipment {
  id: string;
  reference: string;
  tracking_number: string;
  status: string;
}

/** retail-sim's carrier API (`/carrier/v1`, its own key). */
export class CarrierApi {
  constructor(
    readonly url: string,
    private readonly key: string,
  ) {}

  /**
   * Books a parcel that moves by itself (`auto`: dispatched at once, then in transit, out for delivery,
   * delivered). The key is the parcel's reference, so a retried booking is the same booking.
   */
  async book(orderId: string, parcel: Parcel): Promise<CarrierShipment> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/carrier/v1/shipments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json', 'idempotency-key': `${orderId}:${parcel.reference}` },
        body: JSON.stringify({ reference: parcel.reference, order_id: orderId, from_location: parcel.fromLocation, lines: parcel.lines, milestones: 'auto' }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new Error(`retail-sim's carrier does not answer at ${this.url} (${(error as Error).message}): is retail-sim running? npx omnibus status`);
    }
    const body = (await response.json().catch(() => ({}))) as CarrierShipment & { error?: { message?: string } };
    if (response.status === 401) throw new Error(`retail-sim's carrier at ${this.url} refused the carrier key: set RETAIL_SIM_CARRIER_KEY to the one retail-sim runs with`);
    if (response.status !== 200) throw new Error(`booking ${parcel.reference} with retail-sim's carrier answered ${response.status}: ${body.error?.message ?? JSON.stringify(body)}`);
    return body;
  }
}
