import { Inject, Injectable } from '@nestjs/common';
import { contractFor, LocationType, ShipmentDelivered, ShipmentDispatched, ShipmentTrackingUpdated } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import { loadSaga } from '@omnibus/saga';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { OrderConfig } from '../config';
import type { Order } from '../domain/order';
import type { OrderSagaData } from '../domain/saga/order-saga-data';
import { loadOrderForSaga } from '../orders/order-store';
import { Emit, SagaRunner } from '../saga/saga-runner';
import { CarrierMilestone, Milestone, MilestoneOutcome, nextMilestone } from './carrier-events';

export type TrackingOutcome = MilestoneOutcome | 'unknown_order';

/**
 * A carrier milestone → the `shipment` row, the public event on retail.shipments (ShipmentDispatched,
 * ShipmentTrackingUpdated, ShipmentDelivered) and the order saga, all in the caller's transaction. A
 * parcel first seen at a later milestone (its dispatch webhook still on its way) is dispatched first.
 * A repeated, late or out-of-order milestone changes nothing and publishes nothing.
 */
@Injectable()
export class ShipmentTracker {
  constructor(
    private readonly runner: SagaRunner,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
  ) {}

  async apply(manager: EntityManager, carrier: string, milestone: CarrierMilestone, emit: Emit): Promise<TrackingOutcome> {
    const current = await loadOrderForSaga(manager, milestone.orderId);
    if (!current) return 'unknown_order';
    const order = current.order;
    const [known] = (await manager.query(`SELECT status, status_at FROM shipment WHERE shipment_id = $1 FOR UPDATE`, [milestone.shipmentId])) as Array<{ status: Milestone; status_at: Date }>;
    const outcome = nextMilestone(known ? { status: known.status, at: known.status_at } : null, milestone);
    if (outcome !== 'applied') return outcome;

    const events: OutgoingEvent[] = [];
    if (!known) {
      await manager.query(
        `INSERT INTO shipment (shipment_id, order_id, carrier, carrier_shipment_id, tracking_number, tracking_url, from_location, lines, status, status_at, exception)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [milestone.shipmentId, order.orderId, carrier, milestone.carrierShipmentId, milestone.trackingNumber, milestone.trackingUrl, milestone.fromLocationId, JSON.stringify(milestone.lines), milestone.status, milestone.at, exceptionText(milestone)],
      );
      events.push(this.event(ShipmentDispatched.type, order.orderId, await this.dispatched(manager, order, carrier, milestone)));
    } else {
      await manager.query(`UPDATE shipment SET status = $2, status_at = $3, exception = COALESCE($4, exception), updated_at = now() WHERE shipment_id = $1`, [
        milestone.shipmentId,
        milestone.status,
        milestone.at,
        exceptionText(milestone),
      ]);
    }
    const followUp = this.milestoneEvent(order, carrier, milestone);
    if (followUp) events.push(followUp);
    await emit(events);
    for (const event of events) {
      const input = { kind: 'reply' as const, reply: { type: event.type, payload: event.payload, eventId: event.id! }, at: new Date().toISOString() };
      await this.runner.handle(manager, order.orderId, input, { type: event.type, eventId: event.id! }, emit, { deferIfEarly: true });
    }
    return 'applied';
  }

  private async dispatched(manager: EntityManager, order: Order, carrier: string, milestone: CarrierMilestone): Promise<ShipmentDispatched> {
    // Final when this parcel and those before it (the row above is already written) carry every line in full.
    const rows = (await manager.query(`SELECT lines FROM shipment WHERE order_id = $1`, [order.orderId])) as Array<{ lines: CarrierMilestone['lines'] }>;
    const shipped = new Map<string, number>();
    for (const line of rows.flatMap((row) => row.lines)) shipped.set(line.lineId, (shipped.get(line.lineId) ?? 0) + line.milli);
    const finalShipment = order.lines.every((line) => (shipped.get(line.lineId) ?? 0) >= line.quantity.milli);
    return {
      shipmentId: milestone.shipmentId,
      orderId: order.orderId,
      companyId: order.companyId,
      fromLocation: { locationId: milestone.fromLocationId, locationType: await this.locationTypeOf(manager, order.orderId, milestone.fromLocationId) },
      lines: milestone.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: { milli: line.milli }, unitCost: null })),
      finalShipment,
      carrier,
      trackingNumber: milestone.trackingNumber,
      trackingUrl: milestone.trackingUrl,
      shipTo: order.shippingAddress,
      occurredAt: milestone.status === 'dispatched' ? milestone.at : new Date(milestone.at.getTime() - 1),
    };
  }

  /** A carrier names the origin by id only; the order's reservation says what kind of location it is. */
  private async locationTypeOf(manager: EntityManager, orderId: string, locationId: string): Promise<LocationType> {
    const saga = await loadSaga<OrderSagaData>(manager, orderId, { lock: false });
    return saga?.state.data.reservation?.lines.find((line) => line.location.locationId === locationId)?.location.locationType ?? 'WAREHOUSE';
  }

  private milestoneEvent(order: Order, carrier: string, milestone: CarrierMilestone): OutgoingEvent | null {
    const common = { shipmentId: milestone.shipmentId, orderId: order.orderId, companyId: order.companyId, carrier, trackingNumber: milestone.trackingNumber, occurredAt: milestone.at };
    switch (milestone.status) {
      case 'dispatched':
        return null;
      case 'delivered':
        return this.event(ShipmentDelivered.type, order.orderId, { ...common, receivedBy: milestone.receivedBy, proofOfDeliveryUrl: milestone.proofOfDeliveryUrl } satisfies ShipmentDelivered);
      default:
        return this.event(ShipmentTrackingUpdated.type, order.orderId, {
          ...common,
          status: TRACKING_STATUS[milestone.status],
          exceptionCode: milestone.exception?.code ?? null,
          exceptionMessage: milestone.exception?.message ?? null,
        } satisfies ShipmentTrackingUpdated);
    }
  }

  private event(type: string, orderId: string, payload: unknown): OutgoingEvent {
    const contract = contractFor(type);
    if (!contract) throw new Error(`no contract for ${type}`);
    return { topic: topicFor(this.config, contract.topic), type, key: orderId, payload, id: uuidv7() };
  }
}

const TRACKING_STATUS: Record<Exclude<Milestone, 'dispatched' | 'delivered'>, ShipmentTrackingUpdated['status']> = {
  in_transit: 'IN_TRANSIT',
  out_for_delivery: 'OUT_FOR_DELIVERY',
  exception: 'EXCEPTION',
  returned_to_sender: 'RETURNED_TO_SENDER',
};


function exceptionText(milestone: CarrierMilestone): string | null {
  return milestone.exception ? `${milestone.exception.code}${milestone.exception.message ? `: ${milestone.exception.message}` : ''}` : null;
}
