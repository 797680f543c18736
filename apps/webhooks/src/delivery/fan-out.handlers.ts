import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventContext } from '@omnibus/messaging';
import { mappedEventTypes, publicEventOf } from '../domain/public-events';
import { wants } from '../domain/subscription';
import { webhooksMetrics } from '../metrics';
import { channelOfAggregate, enqueueDelivery, laneOf, recordAggregateChannel } from '../store/delivery-store';
import { listReceivingSubscriptions } from '../store/subscription-store';

/**
 * Canonical events → one queued delivery per subscription that wants them, in the event's inbox
 * transaction (a redelivered event is skipped by the runtime; a replayed one finds its delivery
 * already queued). Sequenced: an aggregate's events are queued in the order they were published, so
 * its lane's sequence follows the topic. The dispatcher sends them; nothing here calls out.
 */
@Controller()
export class FanOutHandlers {
  @EventPattern(mappedEventTypes(), { sequenced: true })
  async queueDeliveries(@Payload() payload: unknown, @Ctx() context: EventContext): Promise<void> {
    const event = publicEventOf(context.event.type, payload);
    if (!event) return;
    const { manager } = context;
    const aggregate = laneOf(event);
    if (event.channelId) await recordAggregateChannel(manager, aggregate, event.channelId);
    const subscriptions = (await listReceivingSubscriptions(manager)).filter((subscription) => (subscription.eventTypes as string[]).includes(event.type));
    if (!subscriptions.length) return;
    const channelId = event.channelId ?? (subscriptions.some((subscription) => subscription.channels) ? await channelOfAggregate(manager, aggregate) : null);
    const publishedAt = new Date(Number(context.event.origin.timestamp));
    for (const subscription of subscriptions) {
      if (!wants(subscription, event, channelId)) continue;
      if (await enqueueDelivery(manager, subscription.id, context.event.id, event, publishedAt)) webhooksMetrics.enqueued.inc({ type: event.type });
    }
  }
}
