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
  /** Minimums the other channels of the shared pool ring-fence (ringFencedByOthers). */
  othersRingFenced: Milli;
}

/** Locations whose stock counts for the channel. */
export function countsForChannel(position: Pick<PositionParts, 'kind' | 'channels'>, channel: Pick<ChannelView, 'channelId' | 'inTransit' | 'kinds'>): boolean {
  if (!position.channels.includes(channel.channelId)) return false;
  if (position.kind === 'in_transit') return channel.inTransit;
  return channel.kinds.includes(position.kind);
}

/**
 * Available to promise of one SKU for one channel:
 * - the pool is the sum of what every location serving the channel can give (in transit only where allowed);
 * - `cap`: at most the cap; `percentage`: that share of the pool, rounded down to whole thousandths;
 * - `shared`: the pool minus the minimums ring-fenced for the other channels sharing it.
 */
export function availableToPromise(positions: readonly PositionParts[], channel: ChannelView): Milli {
  const pool = positions.filter((position) => countsForChannel(position, channel)).reduce((sum, position) => sum + locationAvailable(position), 0);
  switch (channel.allocation.kind) {
    case 'cap':
      return Math.min(pool, channel.allocation.quantity);
    case 'percentage':
      return Math.floor((pool * channel.allocation.percent) / 100);
    case 'shared':
      return Math.max(0, pool - channel.othersRingFenced);
  }
}

/** Sum of the minimums the other channels of the shared pool ring-fence (no other shared channel may promise them). */
export function ringFencedByOthers(channelId: string, allocations: Record<string, ChannelAllocation>): Milli {
  let total = 0;
  for (const [other, allocation] of Object.entries(allocations)) {
    if (other !== channelId && allocation.kind === 'shared') total += allocation.ringFenced;
  }
  return total;
}
