import { Inject, Injectable } from '@nestjs/common';
import { contractFor, Money, PaymentCaptured } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { EntityManager } from 'typeorm';
import type { OrderConfig } from '../config';
import { orderMetrics } from '../metrics';
import { FactOutcome, nextPaymentStatus, PaymentFact, PaymentFactStatus, paymentEvent } from './payment-facts';
import { RefundFact, refundEvent, refundedPaymentStatus, RefusalKind, refundSource } from './refund-facts';

/** What the gateway answered to one CapturePayment. */
export interface CaptureFact {
  /** The CapturePayment command id, the capture's idempotency key at the gateway. */
  captureId: string;
  paymentId: string;
  orderId: string;
  gateway: string;
  gatewayReference: string;
  shipmentId: string | null;
  amount: Money;
  final: boolean;
  at: Date;
}

/** A payment link (checkout session) the connector opened for a pay-by-link payment. */
export interface PaymentLink {
  paymentId: string;
  orderId: string;
  gateway: string;
  sessionId: string;
  url: string;
  expiresAt: Date;
  amount: Money;
}

/** Stages events in the caller's transaction (a delivery's `context.emit` or the outbox). */
export type EmitPaymentEvents = (events: OutgoingEvent[]) => Promise<unknown>;

/**
 * Records what the gateway said about a payment in the `payment` table and, when it moves the payment
 * forward, publishes it once on retail.payments, in the caller's transaction: the saga consumes the
 * event like any participant's reply. The connector (API answers) and the webhooks both come here.
 */
