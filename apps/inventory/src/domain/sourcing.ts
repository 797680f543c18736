import type { LocationKind, SourcingRule } from './network';
import type { Milli } from './quantity';

/** A location that holds (or expects) a SKU, with what it can give now. */
export interface Candidate {
  locationId: string;
  kind: LocationKind;
  region: string;
  /** The channels the location may serve. */
  channels: readonly string[];
  sku: string;
  /** On hand − reserved − committed − unavailable − safety stock; may be ≤ 0. */
  available: Milli;
}

export interface OrderLineRequest {
  lineId: string;
  sku: string;
  quantity: Milli;
}

export interface SourcingRequest {
  channelId: string;
  region: string;
  rule: SourcingRule;
  lines: readonly OrderLineRequest[];
  candidates: readonly Candidate[];
  distance: (from: string, to: string) => number;
}

export interface AllocatedPart {
  lineId: string;
  sku: string;
  locationId: string;
  kind: LocationKind;
  quantity: Milli;
}

export type ShortReason = 'INSUFFICIENT_STOCK' | 'UNKNOWN_SKU' | 'NO_ELIGIBLE_LOCATION';

export interface ShortLine {
  lineId: string;
  sku: string;
  requested: Milli;
  /** What the eligible locations still had for this line (after the order's earlier lines). */
  available: Milli;
  reason: ShortReason;
}

export type SourcingResult = { ok: true; parts: AllocatedPart[] } | { ok: false; reason: ShortReason; shortLines: ShortLine[]; parts: AllocatedPart[] };

/** May this channel's rule use the location at all? */
export function isEligible(candidate: Pick<Candidate, 'kind' | 'channels'>, channelId: string, rule: SourcingRule): boolean {
  if (!candidate.channels.includes(channelId)) return false;
  if (!rule.preference.includes(candidate.kind)) return false;
  if (candidate.kind === 'store' && !rule.shipFromStore) return false;
  if (candidate.kind === 'drop_ship' && !rule.dropShip) return false;
  if (candidate.kind === 'in_transit' && !rule.inTransit) return false;
  return true;
}

/**
 * Picks locations for every line of an order by the channel's rule. Per line: the best single
 * location that covers it in full, ranked by kind preference, then nearest region, then location
 * id (deterministic). If none covers it and the rule allows a split: the fewest locations that
 * together cover it (largest available first, which minimises their number), ties by rank. Lines of
 * one order draw from the same figures, so two lines of one SKU cannot both count the same units.
 * All or nothing: if any line is short, nothing is allocated and every short line is named.
 */
export function allocate(request: SourcingRequest): SourcingResult {
  const { rule, channelId } = request;
  const remaining = new Map<string, Milli>();
  const keyOf = (candidate: Candidate) => `${candidate.sku}\u0000${candidate.locationId}`;
  for (const candidate of request.candidates) remaining.set(keyOf(candidate), Math.max(0, candidate.available));

  const rank = (candidate: Candidate): [number, number, string] => [
    rule.preference.indexOf(candidate.kind),
    request.distance(request.region, candidate.region),
    candidate.locationId,
  ];
  const byRank = (a: Candidate, b: Candidate) => compareTuples(rank(a), rank(b));

  const parts: AllocatedPart[] = [];
  const shortLines: ShortLine[] = [];
  for (const line of request.lines) {
    const ofSku = request.candidates.filter((candidate) => candidate.sku === line.sku);
    const eligible = ofSku.filter((candidate) => isEligible(candidate, channelId, rule)).sort(byRank);
    const free = (candidate: Candidate) => remaining.get(keyOf(candidate)) ?? 0;
    const total = eligible.reduce((sum, candidate) => sum + free(candidate), 0);

    const single = eligible.find((candidate) => free(candidate) >= line.quantity);
    let chosen: Array<{ candidate: Candidate; quantity: Milli }> | undefined;
    if (single) chosen = [{ candidate: single, quantity: line.quantity }];
    else if (rule.split && total >= line.quantity) {
      chosen = [];
      let left = line.quantity;
      const largestFirst = [...eligible].sort((a, b) => free(b) - free(a) || byRank(a, b));
      for (const candidate of largestFirst) {
        if (left <= 0) break;
        const take = Math.min(free(candidate), left);
        if (take > 0) chosen.push({ candidate, quantity: take });
        left -= take;
      }
      chosen.sort((a, b) => byRank(a.candidate, b.candidate));
    }

    if (!chosen) {
      const reason: ShortReason = ofSku.length === 0 ? 'UNKNOWN_SKU' : eligible.length === 0 ? 'NO_ELIGIBLE_LOCATION' : 'INSUFFICIENT_STOCK';
      shortLines.push({ lineId: line.lineId, sku: line.sku, requested: line.quantity, available: total, reason });
      continue;
    }
    for (const { candidate, quantity } of chosen) {
      remaining.set(keyOf(candidate), free(candidate) - quantity);
      parts.push({ lineId: line.lineId, sku: line.sku, locationId: candidate.locationId, kind: candidate.kind, quantity });
    }
  }
  if (shortLines.length === 0) return { ok: true, parts };
  // The order's reason: the first short line's (lines are in order-line order).
  return { ok: false, reason: shortLines[0].reason, shortLines, parts: [] };
}

function compareTuples(a: [number, number, string], b: [number, number, string]): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}
