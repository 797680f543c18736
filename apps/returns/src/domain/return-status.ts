/**
 * The life of a return: requested → authorized | review | rejected; review → authorized | rejected
 * (an operator); authorized → partially_received → received (by receipts); each receipt's refund
 * goes pending → refunded (RefundIssued) | failed (RefundFailed). Rejected and received are final for
 * the return's items; refunds may still settle after received.
 */
export type ReturnStatus = 'review' | 'authorized' | 'rejected' | 'partially_received' | 'received';
export type RefundStatus = 'none' | 'pending' | 'refunded' | 'failed';

export type Transition = { ok: true } | { ok: false; message: string };

export function canReceive(status: ReturnStatus): Transition {
  if (status === 'authorized' || status === 'partially_received') return { ok: true };
  const why: Record<string, string> = { review: 'it is waiting for an operator\'s review', rejected: 'it was rejected', received: 'everything authorised has already arrived' };
  return { ok: false, message: `the return cannot take a receipt: ${why[status]}` };
}

/** An operator's approve or reject; only a return in review takes one (asking the same twice is answered as done). */
export function canDecide(status: ReturnStatus, decision: 'approve' | 'reject'): Transition | { ok: true; already: true } {
  if (status === 'review') return { ok: true };
  if ((decision === 'approve' && status === 'authorized') || (decision === 'reject' && status === 'rejected')) return { ok: true, already: true };
  return { ok: false, message: `the return is ${status}, not in review: it cannot be ${decision === 'approve' ? 'approved' : 'rejected'} now` };
}

/** Statuses whose return holds its units (a second request for them is refused). */
export const HOLDING_STATUSES: ReturnStatus[] = ['review', 'authorized', 'partially_received', 'received'];

/** A return's refund status from its receipts' refunds. */
export function refundStatusOf(refunds: Array<{ status: 'pending' | 'issued' | 'failed' }>): RefundStatus {
  if (refunds.length === 0) return 'none';
  if (refunds.some((refund) => refund.status === 'failed')) return 'failed';
  if (refunds.some((refund) => refund.status === 'pending')) return 'pending';
  return 'refunded';
}
