import { Inject, Injectable, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { PeriodicTask, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG } from '@omnibus/service-kit';
import { signatureHeader } from '@omnibus/webhooks-signature';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { WebhooksConfig } from '../config';
import { decideAfterAttempt, failingTooLong, isEndpointFailure, RetrySchedule } from '../domain/retry-policy';
import { signingSecrets } from '../domain/subscription';
import { webhooksMetrics } from '../metrics';
import { countRetriesPending, LeasedDelivery, leaseDueHeads, markDead, markDelivered, recordAttempt, scheduleRetry, webhookIdOf } from '../store/delivery-store';
import { countDisabledSubscriptions, disableSubscription, findSubscription, noteEndpointFailure, noteEndpointSuccess } from '../store/subscription-store';
import { ENDPOINT_CLIENT } from '../tokens';
import type { EndpointClient } from './endpoint-client';

const GAUGE_INTERVAL_MS = 5_000;

/**
 * Sends the queued deliveries: every pass leases the due heads of the lanes (one per subscription and
 * aggregate, so one order's deliveries go in sequence while other orders to the same endpoint go on),
 * up to the free concurrency, and starts them without waiting for the slow ones; each attempt's
 * outcome (delivered, retry at a jittered time or the endpoint's Retry-After, dead letter, endpoint
 * gone) and its log row are written in one transaction. The lease outlives the longest attempt, so a
 * crashed instance's deliveries are taken up again once it lapses.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly schedule: RetrySchedule;
  private tasks: PeriodicTask[] = [];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(ENDPOINT_CLIENT) private readonly client: EndpointClient,
    @Inject(SERVICE_CONFIG) private readonly config: WebhooksConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.schedule = { delaysMs: config.WEBHOOKS_RETRY_SCHEDULE_MS, jitterPercent: config.WEBHOOKS_RETRY_JITTER, maxRetryAfterMs: config.WEBHOOKS_MAX_RETRY_AFTER_MS };
  }

  onApplicationBootstrap(): void {
    const failed = (what: string) => (error: unknown) => this.logger.error({ err: error }, `webhooks ${what} pass failed`);
    this.tasks = [
      runPeriodically(this.config.WEBHOOKS_DISPATCH_INTERVAL_MS, () => this.dispatchDue(), failed('dispatch')),
      runPeriodically(GAUGE_INTERVAL_MS, () => this.updateGauges(), failed('gauge')),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.stop()));
    await Promise.allSettled([...this.inFlight]);
    await this.client.close();
  }

  /** One pass: lease what is due and free to go, start it. */
  async dispatchDue(): Promise<void> {
    const free = this.config.WEBHOOKS_DISPATCH_CONCURRENCY - this.inFlight.size;
    if (free <= 0) return;
    const now = new Date();
    const leaseMs = this.config.WEBHOOKS_CONNECT_TIMEOUT_MS + this.config.WEBHOOKS_RESPONSE_TIMEOUT_MS + 10_000;
    const leased = await leaseDueHeads(this.dataSource.manager, now, new Date(now.getTime() + leaseMs), free, this.client.openCircuits());
    for (const delivery of leased) {
      const attempt = this.attempt(delivery).catch((error) => this.logger.error({ err: error, deliveryId: delivery.id }, 'delivery attempt could not be recorded; retried once its lease lapses'));
      this.inFlight.add(attempt);
      void attempt.finally(() => this.inFlight.delete(attempt));
    }
  }

  private async attempt(delivery: LeasedDelivery): Promise<void> {
    const subscription = await findSubscription(this.dataSource.manager, delivery.subscriptionId);
    if (!subscription) return;
    const startedAt = new Date();
    const id = webhookIdOf(delivery.id);
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Omnibus-Webhooks/1',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(signingSecrets(subscription, startedAt), id, timestamp, delivery.body),
    };
    const sent = await this.client.send(subscription.id, subscription.url, headers, delivery.body);
    const attemptNumber = delivery.attempts + 1;
    const decision = decideAfterAttempt(sent.result, attemptNumber, this.schedule, new Date(), Math.random());
    const statusCode = sent.result.kind === 'answered' ? sent.result.status : null;
    const error = sent.result.kind === 'failed' ? `${sent.result.error}: ${sent.result.detail}` : null;
    const heldByBreaker = decision.outcome === 'retry' && !decision.countsAsAttempt;
    await this.dataSource.transaction(async (manager) => {
      if (heldByBreaker) {
        // Held back by the open breaker, not sent: no attempt, the head waits for the breaker.
        await scheduleRetry(manager, delivery.id, delivery.attempts, new Date(Date.now() + this.config.WEBHOOKS_DISPATCH_INTERVAL_MS), decision.reason);
        return;
      }
      await recordAttempt(manager, delivery.id, { attempt: attemptNumber, startedAt, latencyMs: sent.latencyMs, statusCode, outcome: decision.outcome, error, responseStart: sent.responseStart });
      if (decision.outcome === 'delivered') {
        await markDelivered(manager, delivery.id, attemptNumber, new Date());
        await noteEndpointSuccess(manager, subscription.id);
      } else if (decision.outcome === 'retry') await scheduleRetry(manager, delivery.id, attemptNumber, new Date(Date.now() + decision.delayMs), decision.reason);
      else {
        await markDead(manager, delivery.id, attemptNumber, decision.reason);
        if (decision.outcome === 'endpoint_gone' && (await disableSubscription(manager, subscription.id, decision.reason, new Date()))) {
          this.logger.warn({ subscriptionId: subscription.id, owner: subscription.owner, url: subscription.url }, 'endpoint answered 410 Gone: subscription disabled');
        }
      }
      if (isEndpointFailure(sent.result)) {
        const failingSince = await noteEndpointFailure(manager, subscription.id, startedAt);
        if (failingTooLong(failingSince, new Date(), this.config.WEBHOOKS_DISABLE_AFTER_MS)) {
          const reason = `endpoint_failing: no successful delivery since ${failingSince.toISOString()}`;
          if (await disableSubscription(manager, subscription.id, reason, new Date())) this.logger.warn({ subscriptionId: subscription.id, owner: subscription.owner, url: subscription.url, failingSince }, 'endpoint failing for too long: subscription disabled');
        }
      }
    });
    webhooksMetrics.deliveries.inc({ outcome: heldByBreaker ? 'circuit_open' : decision.outcome });
    if (!heldByBreaker) webhooksMetrics.attemptLatency.observe(sent.latencyMs / 1000);
    if (decision.outcome === 'delivered') webhooksMetrics.eventToDelivery.observe(Math.max(0, Date.now() - delivery.publishedAt.getTime()) / 1000);
    if (decision.outcome === 'dead') this.logger.warn({ deliveryId: delivery.id, subscriptionId: subscription.id, reason: decision.reason }, 'webhook delivery dead-lettered');
  }

  private async updateGauges(): Promise<void> {
    webhooksMetrics.retriesPending.set(await countRetriesPending(this.dataSource.manager));
    webhooksMetrics.endpointsDisabled.set(await countDisabledSubscriptions(this.dataSource.manager));
  }
}
