import { counter, gauge, histogram, latencyBuckets } from '@omnibus/observability';

/**
 * Outcomes of a delivery, counted per consumer group, topic and event type:
 * `handled` (the handler ran and committed), `duplicate` (already in the inbox), `parked` (waiting
 * behind a failed event of its key), `retry_scheduled` (sent to the retry topic), `dead_lettered`,
 * `skipped` (no handler in this group for its type, or a retry record for another group).
 */
export type DeliveryOutcome = 'handled' | 'duplicate' | 'parked' | 'retry_scheduled' | 'dead_lettered' | 'skipped';

export const consumerMetrics = {
  handlerDuration: histogram({
    name: 'omnibus_consumer_handler_duration_seconds',
    help: 'Time spent in an event handler (inside the delivery transaction)',
    labelNames: ['consumer_group', 'event_type'],
    buckets: latencyBuckets,
  }),
  outcomes: counter({
    name: 'omnibus_consumer_events_total',
    help: 'Consumed events by outcome',
    labelNames: ['consumer_group', 'topic', 'event_type', 'outcome'],
  }),
  retries: counter({
    name: 'omnibus_consumer_retries_total',
    help: 'Handler retries: in place (same partition, with backoff) and through the retry topic',
    labelNames: ['consumer_group', 'event_type', 'stage'],
  }),
  deadLetters: counter({
    name: 'omnibus_consumer_dead_letters_total',
    help: 'Events sent to the dead-letter topic, by failure kind (transient after retries, permanent, undecodable)',
    labelNames: ['consumer_group', 'topic', 'kind'],
  }),
  lag: gauge({
    name: 'omnibus_consumer_lag',
    help: 'Records behind the high watermark after the last processed batch, per partition',
    labelNames: ['consumer_group', 'topic', 'partition'],
  }),
  blockedPartitions: counter({
    name: 'omnibus_consumer_partition_pauses_total',
    help: 'Times a partition was paused because the database or a dependency was unavailable',
    labelNames: ['consumer_group', 'topic'],
  }),
};
