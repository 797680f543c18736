import { Money, PaymentAuthorized, PaymentDeclined, PaymentVoided } from '@omnibus/contracts';

/**
 * What the gateway said about a payment, from its API answer or its webhook, and the rule that keeps
 * them in order. Statuses only move forward: authorised → captured or voided; declined, captured and
 * voided are final. The same status again is a duplicate (the answer and the webhook of one fact); a
 * status behind the current one is stale (an `authorised` webhook after the void). Pure.
 */
export type PaymentFactStatus = 'authorised' | 'declined' | 'captured' | 'voided';

export interface PaymentFact {
  /** Our payment id: the AuthorisePayment command id, the gateway idempotency key. */
  paymentId: string;
  orderId: string;
  gateway: string;
  gatewayReference: string | null;
  status: PaymentFactStatus;
  amount: Money;
  declineCode?: string | null;
  reason?: string | null;
  /** When the gateway did it. */
  at: Date;
}

const NEXT: Record<PaymentFactStatus, PaymentFactStatus[]> = {
  authorised: ['captured', 'voided'],
  declined: [],
  captured: [],
  voided: [],
};

export type FactOutcome = 'applied' | 'duplicate' | 'stale';

export function nextPaymentStatus(current: PaymentFactStatus | null, reported: PaymentFactStatus): FactOutcome {
  if (current === null) return 'applied';
  if (current === reported) return 'duplicate';
  return NEXT[current].includes(reported) ? 'applied' : 'stale';
}

/**
 * The public event of an applied fact, as its contract on retail.payments. Not for `captured`: each
 * capture is published on its own with its shipment (PaymentRecorder.recordCapture).
 */
export function paymentEvent(fact: PaymentFact & { status: Exclude<PaymentFactStatus, 'captured'> }, companyId: string): { type: string; payload: PaymentAuthorized | PaymentDeclined | PaymentVoided } {
  const common = { paymentId: fact.paymentId, orderId: fact.orderId, companyId, gateway: fact.gateway, amount: fact.amount, occurredAt: fact.at };
  switch (fact.status) {
    case 'authorised':
      return { type: PaymentAuthorized.type, payload: { ...common, gatewayReference: fact.gatewayReference ?? '', method: 'CARD', expiresAt: null } };
    case 'declined':
      return { type: PaymentDeclined.type, payload: { ...common, gatewayReference: fact.gatewayReference, method: 'CARD', declineCode: fact.declineCode ?? null, reason: fact.reason ?? 'declined by the gateway' } };
    case 'voided':
      return { type: PaymentVoided.type, payload: { ...common, gatewayReference: fact.gatewayReference ?? '', reason: fact.reason ?? 'voided' } };
  }
}

/** A gateway intent's status as a fact status; `requires_payment_method` and the like say nothing yet. */
export function statusOfIntent(status: string): PaymentFactStatus | null {
  return ({ requires_capture: 'authorised', succeeded: 'captured', canceled: 'voided' } as Record<string, PaymentFactStatus>)[status] ?? null;
}
