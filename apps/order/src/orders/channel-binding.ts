import { ForbiddenException } from '@nestjs/common';
import type { Principal } from '@omnibus/service-kit';

/**
 * A channel's token bound to its sales channel (its `channel` claim) acts only on that channel's
 * orders: 403 otherwise. A token without the claim (operators, jobs, and channels not yet bound) is
 * not limited here; its scopes are.
 */
export function assertOwnChannel(principal: Principal, channelId: string): void {
  if (principal.channel !== undefined && principal.channel !== channelId) {
    throw new ForbiddenException(`this token is bound to channel ${principal.channel}; the order is of channel ${channelId}`);
  }
}
