import type { ReviewAction } from './review-request';

/** A review item as stored in `review_items`. */
export interface ReviewItemRecord {
  id: string;
  orderId: string;
  step: string;
  phase: 'action' | 'compensation';
  reason: string;
  detail: string | null;
  allowedActions: ReviewAction[];
  retry: 'same-command' | 'new-attempt';
  openedAt: Date;
  dueBy: Date;
  cause: { type: string; eventId: string | null };
  state: 'open' | 'resolved';
  resolution: { action: ReviewAction; note: string | null; by: string; at: Date; idempotencyKey: string | null } | null;
}

/** The review item as the API shows it (also in `GET /orders/:id`). */
export function reviewItemView(item: ReviewItemRecord, now: Date) {
  return {
    id: item.id,
    orderId: item.orderId,
    step: item.step,
    phase: item.phase,
    reason: item.reason,
    detail: item.detail,
    allowedActions: item.allowedActions,
    retry: item.retry,
    openedAt: item.openedAt.toISOString(),
    dueBy: item.dueBy.toISOString(),
    overdue: item.state === 'open' && item.dueBy.getTime() < now.getTime(),
    openedBy: item.cause,
    state: item.state,
    resolution: item.resolution && { action: item.resolution.action, note: item.resolution.note, by: item.resolution.by, at: item.resolution.at.toISOString() },
  };
}
export type ReviewItemView = ReturnType<typeof reviewItemView>;

export type ResolutionDecision =
  | { outcome: 'apply' }
  | { outcome: 'replay' }
  | { outcome: 'conflict'; message: string }
  | { outcome: 'not-allowed'; message: string };

/**
 * What a resolution request does to an item: an open item takes an allowed action; a resolved one
 * answers a repeat (the same action, or the same Idempotency-Key with the same action) with the first
 * answer, and anything else with a conflict naming the first decision.
 */
export function decideResolution(item: ReviewItemRecord, action: ReviewAction, idempotencyKey: string | null): ResolutionDecision {
  if (item.state === 'resolved' && item.resolution) {
    const first = item.resolution;
    if (first.action === action) return { outcome: 'replay' };
    const key = idempotencyKey !== null && idempotencyKey === first.idempotencyKey ? ` (Idempotency-Key "${idempotencyKey}" was used for that decision)` : '';
    return { outcome: 'conflict', message: `review item ${item.id} was already resolved with ${first.action} by ${first.by} at ${first.at.toISOString()}${key}` };
  }
  if (!item.allowedActions.includes(action)) {
    return { outcome: 'not-allowed', message: `${action} is not allowed on review item ${item.id} (${item.reason} in the ${item.phase} of ${item.step}); allowed: ${item.allowedActions.join(', ')}` };
  }
  return { outcome: 'apply' };
}
