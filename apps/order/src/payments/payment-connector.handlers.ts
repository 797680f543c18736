import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AuthorisePayment, CapturePayment, PaymentVoided, PaymentLinkSent, PaymentNotFound, QueryPayment, RefundPayment, VoidPayment } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { OrderConfig } from '../config';
import { ChunkGatewayCalls } from './chunk-gateway-calls';
import type { Logger } from 'pino';
import { orderMetrics } from '../metrics';
import { loadOrderForSaga } from '../orders/order-store';
import { GatewayIntent, GatewayOutcomeUnknown, GatewayRefused, PaymentGatewayClient } from './gateway-client';
import { PaymentFact, statusOfIntent } from './payment-facts';
import { PaymentLink, PaymentRecorder } from './payment-recorder';
import { RefundFact, refusalKind, RefusalKind } from './refund-facts';
import { PAYMENT_GATEWAY } from './tokens';

/**
 * The gateway connector: the saga's payment commands (payments.commands, which this service consumes
 * itself) → HTTP calls to the gateway → what the gateway said, recorded and published through the
 * outbox (PaymentAuthorized, PaymentDeclined, PaymentVoided, PaymentCaptured, PaymentNotFound,
 * RefundIssued, RefundFailed).
 *
 * Why here and so: the saga's transaction only stages a command; the HTTP call happens in this
 * delivery, whose inbox record, payment row and answer commit together. Every write uses the command
 * id as idempotency key, so a redelivery after a crash between the call and the commit gets the
 * gateway's first answer again and never authorises (captures, voids) twice. An answer lost in transit
 * is not a failure: the connector asks the gateway for the intent of this payment id, and if it has
 * none yet, throws so the runtime retries the same idempotent call.
 */
