import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Relay metrics. Registered once per registry, so several relays in one process share them. */
export interface OutboxMetrics {
  backlog: Gauge;
  oldestUnpublishedAge: Gauge;
  publishLatency: Histogram;
  published: Counter<'topic'>;
  publishFailures: Counter;
  shardsHeld: Gauge;
  producerReplaced: Counter;
}

export function outboxMetrics(registry: Registry): OutboxMetrics {
  const registers = [registry];
  const reuse = <T>(name: string, create: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? create();
  return {
    backlog: reuse(
      'outbox_backlog',
      () => new Gauge({ name: 'outbox_backlog', help: 'Unpublished events in the outbox (whole table; aggregate with max across instances)', registers }),
    ),
    oldestUnpublishedAge: reuse(
      'outbox_oldest_unpublished_age_seconds',
      () =>
        new Gauge({
          name: 'outbox_oldest_unpublished_age_seconds',
          help: 'Age of the oldest unpublished event in the outbox, 0 when nothing waits',
          registers,
        }),
    ),
    publishLatency: reuse(
      'outbox_publish_latency_seconds',
      () =>
        new Histogram({
          name: 'outbox_publish_latency_seconds',
          help: 'Time from appending an event to the outbox to the broker acknowledging it',
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers,
        }),
    ),
    published: reuse(
      'outbox_published_total',
      () => new Counter({ name: 'outbox_published_total', help: 'Events published from the outbox', labelNames: ['topic'], registers }),
    ),
    publishFailures: reuse(
      'outbox_publish_failures_total',
      () =>
        new Counter({
          name: 'outbox_publish_failures_total',
          help: 'Outbox batches that failed to publish (left unpublished and retried with backoff)',
          registers,
        }),
    ),
    shardsHeld: reuse(
      'outbox_shards_held',
      () => new Gauge({ name: 'outbox_shards_held', help: 'Outbox shards this process leases and publishes', registers }),
    ),
    producerReplaced: reuse(
      'outbox_producer_replaced_total',
      () =>
        new Counter({
          name: 'outbox_producer_replaced_total',
          help: 'Kafka producers the relay retired after a connection, timeout or sequence error (refused records do not count)',
          registers,
        }),
    ),
  };
}
