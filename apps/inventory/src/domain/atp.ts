import type { ChannelAllocation, LocationKind } from './network';
import type { Milli } from './quantity';

/** The buckets of one SKU at one location, as the projection holds them. */
export interface PositionParts {
  locationId: string;
  kind: LocationKind;
  channels: readonly string[];
  onHand: Milli;
  reserved: Milli;
  committed: Milli;
  unavailable: Milli;
  safetyStock: Milli;
}

/** What a location can still give: on hand − reserved − committed − unavailable − safety stock, never below 0. */
export function locationAvailable(position: Omit<PositionParts, 'locationId' | 'kind' | 'channels'>): Milli {
  return Math.max(0, position.onHand - position.reserved - position.committed - position.unavailable - position.safetyStock);
}

export interface ChannelView {
  channelId: string;
  allocation: ChannelAllocation;
  /** Stock in transit counts for this channel. */
  inTransit: boolean;
  /** Location kinds the channel may promise from (its sourcing preference). */
  kinds: readonly LocationKind[];
  /** The minimum each other channel of the shared pool ring-fences, by channel (ringFencesOfOthers). */
  othersRingFences: Readonly<Record<string, Milli>>;
}

/** What each channel holds of one SKU (its reserved and committed reservation lines), by channel; a channel not listed holds 0. */
export type ChannelHoldings = Readonly<Record<string, Milli>>;

/** Locations whose stock counts for the channel. */
export function countsForChannel(position: Pick<PositionParts, 'kind' | 'channels'>, channel: Pick<ChannelView, 'channelId' | 'inTransit' | 'kinds'>): boolean {
  if (!position.channels.includes(channel.channelId)) return false;
  if (position.kind === 'in_transit') return channel.inTransit;
  return channel.kinds.includes(position.kind);
}

/**
 * How much more of one SKU the channel's allocation lets it take, before asking whether the
 * locations have it (`pool`: what the locations serving it can give now, already net of every
 * channel's reservations). What the channel holds draws its allocation down, and a release gives it back:
 * - `cap`: the cap less what the channel holds;
 * - `percentage`: that share (rounded down) of the pool the channel had before its own holdings, less them;
 * - `shared`: the pool less, for every other shared channel, its ring-fenced minimum not yet covered by
 *   what that channel holds (a minimum is kept for a channel, not taken from it twice).
 */
export function allocationHeadroom(pool: Milli, channel: Pick<ChannelView, 'channelId' | 'allocation' | 'othersRingFences'>, holdings: ChannelHoldings = {}): Milli {
  const own = holdings[channel.channelId] ?? 0;
  switch (channel.allocation.kind) {
    case 'cap':
      return Math.max(0, channel.allocation.quantity - own);
    case 'percentage':
      return Math.max(0, Math.floor(((pool + own) * channel.allocation.percent) / 100) - own);
    case 'shared': {
      let fenced = 0;
      for (const [other, minimum] of Object.entries(channel.othersRingFences)) fenced += Math.max(0, minimum - (holdings[other] ?? 0));
      return Math.max(0, pool - fenced);
    }
  }
}

/** What the locations serving the channel can give of one SKU (in transit only where allowed), before the allocation. */
export function channelPool(positions: readonly PositionParts[], channel: Pick<ChannelView, 'channelId' | 'inTransit' | 'kinds'>): Milli {
  return positions.filter((position) => countsForChannel(position, channel)).reduce((sum, position) => sum + locationAvailable(position), 0);
}

/**
 * Available to promise of one SKU for one channel: what its locations can give (channelPool), at
 * most what its allocation still allows once what the channels hold is drawn down (allocationHeadroom).
 */
export function availableToPromise(positions: readonly PositionParts[], channel: ChannelView, holdings: ChannelHoldings = {}): Milli {
  const pool = channelPool(positions, channel);
  return Math.min(pool, allocationHeadroom(pool, channel, holdings));
}

/** A line of an order the channel's allocation cannot cover: `available` is what the allocation still allows for its SKU. */
export interface AllocationShortLine {
  lineId: string;
  sku: string;
  requested: Milli;
  available: Milli;
}

/**
 * The lines of an order that exceed their channel's allocation: a SKU whose lines together ask for
 * more than the allocation still allows (`headroom`), where the allocation and not the locations is
 * what limits (`headroom` below `pool`: otherwise sourcing decides and names the short lines itself).
 */
export function allocationShortLines(
  lines: ReadonlyArray<{ lineId: string; sku: string; quantity: Milli }>,
  limits: ReadonlyMap<string, { pool: Milli; headroom: Milli }>,
): AllocationShortLine[] {
  const requested = new Map<string, Milli>();
  for (const line of lines) requested.set(line.sku, (requested.get(line.sku) ?? 0) + line.quantity);
  return lines.flatMap((line) => {
    const limit = limits.get(line.sku);
    if (!limit || limit.headroom >= limit.pool || requested.get(line.sku)! <= limit.headroom) return [];
    return [{ lineId: line.lineId, sku: line.sku, requested: line.quantity, available: limit.headroom }];
  });
}

/** The minimum every other channel of the shared pool ring-fences, by channel (no other shared channel may promise it). */
export function ringFencesOfOthers(channelId: string, allocations: Record<string, ChannelAllocation>): Record<string, Milli> {
  const fences: Record<string, Milli> = {};
  for (const [other, allocation] of Object.entries(allocations)) {
    if (other !== channelId && allocation.kind === 'shared' && allocation.ringFenced > 0) fences[other] = allocation.ringFenced;
  }
  return fences;
}

/** The channels whose holdings draw an allocation down: capped, percentage, and shared with a ring-fenced minimum. */
export function channelsWithBoundedAllocation(allocations: Record<string, ChannelAllocation>): string[] {
  return Object.entries(allocations)
    .filter(([, allocation]) => allocation.kind !== 'shared' || allocation.ringFenced > 0)
    .map(([channelId]) => channelId)
    .sort();
}
