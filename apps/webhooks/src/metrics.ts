import { counter, gauge, histogram } from '@omnibus/service-kit';

/** Business metrics of the webhooks service, beside the kit's HTTP and the consumer runtime's metrics. */
export const webhooksMetrics = {
  deliveries: counter({
    name: 'webhooks_deliveries_total',
    help: 'Delivery attempts by outcome: delivered, retry (failed, will be tried again), dead (dead-lettered), endpoint_gone (410: subscription disabled), circuit_open (held by the breaker, not sent)',
    labelNames: ['outcome'],
  }),
  eventToDelivery: histogram({
    name: 'webhooks_event_to_delivery_seconds',
    help: 'From the canonical event on Kafka (its record timestamp) to its delivery acknowledged by the endpoint, retries included',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000, 100000],
  }),
  attemptLatency: histogram({ name: 'webhooks_attempt_duration_seconds', help: 'One HTTP delivery attempt, connect to answer', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15] }),
  enqueued: counter({ name: 'webhooks_deliveries_enqueued_total', help: 'Deliveries queued from canonical events, by public event type', labelNames: ['type'] }),
  retriesPending: gauge({ name: 'webhooks_retries_pending', help: 'Deliveries that failed at least once and wait for their next attempt' }),
  endpointsDisabled: gauge({ name: 'webhooks_endpoints_disabled', help: 'Subscriptions disabled (410 Gone from the endpoint, or failing for WEBHOOKS_DISABLE_AFTER_MS) and not resumed' }),
};
