import { Inject, Injectable } from '@nestjs/common';
import { contractFor } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { EntityManager } from 'typeorm';
import type { OrderConfig } from '../config';
import { FactOutcome, nextPaymentStatus, PaymentFact, PaymentFactStatus, paymentEvent } from './payment-facts';

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
    const event = paymentEvent(fact, companyId);
    await emit([this.event(event.type, fact.orderId, event.payload)]);
    return 'applied';
  }

  /** An answer to one of the saga's commands that is not a payment fact (PaymentNotFound). */
  event(type: string, orderId: string, payload: unknown): OutgoingEvent {
    const contract = contractFor(type);
    if (!contract) throw new Error(`no contract for ${type}`);
    return { topic: topicFor(this.config, contract.topic), type, key: orderId, payload };
  }
}
