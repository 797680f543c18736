import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CreateSaleOrder, OdooCommandFailed, OdooCommandSucceeded, OrderFlaggedForReview } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { OrderConfig } from '../config';
import { onSaleOrderCreated, onSaleOrderRefused, OdooResultDecision, OrderProgress } from '../domain/order-status';
import { orderFlaggedForReview } from '../domain/order-messages';
import { orderMetrics } from '../metrics';
import { lockOrderProgress, recordStatusChange } from '../orders/order-store';

/**
 * `odoo.results` → the order saga. Runs in the delivery's transaction with the inbox record, so a
 * redelivered result is skipped by the runtime, and a repeated result (a replayed command) is a
 * no-op by the state rules. Results of other services' commands share the topic and are passed over.
 */
@Controller()
export class OdooResultHandlers {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(OdooCommandSucceeded.type, { sequenced: true })
  async saleOrderCreated(@Payload() result: OdooCommandSucceeded, @Ctx() context: EventContext): Promise<void> {
    if (result.commandType !== CreateSaleOrder.type) return;
    await this.apply(result.aggregateId, context, (progress) => onSaleOrderCreated(progress, result));
  }

  @EventPattern(OdooCommandFailed.type, { sequenced: true })
  async saleOrderRefused(@Payload() result: OdooCommandFailed, @Ctx() context: EventContext): Promise<void> {
    if (result.commandType !== CreateSaleOrder.type) return;
    await this.apply(result.aggregateId, context, (progress) => onSaleOrderRefused(progress, result));
  }

  private async apply(orderId: string, context: EventContext, decide: (progress: OrderProgress) => OdooResultDecision): Promise<void> {
    const { manager, event } = context;
    const order = await lockOrderProgress(manager, orderId);
    if (!order) {
      // Another order service (another environment sharing the topic) issued it; nothing of ours.
      this.logger.warn({ orderId, eventId: event.id, type: event.type }, 'Odoo result for an order this service does not know; ignored');
      orderMetrics.odooResults.inc({ outcome: 'no_change' });
      return;
    }
    const decision = decide(order.progress);
    if (decision.change === 'none') {
      this.logger.info({ orderId, eventId: event.id, type: event.type, reason: decision.reason }, 'Odoo result changes nothing');
      orderMetrics.odooResults.inc({ outcome: 'no_change' });
      return;
    }
    const now = new Date();
    await recordStatusChange(manager, order, decision, { eventId: event.id, at: now });
    if (decision.to === 'flagged_for_review') {
      await context.emit({
        topic: topicFor(this.config, OrderFlaggedForReview.topic),
        type: OrderFlaggedForReview.type,
        key: orderId,
        payload: orderFlaggedForReview(order, decision.detail, now),
      });
      this.logger.warn({ orderId, detail: decision.detail }, 'order flagged for review');
    } else {
      orderMetrics.timeToOdoo.observe((now.getTime() - order.acceptedAt.getTime()) / 1000);
      this.logger.info({ orderId, detail: decision.detail }, `order ${decision.to}`);
    }
    orderMetrics.odooResults.inc({ outcome: decision.to });
  }
}
