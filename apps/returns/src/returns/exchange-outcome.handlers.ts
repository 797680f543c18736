import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OrderCancelled } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { appendTimeline } from './return-store';
import { cancelReplacement } from './exchange-store';

/**
 * OrderCancelled of a replacement order (inventory could not hold it, the customer cancelled it):
 * the exchange falls through and the return becomes a plain one — its receipt refunds each exchanged
 * line's whole value (still without restocking fee: the exchange failing is not the customer's doing).
 * In the delivery's transaction with the inbox record; a replay finds it cancelled and changes nothing.
 */
@Controller()
export class ExchangeOutcomeHandlers {
  @EventPattern(OrderCancelled.type)
  async replacementCancelled(@Payload() cancelled: OrderCancelled, @Ctx() context: EventContext): Promise<void> {
    const exchange = await cancelReplacement(context.manager, cancelled.orderId, cancelled.reason, cancelled.occurredAt);
    if (!exchange) return;
    await appendTimeline(context.manager, exchange.returnId, cancelled.occurredAt, [{ what: 'replacement cancelled', detail: `order ${cancelled.orderId} cancelled (${cancelled.reason}${cancelled.note ? `: ${cancelled.note}` : ''}): the returned items are refunded in full at receipt` }], context.event.id);
  }
}
