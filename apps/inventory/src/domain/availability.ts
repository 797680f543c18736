import { availableToPromise, ChannelHoldings, locationAvailable, PositionParts } from './atp';
import { channelView } from './channel-view';
import type { LocationKind, Network } from './network';
import { formatMilli, Milli } from './quantity';

/** The current buckets of one SKU at one location (a row of stock_positions). */
export interface PositionFigures {
  locationId: string;
  onHand: Milli;
  reserved: Milli;
  committed: Milli;
  unavailable: Milli;
  inbound: Milli;
}

/** One location of a SKU as the availability API shows it, figures formatted. */
export interface LocationAvailability {
  locationId: string;
  kind: LocationKind;
  region: string;
  onHand: string;
  reserved: string;
  committed: string;
  unavailable: string;
  safetyStock: string;
  inbound: string;
  available: string;
  expectedArrival?: string;
}

/** The projection row of a SKU: its locations (by id) and available to promise by `promiseKey`. */
export interface SkuAvailability {
  locations: LocationAvailability[];
  promise: Record<string, string>;
}

/** The key of a channel's available to promise in `SkuAvailability.promise`: per channel, and per region that has its own sourcing rule. */
export function promiseKey(network: Network, channelId: string, region: string): string {
  return network.channel(channelId)?.sourcing[region] && region !== 'default' ? `${channelId}@${region}` : channelId;
}

/**
 * What the availability projection holds for a SKU, from its current positions: each location's
 * parts (locations not in the stock network are left out) and the available to promise of every
 * channel, for its default rule and for each region with its own, its allocation drawn down by what
 * the channels hold (`holdings`).
 */
export function projectSku(network: Network, positions: readonly PositionFigures[], holdings: ChannelHoldings = {}): SkuAvailability {
  const parts: Array<PositionParts & { row: PositionFigures }> = [];
  for (const row of [...positions].sort((a, b) => (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0))) {
    const location = network.location(row.locationId);
    if (!location) continue;
    parts.push({ ...row, kind: location.kind, channels: location.channels, safetyStock: location.safetyStock, row });
  }
  const promise: Record<string, string> = {};
  for (const [channelId, channel] of Object.entries(network.config.channels)) {
    for (const region of Object.keys(channel.sourcing)) {
      const view = channelView(network, channelId, region === 'default' ? '' : region)!;
      promise[region === 'default' ? channelId : `${channelId}@${region}`] = formatMilli(availableToPromise(parts, view, holdings));
    }
  }
  return {
    promise,
    locations: parts.map((part) => {
      const location = network.location(part.locationId)!;
      return {
        locationId: part.locationId,
        kind: part.kind,
        region: location.region,
        onHand: formatMilli(part.onHand),
        reserved: formatMilli(part.reserved),
        committed: formatMilli(part.committed),
        unavailable: formatMilli(part.unavailable),
        safetyStock: formatMilli(part.safetyStock),
        inbound: formatMilli(part.row.inbound),
        available: formatMilli(locationAvailable(part)),
        ...(part.kind === 'in_transit' ? { expectedArrival: location.expectedArrival } : {}),
      };
    }),
  };
}
