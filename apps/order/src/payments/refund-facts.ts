import { Money, RefundFailed, RefundIssued } from '@omnibus/contracts';

/**
 * What the gateway said about one refund (its API answer or its webhook), and what it means for the
 * order's payment status. One refund id is one fact: `issued` or `failed`, whichever is known first;
 * the other source's report of the same refund is a duplicate. Pure.
 */
export interface RefundFact {
  /** Our refund id (RefundPayment.refundId), carried back by RefundIssued / RefundFailed. */
  refundId: string;
  orderId: string;
  /** The refunded payment; null when the order had none to refund. */
  paymentId: string | null;
  returnId: string | null;
  gateway: string | null;
  gatewayReference: string | null;
  outcome: 'issued' | 'failed';
  amount: Money;
  reason: string;
  at: Date;
}

export function refundEvent(fact: RefundFact, companyId: string): { type: string; payload: RefundIssued | RefundFailed } {
  if (fact.outcome === 'issued') {
    const issued: RefundIssued = {
      refundId: fact.refundId,
      paymentId: fact.paymentId ?? '',
      orderId: fact.orderId,
      companyId,
      returnId: fact.returnId,
      gateway: fact.gateway ?? '',
      gatewayReference: fact.gatewayReference ?? '',
      method: 'CARD',
      amount: fact.amount,
      reason: fact.reason,
      occurredAt: fact.at,
    };
    return { type: RefundIssued.type, payload: issued };
  }
  const refused: RefundFailed = { refundId: fact.refundId, orderId: fact.orderId, companyId, returnId: fact.returnId, gateway: fact.gateway, amount: fact.amount, reason: fact.reason, occurredAt: fact.at };
  return { type: RefundFailed.type, payload: refused };
}

/** The order's payment status once money went back: all of what was captured, or part of it. */
export function refundedPaymentStatus(capturedMinor: number, refundedMinor: number): 'partially_refunded' | 'refunded' | null {
  if (refundedMinor <= 0) return null;
  return refundedMinor >= capturedMinor ? 'refunded' : 'partially_refunded';
}

export type RefusalKind = 'over_refundable' | 'nothing_captured' | 'unknown_payment' | 'unknown_order' | 'other';

/** A refusal's kind for the metrics, from the gateway's error code (Stripe's) or our own finding. */
export function refusalKind(code: string | null): RefusalKind {
  switch (code) {
    case 'charge_already_refunded':
    case 'amount_too_large':
      return 'over_refundable';
    case 'payment_intent_unexpected_state':
    case 'no_captured_payment':
      return 'nothing_captured';
    case 'resource_missing':
      return 'unknown_payment';
    case 'unknown_order':
      return 'unknown_order';
    default:
      return 'other';
  }
}

/** Who asked for a refund, for the metrics and the timeline: a return, or the order saga. */
export function refundSource(fact: Pick<RefundFact, 'returnId'>): 'return' | 'order' {
  return fact.returnId ? 'return' : 'order';
}
