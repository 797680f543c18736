import { Inject, Injectable, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { PeriodicTask, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG } from '@omnibus/service-kit';
import { signatureHeader } from '@omnibus/webhooks-signature';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import type { WebhooksConfig } from '../config';
import { decideAfterAttempt, DeliveryDecision, failingTooLong, isEndpointFailure, RetrySchedule } from '../domain/retry-policy';
import { signingSecrets, Subscription } from '../domain/subscription';
import { webhooksMetrics } from '../metrics';
import { countRetriesPending, LeasedDelivery, leaseDueHeads, markDead, markDelivered, recordAttempt, scheduleRetry, webhookIdOf } from '../store/delivery-store';
import { countDisabledSubscriptions, disableSubscription, findSubscription, noteEndpointFailure, noteEndpointSuccess } from '../store/subscription-store';
import { ENDPOINT_CLIENT } from '../tokens';
import type { EndpointClient, SentAttempt } from './endpoint-client';

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

  /** One attempt: sign the stored bytes, send, decide, record; the metrics after the commit. */
  private async attempt(delivery: LeasedDelivery): Promise<void> {
    const subscription = await findSubscription(this.dataSource.manager, delivery.subscriptionId);
    if (!subscription) return;
    const startedAt = new Date();
    const sent = await this.client.send(subscription.id, subscription.url, signedHeaders(subscription, delivery, startedAt), delivery.body);
    const decision = decideAfterAttempt(sent.result, delivery.attempts + 1, this.schedule, new Date(), Math.random());
    const heldByBreaker = decision.outcome === 'retry' && !decision.countsAsAttempt;
    await this.dataSource.transaction((manager) =>
      heldByBreaker
        ? // Held back by the open breaker, not sent: no attempt, the head waits for the breaker.
          scheduleRetry(manager, delivery.id, delivery.attempts, new Date(Date.now() + this.config.WEBHOOKS_DISPATCH_INTERVAL_MS), decision.reason)
        : this.record(manager, subscription, delivery, startedAt, sent, decision),
    );
    webhooksMetrics.deliveries.inc({ outcome: heldByBreaker ? 'circuit_open' : decision.outcome });
    if (!heldByBreaker) webhooksMetrics.attemptLatency.observe(sent.latencyMs / 1000);
    if (decision.outcome === 'delivered') webhooksMetrics.eventToDelivery.observe(Math.max(0, Date.now() - delivery.publishedAt.getTime()) / 1000);
    if (decision.outcome === 'dead') this.logger.warn({ deliveryId: delivery.id, subscriptionId: subscription.id, reason: decision.reason }, 'webhook delivery dead-lettered');
  }

  /** The attempt's log row and what it decided, in one transaction; the endpoint's health with it. */
  private async record(manager: EntityManager, subscription: Subscription, delivery: LeasedDelivery, startedAt: Date, sent: SentAttempt, decision: DeliveryDecision): Promise<void> {
    const attempt = delivery.attempts + 1;
    await recordAttempt(manager, delivery.id, {
      attempt,
      startedAt,
      latencyMs: sent.latencyMs,
      statusCode: sent.result.kind === 'answered' ? sent.result.status : null,
      outcome: decision.outcome,
      error: sent.result.kind === 'failed' ? `${sent.result.error}: ${sent.result.detail}` : null,
      responseStart: sent.responseStart,
    });
    if (decision.outcome === 'delivered') {
      await markDelivered(manager, delivery.id, attempt, new Date());
      await noteEndpointSuccess(manager, subscription.id);
    } else if (decision.outcome === 'retry') {
      await scheduleRetry(manager, delivery.id, attempt, new Date(Date.now() + decision.delayMs), decision.reason);
    } else {
      await markDead(manager, delivery.id, attempt, decision.reason);
      if (decision.outcome === 'endpoint_gone') await this.disable(manager, subscription, decision.reason);
    }
    if (isEndpointFailure(sent.result)) {
      const failingSince = await noteEndpointFailure(manager, subscription.id, startedAt);
      if (failingTooLong(failingSince, new Date(), this.config.WEBHOOKS_DISABLE_AFTER_MS)) await this.disable(manager, subscription, `endpoint_failing: no successful delivery since ${failingSince.toISOString()}`);
    }
  }

  private async disable(manager: EntityManager, subscription: Subscription, reason: string): Promise<void> {
    if (await disableSubscription(manager, subscription.id, reason, new Date())) {
      this.logger.warn({ subscriptionId: subscription.id, owner: subscription.owner, url: subscription.url, reason }, 'subscription disabled');
    }
  }

  private async updateGauges(): Promise<void> {
    webhooksMetrics.retriesPending.set(await countRetriesPending(this.dataSource.manager));
    webhooksMetrics.endpointsDisabled.set(await countDisabledSubscriptions(this.dataSource.manager));
  }
}

/** Standard Webhooks headers of one attempt: its own timestamp, signed by every secret valid now. */
function signedHeaders(subscription: Subscription, delivery: LeasedDelivery, at: Date): Record<string, string> {
  const id = webhookIdOf(delivery.id);
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Omnibus-Webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(signingSecrets(subscription, at), id, timestamp, delivery.body),
  };
}
