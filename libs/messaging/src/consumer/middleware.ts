import { performance } from 'node:perf_hooks';
import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@omnibus/observability';
import { consumerMetrics } from './metrics';
import type { ConsumedEvent, EventHandler, HandlerContext, Middleware } from './types';

// A proxy: it follows whichever tracer provider the process registers, before or after this loads.
const consumeTracer = trace.getTracer('omnibus');

/**
 * A consume span per event, child of the producer's span named by `traceparent`, following the
 * OpenTelemetry messaging conventions. It is active while the handler runs, so follow-up events
 * staged through `context.emit` carry this trace on.
 */
export const tracingMiddleware: Middleware = async (event, context, next) => {
  const parent = extractTraceContext(event.headers);
  // What a sampler may look at goes in at the start; the rest only when the span is recorded
  // (attribute validation is most of a span's cost, and head sampling drops most spans).
  const span = consumeTracer.startSpan(
    `process ${event.origin.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': event.origin.topic,
      },
    },
    parent,
  );
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.destination.partition.id': String(event.origin.partition),
      'messaging.consumer.group.name': context.consumerGroup,
      'messaging.kafka.offset': Number(event.origin.offset),
      'messaging.message.id': event.id,
      'cloudevents.event_type': event.type,
    });
    if (event.correlationId) span.setAttribute('messaging.message.conversation_id', event.correlationId);
    if (event.key !== null) span.setAttribute('messaging.kafka.message.key', event.key);
  }
  try {
    await otelContext.with(trace.setSpan(parent, span), next);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
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
