import { z } from 'zod';
import { PUBLIC_EVENT_TYPES, PublicEvent, PublicEventType } from './public-events';

/** A partner's subscription as the service keeps it. */
export interface Subscription {
  id: string;
  owner: string;
  url: string;
  description: string | null;
  eventTypes: PublicEventType[];
  /** Only events of these sales channels; null: every channel. */
  channels: string[] | null;
  status: 'active' | 'paused' | 'disabled';
  disabledReason: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Scope of every subscriptions route; a partner's token acts on its own subscriptions (owner = its subject). */
export const MANAGE_SCOPE = 'webhooks:manage';
/** An operator's extra scope: every partner's subscriptions, dead letters and replays. */
export const ADMIN_SCOPE = 'webhooks:admin';

const eventType = z.enum(PUBLIC_EVENT_TYPES);
const channelList = z.array(z.string().min(1).max(100)).min(1).max(50);

export const createSubscriptionSchema = z
  .object({
    url: z.string().min(1).max(2000),
    eventTypes: z.array(eventType).min(1),
    description: z.string().max(500).optional(),
    filter: z.object({ channels: channelList.optional() }).strict().optional(),
  })
  .strict();
export type CreateSubscriptionRequest = z.infer<typeof createSubscriptionSchema>;

export const updateSubscriptionSchema = z
  .object({
    status: z.enum(['active', 'paused']).optional(),
    eventTypes: z.array(eventType).min(1).optional(),
    description: z.string().max(500).nullable().optional(),
    filter: z.object({ channels: channelList.nullable().optional() }).strict().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change: give status, eventTypes, description or filter' });
export type UpdateSubscriptionRequest = z.infer<typeof updateSubscriptionSchema>;

export const subscriptionIdSchema = z.object({ id: z.string().uuid() });
export const deadLetterParamsSchema = z.object({ id: z.string().uuid(), deliveryId: z.string().uuid() });

export const replaySchema = z
  .object({ from: z.coerce.date(), to: z.coerce.date() })
  .strict()
  .refine((range) => range.from < range.to, { message: 'from must be before to', path: ['to'] });
export type ReplayRequest = z.infer<typeof replaySchema>;

export const listDeliveriesSchema = z.object({
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesSchema>;

/** May this caller see and change this subscription? Operators (webhooks:admin) may touch any. */
export function mayManage(caller: { sub: string; scopes: string[] }, subscription: Pick<Subscription, 'owner'>): boolean {
  return caller.scopes.includes(ADMIN_SCOPE) || subscription.owner === caller.sub;
}

/**
 * Does the subscription want this event? Its type must be subscribed; a channel filter lets through
 * only events whose channel is known and listed (an event of unknown channel is not sent to a partner
 * limited to some channels: it may be another channel's).
 */
export function wants(subscription: Pick<Subscription, 'eventTypes' | 'channels' | 'status'>, event: Pick<PublicEvent, 'type'>, channelId: string | null): boolean {
  if (subscription.status === 'disabled') return false;
  if (!(subscription.eventTypes as string[]).includes(event.type)) return false;
  return subscription.channels === null || (channelId !== null && subscription.channels.includes(channelId));
}

/** The secrets that sign a delivery now: the current one, and the previous one while its grace lasts. */
export function signingSecrets(subscription: Pick<Subscription, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, now: Date): string[] {
  const previousValid = subscription.previousSecret && subscription.previousSecretExpiresAt && subscription.previousSecretExpiresAt > now;
  return previousValid ? [subscription.secret, subscription.previousSecret!] : [subscription.secret];
}

/** A subscription as its owner sees it: never the secret (it is shown once, at creation and rotation). */
export function subscriptionView(subscription: Subscription) {
  return {
    id: subscription.id,
    owner: subscription.owner,
    url: subscription.url,
    description: subscription.description,
    eventTypes: subscription.eventTypes,
    filter: { channels: subscription.channels },
    status: subscription.status,
    disabledReason: subscription.disabledReason,
    previousSecretExpiresAt: subscription.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}