@Injectable()
export class PaymentRecorder {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: OrderConfig) {}

  async record(manager: EntityManager, fact: PaymentFact, companyId: string, emit: EmitPaymentEvents): Promise<FactOutcome> {
    // A declined try on a payment link is not final: the customer may pay the same link with another
    // card, so the row waits for the authorisation; each decline is published (its webhook acts once),
    // unless it arrives after the payment went through (webhooks come in any order).
    if (fact.status === 'declined' && (await this.linkOf(manager, fact.paymentId))) {
      const [paid] = (await manager.query(`SELECT 1 FROM payment WHERE payment_id = $1`, [fact.paymentId])) as unknown[];
      if (paid) return 'stale';
      const event = paymentEvent({ ...fact, status: fact.status }, companyId);
      await emit([this.event(event.type, fact.orderId, event.payload)]);
      return 'applied';
    }
    // Claim the row first: of two deliveries of one fact at once (the API answer and the webhook), the
    // second waits for the first to commit and then finds its status, so the fact is published once.
    const inserted = (await manager.query(
      `INSERT INTO payment (payment_id, order_id, gateway, gateway_reference, status, amount_minor, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (payment_id) DO NOTHING RETURNING payment_id`,
      [fact.paymentId, fact.orderId, fact.gateway, fact.gatewayReference, fact.status, fact.amount.amountMinor, fact.amount.currency],
    )) as unknown[];
    if (!inserted.length) {
      const [row] = (await manager.query(`SELECT status FROM payment WHERE payment_id = $1 FOR UPDATE`, [fact.paymentId])) as Array<{ status: PaymentFactStatus }>;
      const outcome = nextPaymentStatus(row.status, fact.status);
      if (outcome !== 'applied') return outcome;
      await manager.query(`UPDATE payment SET status = $2, gateway_reference = COALESCE($3, gateway_reference), updated_at = now() WHERE payment_id = $1`, [
        fact.paymentId,
        fact.status,
        fact.gatewayReference,
      ]);
    }
    // Captures are published one by one, from the connector's answers (recordCapture): the gateway's
    // "succeeded" only says the last one is done.
    if (fact.status === 'captured') return 'applied';
    const event = paymentEvent({ ...fact, status: fact.status }, companyId);
    await emit([this.event(event.type, fact.orderId, event.payload)]);
    return 'applied';
  }

  /** Records one capture by its id and publishes PaymentCaptured once; a final one settles the payment. */
  async recordCapture(manager: EntityManager, capture: CaptureFact, companyId: string, emit: EmitPaymentEvents): Promise<FactOutcome> {
    const inserted = (await manager.query(
      `INSERT INTO payment_capture (capture_id, payment_id, order_id, shipment_id, amount_minor, currency, final, gateway_reference)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (capture_id) DO NOTHING RETURNING capture_id`,
      [capture.captureId, capture.paymentId, capture.orderId, capture.shipmentId, capture.amount.amountMinor, capture.amount.currency, capture.final, capture.gatewayReference],
    )) as unknown[];
    if (!inserted.length) return 'duplicate';
    if (capture.final) await manager.query(`UPDATE payment SET status = 'captured', updated_at = now() WHERE payment_id = $1 AND status = 'authorised'`, [capture.paymentId]);
    const payload: PaymentCaptured = {
      paymentId: capture.paymentId,
      orderId: capture.orderId,
      companyId,
      captureId: capture.captureId,
      gateway: capture.gateway,
      gatewayReference: capture.gatewayReference,
      method: 'CARD',
      amount: capture.amount,
      shipmentId: capture.shipmentId,
      finalCapture: capture.final,
      occurredAt: capture.at,
    };
    await emit([this.event(PaymentCaptured.type, capture.orderId, payload)]);
    return 'applied';
  }

  /**
   * Records one refund by our refund id and publishes RefundIssued or RefundFailed once: the API answer
   * and the webhook of the same refund claim the same row, the second finds it and publishes nothing.
   * An issued refund moves the order's payment status to `partially_refunded` / `refunded` (whoever
   * asked: the saga or a return) and both outcomes are written on the order's timeline, in the
   * caller's transaction. `refusal` is the metrics' kind of a failure.
   */
  async recordRefund(
    manager: EntityManager,
    fact: RefundFact,
    companyId: string,
    emit: EmitPaymentEvents,
    cause: { type: string; eventId: string | null },
    refusal: RefusalKind = 'other',
  ): Promise<FactOutcome> {
    const inserted = (await manager.query(
      `INSERT INTO payment_refund (refund_id, order_id, payment_id, return_id, gateway, gateway_reference, status, amount_minor, currency, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (refund_id) DO NOTHING RETURNING refund_id`,
      [fact.refundId, fact.orderId, fact.paymentId, fact.returnId, fact.gateway, fact.gatewayReference, fact.outcome, fact.amount.amountMinor, fact.amount.currency, fact.reason],
    )) as unknown[];
    if (!inserted.length) return 'duplicate';
    const money = `${fact.amount.amountMinor} ${fact.amount.currency}`;
    const asked = fact.returnId ? ` for return ${fact.returnId}` : '';
    const detail =
      fact.outcome === 'issued'
        ? `${money} refunded${asked} at ${fact.gateway} (${fact.gatewayReference}): ${fact.reason}`
        : `the refund of ${money}${asked} was refused${fact.gateway ? ` by ${fact.gateway}` : ''}: ${fact.reason}`;
    if (fact.outcome === 'issued') {
      const [totals] = (await manager.query(
        `SELECT (SELECT COALESCE(sum(amount_minor), 0) FROM payment_capture WHERE order_id = $1) AS captured,
                (SELECT COALESCE(sum(amount_minor), 0) FROM payment_refund WHERE order_id = $1 AND status = 'issued') AS refunded`,
        [fact.orderId],
      )) as Array<{ captured: string; refunded: string }>;
      const status = refundedPaymentStatus(Number(totals.captured), Number(totals.refunded));
      if (status) await manager.query(`UPDATE orders SET payment_status = $2, updated_at = now() WHERE id = $1`, [fact.orderId, status]);
    }
    await manager.query(
      `INSERT INTO order_timeline (order_id, at, step, phase, what, detail, cause_type, cause_event_id) SELECT $1, $2, 'refund', 'action', $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM orders WHERE id = $1)`,
      [fact.orderId, fact.at, fact.outcome === 'issued' ? 'refund issued' : 'refund refused', detail, cause.type, cause.eventId],
    );
    if (fact.outcome === 'issued') orderMetrics.refundsIssued.inc({ for: refundSource(fact) });
    else orderMetrics.refundsFailed.inc({ for: refundSource(fact), reason: refusal });
    const event = refundEvent(fact, companyId);
    await emit([this.event(event.type, fact.orderId, event.payload)]);
    return 'applied';
  }

  /** The order's payment that money may be refunded from: authorised (maybe partly captured) or captured; the newest. */
  async refundablePaymentOf(manager: EntityManager, orderId: string): Promise<{ paymentId: string; gateway: string; gatewayReference: string | null } | null> {
    const [row] = (await manager.query(
      `SELECT payment_id, gateway, gateway_reference FROM payment WHERE order_id = $1 AND status IN ('captured', 'authorised') ORDER BY (status = 'captured') DESC, updated_at DESC LIMIT 1`,
      [orderId],
    )) as Array<{ payment_id: string; gateway: string; gateway_reference: string | null }>;
    return row ? { paymentId: row.payment_id, gateway: row.gateway, gatewayReference: row.gateway_reference } : null;
  }

  /** The checkout session opened for a pay-by-link payment, once (a redelivery finds the first). */
  async recordLink(manager: EntityManager, link: PaymentLink): Promise<void> {
    await manager.query(
      `INSERT INTO payment_link (payment_id, order_id, gateway, session_id, url, expires_at, amount_minor, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (payment_id) DO NOTHING`,
      [link.paymentId, link.orderId, link.gateway, link.sessionId, link.url, link.expiresAt, link.amount.amountMinor, link.amount.currency],
    );
  }

  async linkOf(manager: EntityManager, paymentId: string): Promise<PaymentLink | null> {
    const [row] = (await manager.query(`SELECT payment_id, order_id, gateway, session_id, url, expires_at, amount_minor, currency FROM payment_link WHERE payment_id = $1`, [paymentId])) as Array<{
      payment_id: string;
      order_id: string;
      gateway: string;
      session_id: string;
      url: string;
      expires_at: Date;
      amount_minor: string;
      currency: string;
    }>;
    return row
      ? { paymentId: row.payment_id, orderId: row.order_id, gateway: row.gateway, sessionId: row.session_id, url: row.url, expiresAt: row.expires_at, amount: { amountMinor: Number(row.amount_minor), currency: row.currency } }
      : null;
  }

  /** An answer to one of the saga's commands that is not a payment fact (PaymentNotFound). */
  event(type: string, orderId: string, payload: unknown): OutgoingEvent {
    const contract = contractFor(type);
    if (!contract) throw new Error(`no contract for ${type}`);
    return { topic: topicFor(this.config, contract.topic), type, key: orderId, payload };
  }
}