@Controller()
export class PaymentConnectorHandlers {
  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGatewayClient,
    private readonly recorder: PaymentRecorder,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) config: OrderConfig,
  ) {
    this.calls = new ChunkGatewayCalls(config.ORDER_PAYMENT_GATEWAY_CONCURRENCY);
  }

  private readonly calls: ChunkGatewayCalls;

  /**
   * Card authorisations are made side by side with the chunk's others (ChunkGatewayCalls) and recorded
   * in chunk order before it commits; every other payment command first lets those go out, so an
   * order's commands never overtake each other.
   */
  @EventPattern(AuthorisePayment.type, { sequenced: true })
  async authorise(@Payload() command: AuthorisePayment, @Ctx() context: EventContext): Promise<void> {
    if (command.payByLink) {
      await this.calls.flush(context.manager);
      return this.openLink(command, context);
    }
    this.calls.add(context, () => this.authorisationFact(command), (fact) => this.record(fact, context));
  }

  /** The gateway's answer to one authorisation (HTTP only: no database, so calls may overlap). */
  private async authorisationFact(command: AuthorisePayment): Promise<PaymentFact> {
    const paymentId = command.commandId;
    const base = { paymentId, orderId: command.orderId, gateway: command.gateway, amount: command.amount, at: new Date() };
    try {
      const answer = await this.gateway.authorise(paymentId, {
        amountMinor: command.amount.amountMinor,
        currency: command.amount.currency,
        paymentMethod: command.paymentToken,
        orderId: command.orderId,
        paymentId,
      });
      return answer.outcome === 'authorised'
        ? { ...base, status: 'authorised', gatewayReference: answer.intent.id }
        : { ...base, status: 'declined', gatewayReference: null, declineCode: answer.declineCode, reason: answer.message };
    } catch (error) {
      if (!(error instanceof GatewayOutcomeUnknown)) throw error;
      orderMetrics.paymentOutcomesUnknown.inc({ call: 'authorise' });
      const intent = await this.gateway.find(command.orderId, paymentId);
      if (!intent) throw new Error(`authorisation ${paymentId} of order ${command.orderId}: ${error.message}; the gateway has no intent for it yet, so the same idempotent call is retried`);
      this.logger.warn({ orderId: command.orderId, paymentId, intent: intent.id }, 'authorisation answer lost; found the intent by its payment id');
      return this.factOfIntent(base, intent)!;
    }
  }

  @EventPattern(QueryPayment.type, { sequenced: true })
  async query(@Payload() command: QueryPayment, @Ctx() context: EventContext): Promise<void> {
    await this.calls.flush(context.manager);
    const intent = await this.gateway.find(command.orderId, command.paymentId);
    const fact = intent && this.factOfIntent({ paymentId: command.paymentId, orderId: command.orderId, gateway: command.gateway, at: new Date() }, intent);
    if (fact) return this.record(fact, context);
    await this.notFound(command, context);
  }

  @EventPattern(VoidPayment.type, { sequenced: true })
  async void(@Payload() command: VoidPayment, @Ctx() context: EventContext): Promise<void> {
    await this.calls.flush(context.manager);
    const intent = command.gatewayReference ? { id: command.gatewayReference } : await this.gateway.find(command.orderId, command.paymentId);
    if (!intent) {
      const link = await this.recorder.linkOf(context.manager, command.paymentId);
      return link ? this.expireLink(command, link, context) : this.notFound(command, context);
    }
    const current = await this.gateway.retrieve(intent.id);
    // Voided already (by an earlier void, or the gateway itself) counts as voided; the rest is cancelled with our key.
    const voided = current.status === 'canceled' ? current : await this.gateway.cancel(intent.id, command.commandId);
    if (voided.status === 'succeeded') return this.restReleased(command, voided, context);
    await this.record({ ...this.factOfIntent({ paymentId: command.paymentId, orderId: command.orderId, gateway: command.gateway, at: new Date() }, voided)!, reason: command.reason }, context);
  }

  /**
   * A void of a partly captured authorisation releases the rest; the gateway then calls the intent
   * succeeded (what was captured stays). That is this void's answer, published for the saga once (the
   * command's delivery is once), whatever the payment row's status (a "succeeded" webhook may have
   * moved it to captured first).
   */
  private async restReleased(command: VoidPayment, intent: GatewayIntent, context: EventContext): Promise<void> {
    const order = await loadOrderForSaga(context.manager, command.orderId);
    if (!order) throw new Error(`void ${command.commandId} for order ${command.orderId}, which this service does not have`);
    const released: PaymentVoided = {
      paymentId: command.paymentId,
      orderId: command.orderId,
      companyId: order.order.companyId,
      gateway: command.gateway,
      gatewayReference: intent.id,
      amount: { amountMinor: Math.max(intent.amount - intent.amount_received, 0), currency: intent.currency.toUpperCase() },
      reason: `${command.reason} (the rest after ${intent.amount_received} captured released)`,
      occurredAt: new Date(),
    };
    await context.emit([this.recorder.event(PaymentVoided.type, command.orderId, released)]);
  }

  /**
   * Pay by link: opens the checkout session (the payment id as idempotency key, so a redelivery gets
   * the same session), keeps it and publishes PaymentLinkSent for the channel to send the customer.
   * The authorisation arrives later, as the webhook of the customer's payment.
   */
  private async openLink(command: AuthorisePayment, context: EventContext): Promise<void> {
    const paymentId = command.commandId;
    if (!command.linkExpiresAt) throw new Error(`AuthorisePayment ${paymentId} of order ${command.orderId} asks for a payment link without linkExpiresAt`);
    if (command.linkExpiresAt.getTime() <= Date.now()) {
      // Handled too late (a long outage): a link that has already lapsed is not opened; the saga's
      // timeout finds no payment and cancels the order.
      this.logger.warn({ orderId: command.orderId, paymentId, linkExpiresAt: command.linkExpiresAt }, 'payment link lapsed before it could be opened; not opened');
      return;
    }
    const session = await this.gateway.openCheckoutSession(paymentId, {
      amountMinor: command.amount.amountMinor,
      currency: command.amount.currency,
      orderId: command.orderId,
      paymentId,
      expiresAt: command.linkExpiresAt,
    });
    const expiresAt = new Date(session.expires_at * 1000);
    await this.recorder.recordLink(context.manager, { paymentId, orderId: command.orderId, gateway: command.gateway, sessionId: session.id, url: session.url, expiresAt, amount: command.amount });
    const sent: PaymentLinkSent = { paymentId, orderId: command.orderId, companyId: command.companyId, gateway: command.gateway, url: session.url, expiresAt, occurredAt: new Date() };
    await context.emit([this.recorder.event(PaymentLinkSent.type, command.orderId, sent)]);
  }

  /**
   * The void of a link nobody paid: the session is expired, so a late payment cannot happen (one that
   * happened in between made an intent, which the caller found and cancelled instead).
   */
  private async expireLink(command: VoidPayment, link: PaymentLink, context: EventContext): Promise<void> {
    const session = await this.gateway.retrieveCheckoutSession(link.sessionId);
    if (session.status === 'complete' && session.payment_intent) {
      const voided = await this.gateway.cancel(session.payment_intent, command.commandId);
      return this.record({ ...this.factOfIntent({ paymentId: command.paymentId, orderId: command.orderId, gateway: command.gateway, at: new Date() }, voided)!, reason: command.reason }, context);
    }
    if (session.status === 'open') await this.gateway.expireCheckoutSession(link.sessionId, command.commandId);
    this.logger.info({ orderId: command.orderId, paymentId: command.paymentId, session: link.sessionId }, 'payment link expired');
    await this.record({ paymentId: command.paymentId, orderId: command.orderId, gateway: command.gateway, gatewayReference: link.sessionId, status: 'voided', amount: link.amount, reason: command.reason, at: new Date() }, context);
  }

  /**
   * One capture: a shipment's share (not final) or the rest (final). The command id is the capture's
   * idempotency key, so a redelivery gets the gateway's first answer and the capture is published once.
   */
  @EventPattern(CapturePayment.type, { sequenced: true })
  async capture(@Payload() command: CapturePayment, @Ctx() context: EventContext): Promise<void> {
    await this.calls.flush(context.manager);
    const intent = command.gatewayReference ? { id: command.gatewayReference } : await this.gateway.find(command.orderId, command.paymentId);
    if (!intent) return this.notFound(command, context);
    const captured = await this.gateway.capture(intent.id, command.commandId, command.amount.amountMinor, command.finalCapture);
    const order = await loadOrderForSaga(context.manager, command.orderId);
    if (!order) throw new Error(`capture ${command.commandId} for order ${command.orderId}, which this service does not have`);
    await this.recorder.recordCapture(
      context.manager,
      { captureId: command.commandId, paymentId: command.paymentId, orderId: command.orderId, gateway: command.gateway, gatewayReference: captured.id, shipmentId: command.shipmentId, amount: command.amount, final: command.finalCapture, at: new Date() },
      order.order.companyId,
      (events) => context.emit(events),
    );
  }

  /**
   * One refund, from the order saga or the returns service alike (returnId set): the order's captured
   * payment is refunded the amount, the command id as idempotency key, so a redelivery or a retry after
   * a lost answer gets the gateway's first answer and never refunds twice. A definite refusal (4xx: more
   * than is refundable, nothing captured, no such payment, an order we do not have) is RefundFailed
   * with the gateway's words; an unknown outcome (timeout, 5xx, no connection) throws, so the runtime
   * retries the same call. Published once per refund id, whether the answer or the webhook comes first.
   */
  @EventPattern(RefundPayment.type, { sequenced: true })
  async refund(@Payload() command: RefundPayment, @Ctx() context: EventContext): Promise<void> {
    await this.calls.flush(context.manager);
    const cause = { type: RefundPayment.type, eventId: context.event.id };
    const order = await loadOrderForSaga(context.manager, command.orderId);
    const companyId = order?.order.companyId ?? command.companyId;
    const base = { refundId: command.refundId, orderId: command.orderId, returnId: command.returnId ?? null, amount: command.amount, at: new Date() };
    const record = (fact: RefundFact, refusal?: RefusalKind) => this.recorder.recordRefund(context.manager, fact, companyId, (events) => context.emit(events), cause, refusal);
    const refuse = (reason: string, refusal: RefusalKind, payment: { paymentId: string; gateway: string } | null = null) =>
      record({ ...base, paymentId: payment?.paymentId ?? null, gateway: payment?.gateway ?? null, gatewayReference: null, outcome: 'failed', reason }, refusal);
    if (!order) return void (await refuse(`order ${command.orderId} is not known to the payment connector`, 'unknown_order'));
    const payment = await this.recorder.refundablePaymentOf(context.manager, command.orderId);
    if (!payment) return void (await refuse('the order has no captured payment to refund', 'nothing_captured'));
    const intentId = payment.gatewayReference ?? (await this.gateway.find(command.orderId, payment.paymentId))?.id;
    if (!intentId) return void (await refuse(`the gateway has no payment intent for payment ${payment.paymentId}`, 'unknown_payment', payment));
    const metadata = { order_id: command.orderId, payment_id: payment.paymentId, refund_id: command.refundId, reason: command.reason, ...(command.returnId ? { return_id: command.returnId } : {}) };
    try {
      const refund = await this.gateway.refund(command.commandId, { intentId, amountMinor: command.amount.amountMinor, metadata });
      if (refund.status === 'failed') return void (await refuse(`the gateway failed refund ${refund.id}`, 'other', payment));
      // A pending refund (some means of payment) is settled by its webhook (refund.updated).
      if (refund.status !== 'succeeded') return this.logger.info({ orderId: command.orderId, refundId: command.refundId, refund: refund.id, status: refund.status }, 'refund pending at the gateway');
      const fact: RefundFact = { ...base, paymentId: payment.paymentId, gateway: payment.gateway, gatewayReference: refund.id, outcome: 'issued', amount: { amountMinor: refund.amount, currency: command.amount.currency }, reason: command.reason };
      if ((await record(fact)) !== 'applied') this.logger.info({ orderId: command.orderId, refundId: command.refundId }, 'refund already known (its webhook came first)');
    } catch (error) {
      if (error instanceof GatewayRefused) return void (await refuse(error.message, refusalKind(error.code), payment));
      if (error instanceof GatewayOutcomeUnknown) orderMetrics.paymentOutcomesUnknown.inc({ call: 'refund' });
      throw error;
    }
  }

  private factOfIntent(base: Omit<PaymentFact, 'status' | 'gatewayReference' | 'amount'> & { amount?: PaymentFact['amount'] }, intent: GatewayIntent): PaymentFact | null {
    const status = statusOfIntent(intent.status);
    if (!status) return null;
    const amountMinor = status === 'captured' ? intent.amount_received : intent.amount;
    return { ...base, status, gatewayReference: intent.id, amount: base.amount ?? { amountMinor, currency: intent.currency.toUpperCase() } };
  }

  private async record(fact: PaymentFact, context: EventContext): Promise<void> {
    const order = await loadOrderForSaga(context.manager, fact.orderId);
    if (!order) throw new Error(`payment ${fact.paymentId} for order ${fact.orderId}, which this service does not have`);
    const outcome = await this.recorder.record(context.manager, fact, order.order.companyId, (events) => context.emit(events));
    if (outcome !== 'applied') this.logger.info({ orderId: fact.orderId, paymentId: fact.paymentId, status: fact.status, outcome }, 'gateway answer already known');
  }

  private async notFound(command: QueryPayment | VoidPayment | CapturePayment, context: EventContext): Promise<void> {
    const answer: PaymentNotFound = { commandId: command.commandId, paymentId: command.paymentId, orderId: command.orderId, companyId: command.companyId, gateway: command.gateway, occurredAt: new Date() };
    await context.emit([this.recorder.event(PaymentNotFound.type, command.orderId, answer)]);
  }
}
