import { ChannelView, ringFencesOfOthers } from './atp';
import type { Network } from './network';

/** How a channel counts stock in a region: its allocation, the location kinds it sources from, in transit or not. */
export function channelView(network: Network, channelId: string, region: string): ChannelView | undefined {
  const channel = network.channel(channelId);
  const rule = network.sourcingRule(channelId, region);
  if (!channel || !rule) return undefined;
  return {
    channelId,
    allocation: channel.allocation,
    inTransit: rule.inTransit,
    kinds: rule.preference.filter((kind) => (kind !== 'store' || rule.shipFromStore) && (kind !== 'drop_ship' || rule.dropShip)),
    othersRingFences: ringFencesOfOthers(channelId, Object.fromEntries(Object.entries(network.config.channels).map(([id, c]) => [id, c.allocation]))),
  };
}
