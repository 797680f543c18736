import type { ItemCondition, Money, ReturnReason } from '@omnibus/contracts';
import { paidFor, PaidLine } from './paid-prices';
import { nonReturnableBy, PolicyInForce } from './policy';
import { refundLine } from './refund';
import { checkReturnable, ShippedLine } from './return-quantities';

const DAY_MS = 24 * 3600_000;

export interface RequestedLine {
  lineId: string;
  quantityMilli: number;
  reason: ReturnReason;
  /** The condition as the customer states it. */
  condition: ItemCondition;
}

export interface ReturnFacts {
  requestedAt: Date;
  lines: RequestedLine[];
  paidLines: PaidLine[];
  shipped: Map<string, ShippedLine>;
  /** Per line, what other returns of the order hold. */
  heldMilli: Map<string, number>;
  /** Per line, what earlier refunds of the order paid back (for the cumulative unit price). */
  refundedMilli: Map<string, number>;
  customerTier: string | null;
}

export interface AuthorizedLine {
  lineId: string;
  sku: string;
  quantityMilli: number;
  /** The refund due once received resellable: the ceiling, fee deducted. */
  refundAmount: Money;
}

export type ReturnDecision =
  | { outcome: 'authorized'; lines: AuthorizedLine[]; returnBy: Date }
  | { outcome: 'review'; lines: AuthorizedLine[]; returnBy: Date; why: string }
  | { outcome: 'rejected'; rule: string; reason: string };

/**
 * Judges a return request by the policy version in force. Any refused line refuses the whole request
 * (nothing is half-authorised: the customer asks again without that line). Checked line by line in
 * this order: the line exists, the item is returnable, the window, the quantity shipped, what other
 * returns already hold, the stated condition; then what sends it to review instead of approving it.
 */
export function decideReturn(policy: PolicyInForce, facts: ReturnFacts): ReturnDecision {
  const { version } = policy;
  const tier = facts.customerTier ? version.tiers[facts.customerTier] : undefined;
  const windowDays = tier?.windowDays ?? version.windowDays;
  const seen = new Set<string>();
  const lines: AuthorizedLine[] = [];
  for (const requested of facts.lines) {
    const paid = facts.paidLines.find((line) => line.lineId === requested.lineId);
    if (!paid) return { outcome: 'rejected', rule: 'unknown-line', reason: `the order has no line ${requested.lineId}` };
    if (seen.has(requested.lineId)) return { outcome: 'rejected', rule: 'duplicate-line', reason: `line ${requested.lineId} is asked back twice in one request` };
    seen.add(requested.lineId);
    const category = nonReturnableBy(version, paid.sku);
    if (category) {
      return { outcome: 'rejected', rule: 'non-returnable', reason: `${paid.sku} (line ${paid.lineId}) cannot be returned${category === 'sku' ? '' : ` (category ${category})`}` };
    }
    const shipped = facts.shipped.get(requested.lineId);
    if (shipped?.windowStart) {
      const closes = new Date(shipped.windowStart.getTime() + windowDays * DAY_MS);
      if (facts.requestedAt > closes) {
        return { outcome: 'rejected', rule: 'window', reason: `the ${windowDays}-day return window of line ${requested.lineId} closed on ${closes.toISOString()}` };
      }
    }
    const quantity = checkReturnable(requested.lineId, requested.quantityMilli, shipped, facts.heldMilli.get(requested.lineId) ?? 0);
    if (!quantity.ok) return { outcome: 'rejected', rule: quantity.rule, reason: quantity.reason };
    if (version.refusedConditions.includes(requested.condition)) {
      return { outcome: 'rejected', rule: 'condition', reason: `items stated ${requested.condition} are not taken back (line ${requested.lineId})` };
    }
    const from = facts.refundedMilli.get(requested.lineId) ?? 0;
    const due = refundLine(paidFor(paid, from, from + requested.quantityMilli), version.restockingFeePercent);
    lines.push({ lineId: paid.lineId, sku: paid.sku, quantityMilli: requested.quantityMilli, refundAmount: due.amount });
  }

  const returnBy = new Date(facts.requestedAt.getTime() + version.handInDays * DAY_MS);
  const approval = tier?.approval ?? version.approval;
  const inspection = facts.lines.find((line) => version.reasonsNeedingInspection.includes(line.reason) || version.conditionsNeedingInspection.includes(line.condition));
  if (inspection) return { outcome: 'review', lines, returnBy, why: `line ${inspection.lineId} (${inspection.reason}, stated ${inspection.condition}) needs an inspection first` };
  if (approval === 'review') return { outcome: 'review', lines, returnBy, why: `policy ${policy.policyId} v${version.version} approves returns by review` };
  return { outcome: 'authorized', lines, returnBy };
}
