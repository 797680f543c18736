import { performance } from 'node:perf_hooks';
import { SpanKind } from '@opentelemetry/api';
import { extractTraceContext, inSpan } from '@omnibus/observability';
import { consumerMetrics } from './metrics';
import type { ConsumedEvent, EventHandler, HandlerContext, Middleware } from './types';

/**
 * A consume span per event, child of the producer's span named by `traceparent`, following the
 * OpenTelemetry messaging conventions. It is active while the handler runs, so follow-up events
 * staged through `context.emit` carry this trace on.
 */
export const tracingMiddleware: Middleware = (event, context, next) => {
  const attributes: Record<string, string | number> = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': event.origin.topic,
    'messaging.destination.partition.id': String(event.origin.partition),
    'messaging.consumer.group.name': context.consumerGroup,
    'messaging.kafka.offset': Number(event.origin.offset),
    'messaging.message.id': event.id,
    'cloudevents.event_type': event.type,
  };
  if (event.key !== null) attributes['messaging.kafka.message.key'] = event.key;
  return inSpan(
    `process ${event.origin.topic}`,
    { kind: SpanKind.CONSUMER, parent: extractTraceContext(event.headers), attributes },
    () => next(),
  );
};

/** Handler latency histogram. Outcomes are counted by the runtime once the transaction has committed. */
export const metricsMiddleware: Middleware = async (event, context, next) => {
  const started = performance.now();
  try {
    await next();
  } finally {
    consumerMetrics.handlerDuration.observe(
      { consumer_group: context.consumerGroup, event_type: event.type },
      (performance.now() - started) / 1000,
    );
  }
};

/** Wraps `handler` in the middlewares, first one outermost (Watermill's router style). */
export function composeMiddleware(middlewares: Middleware[], handler: EventHandler): EventHandler {
  return middlewares.reduceRight<EventHandler>(
    (next, middleware) => (event: ConsumedEvent, context: HandlerContext) =>
      middleware(event, context, () => next(event, context)),
    handler,
  );
}
