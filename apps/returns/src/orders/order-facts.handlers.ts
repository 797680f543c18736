import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OrderCancelled, OrderCompleted, OrderLineSubstituted, OrderPlaced, PaymentCaptured, ShipmentDelivered, ShipmentDispatched } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { recordCapture, recordLineSubstituted, recordOrderMilestone, recordOrderPlaced, recordShipmentDelivered, recordShipmentDispatched, recordTillHandOver } from './order-facts-store';

/**
 * retail.orders, retail.shipments and retail.payments → what returns knows of each order: what was
 * sold at which price, what shipped in which parcel and when it arrived (the return window), what was
 * captured. Each in its delivery's transaction with the inbox record; keyed by the fact's own id, so
 * a replay changes nothing.
 */
@Controller()
export class OrderFactsHandlers {
  // Sequenced, as the order's later events (substitution, completion) change what it recorded: they wait behind it when it fails.
  @EventPattern(OrderPlaced.type, { sequenced: true })
  orderPlaced(@Payload() order: OrderPlaced, @Ctx() context: EventContext): Promise<void> {
    return recordOrderPlaced(context.manager, order);
  }

  @EventPattern(OrderLineSubstituted.type, { sequenced: true })
  async lineSubstituted(@Payload() substitution: OrderLineSubstituted, @Ctx() context: EventContext): Promise<void> {
    await recordLineSubstituted(context.manager, substitution.orderId, substitution.substituteLine);
  }

  @EventPattern(OrderCancelled.type)
  orderCancelled(@Payload() cancelled: OrderCancelled, @Ctx() context: EventContext): Promise<void> {
    return recordOrderMilestone(context.manager, cancelled.orderId, 'cancelled_at', cancelled.occurredAt);
  }

  @EventPattern(OrderCompleted.type, { sequenced: true })
  async orderCompleted(@Payload() completed: OrderCompleted, @Ctx() context: EventContext): Promise<void> {
    await recordOrderMilestone(context.manager, completed.orderId, 'completed_at', completed.occurredAt);
    await recordTillHandOver(context.manager, completed.orderId, completed.occurredAt);
  }

  @EventPattern(ShipmentDispatched.type)
  shipmentDispatched(@Payload() shipment: ShipmentDispatched, @Ctx() context: EventContext): Promise<void> {
    return recordShipmentDispatched(context.manager, shipment);
  }

  @EventPattern(ShipmentDelivered.type)
  shipmentDelivered(@Payload() delivered: ShipmentDelivered, @Ctx() context: EventContext): Promise<void> {
    return recordShipmentDelivered(context.manager, delivered.shipmentId, delivered.orderId, delivered.occurredAt);
  }

  @EventPattern(PaymentCaptured.type)
  paymentCaptured(@Payload() capture: PaymentCaptured, @Ctx() context: EventContext): Promise<void> {
    return recordCapture(context.manager, capture);
  }
}
