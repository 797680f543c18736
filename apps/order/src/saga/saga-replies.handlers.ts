import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  AmendSaleOrder,
  CancelSaleOrder,
  CreateInvoice,
  CreateSaleOrder,
  OdooCommandFailed,
  OdooCommandSucceeded,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentDeclined,
  PaymentLinkSent,
  PaymentNotFound,
  PaymentVoided,
  RefundFailed,
  RefundIssued,
  RegisterPayment,
  ReservationCommitted,
  ReservationRejected,
  ReservationReleased,
  StockReserved,
  ValidateDelivery,
  VoidPayment,
} from '@omnibus/contracts';
import { sagaCommandId } from '@omnibus/saga';
import { EventContext } from '@omnibus/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import type { OrderConfig } from '../config';
import { orderMetrics } from '../metrics';
import { loadSagaWithOrder } from '../orders/order-store';
import { RunOutcome, SagaRunner } from './saga-runner';

/** Odoo commands the order saga issues; other services' results share odoo.results and are passed over. */
const SAGA_ODOO_COMMANDS: string[] = [CreateSaleOrder.type, CancelSaleOrder.type, ValidateDelivery.type, CreateInvoice.type, RegisterPayment.type, AmendSaleOrder.type];

/**
 * Replies of the saga's participants → the order saga: inventory's answers on retail.reservations, the
 * adapter's on odoo.results and the gateway connector's on retail.payments. Each runs in its delivery's transaction with the inbox record (a redelivery is
 * skipped by the runtime); a repeated reply (a replayed command) is recognised by the engine and changes
 * nothing. Sequenced: one order's replies are handled in the order they were published.
 */
@Controller()
export class SagaReplyHandlers {
  constructor(
    private readonly runner: SagaRunner,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(StockReserved.type, { sequenced: true })
  stockReserved(@Payload() reply: StockReserved, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(ReservationRejected.type, { sequenced: true })
  reservationRejected(@Payload() reply: ReservationRejected, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(ReservationReleased.type, { sequenced: true })
  reservationReleased(@Payload() reply: ReservationReleased, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(ReservationCommitted.type, { sequenced: true })
  reservationCommitted(@Payload() reply: ReservationCommitted, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(OdooCommandSucceeded.type, { sequenced: true })
  async odooSucceeded(@Payload() result: OdooCommandSucceeded, @Ctx() context: EventContext): Promise<void> {
    if (SAGA_ODOO_COMMANDS.includes(result.commandType)) await this.reply(result.aggregateId, result, result.commandId, context);
  }

  @EventPattern(OdooCommandFailed.type, { sequenced: true })
  async odooFailed(@Payload() result: OdooCommandFailed, @Ctx() context: EventContext): Promise<void> {
    if (SAGA_ODOO_COMMANDS.includes(result.commandType)) await this.reply(result.aggregateId, result, result.commandId, context);
  }

  // The gateway connector's answers on retail.payments (from the gateway's API answers and webhooks, each fact once).
  /**
   * An authorisation the saga no longer waits for (it gave up and cancelled the order, or it is another
   * authorisation than the order's) would hold the customer's money until the gateway lets it lapse:
   * it is voided at once.
   */
  @EventPattern(PaymentAuthorized.type, { sequenced: true })
  async paymentAuthorized(@Payload() reply: PaymentAuthorized, @Ctx() context: EventContext): Promise<void> {
    const outcome = await this.advance(reply.orderId, reply, undefined, context);
    if (outcome.outcome !== 'ignored' || outcome.kind !== 'finished') return;
    const saga = (await loadSagaWithOrder(context.manager, reply.orderId))?.stored.state;
    if (!saga || (saga.status === 'completed' && saga.data.payment?.paymentId === reply.paymentId)) return;
    const voidPayment: VoidPayment = {
      commandId: sagaCommandId({ saga: 'order', sagaId: reply.orderId, step: 'authorisePayment', phase: 'late-void', attempt: 0, key: reply.paymentId }),
      orderId: reply.orderId,
      companyId: reply.companyId,
      gateway: reply.gateway,
      paymentId: reply.paymentId,
      gatewayReference: reply.gatewayReference,
      reason: `authorised after the order was ${saga.status === 'compensated' ? 'cancelled' : 'paid otherwise'}`,
      occurredAt: new Date(),
    };
    this.logger.warn({ orderId: reply.orderId, paymentId: reply.paymentId, sagaStatus: saga.status }, 'late authorisation: voiding it');
    orderMetrics.lateAuthorisationsVoided.inc();
    await context.emit({ topic: topicFor(this.config, VoidPayment.topic), type: VoidPayment.type, key: reply.orderId, payload: voidPayment });
  }

  @EventPattern(PaymentDeclined.type, { sequenced: true })
  paymentDeclined(@Payload() reply: PaymentDeclined, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(PaymentLinkSent.type, { sequenced: true })
  paymentLinkSent(@Payload() reply: PaymentLinkSent, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(PaymentVoided.type, { sequenced: true })
  paymentVoided(@Payload() reply: PaymentVoided, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(PaymentCaptured.type, { sequenced: true })
  paymentCaptured(@Payload() reply: PaymentCaptured, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  // Every refund of the order (the saga's own and a return's); the saga takes only those it asked for.
  @EventPattern(RefundIssued.type, { sequenced: true })
  refundIssued(@Payload() reply: RefundIssued, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(RefundFailed.type, { sequenced: true })
  refundFailed(@Payload() reply: RefundFailed, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, undefined, context);
  }

  @EventPattern(PaymentNotFound.type, { sequenced: true })
  paymentNotFound(@Payload() reply: PaymentNotFound, @Ctx() context: EventContext): Promise<void> {
    return this.reply(reply.orderId, reply, reply.commandId, context);
  }

  private async reply(orderId: string, payload: unknown, commandId: string | undefined, context: EventContext): Promise<void> {
    await this.advance(orderId, payload, commandId, context);
  }

  /** Feeds the reply to the order's saga; what came of it. */
  private async advance(orderId: string, payload: unknown, commandId: string | undefined, context: EventContext): Promise<RunOutcome> {
    const { event, manager } = context;
    const input = { kind: 'reply' as const, reply: { type: event.type, payload, eventId: event.id, ...(commandId ? { commandId } : {}) }, at: new Date().toISOString() };
    const outcome = await this.runner.handle(manager, orderId, input, { type: event.type, eventId: event.id }, (events) => context.emit(events));
    if (outcome.outcome === 'unknown-order') {
      // Another order service (another environment sharing the topic) issued the command; nothing of ours.
      this.logger.warn({ orderId, eventId: event.id, type: event.type }, 'saga reply for an order this service does not know; ignored');
      orderMetrics.sagaInputsIgnored.inc({ reason: 'unknown-order' });
    } else if (outcome.outcome === 'ignored') {
      orderMetrics.sagaInputsIgnored.inc({ reason: outcome.kind });
    }
    return outcome;
  }
}
