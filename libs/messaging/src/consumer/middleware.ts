import { performance } from 'node:perf_hooks';
import { Attributes, context as otelContext, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@omnibus/observability';
import { consumerMetrics } from './metrics';
import type { ConsumedEvent, EventHandler, HandlerContext, Middleware } from './types';

// A proxy: it follows whichever tracer provider the process registers, before or after this loads.
const consumeTracer = trace.getTracer('omnibus');

/** What a sampler may look at, per topic: built once, the SDK copies it into each span. */
interface TopicSpanTemplate {
  name: string;
  attributes: Attributes;
}
const spanTemplates = new Map<string, TopicSpanTemplate>();

function spanTemplateOf(topic: string): TopicSpanTemplate {
  let template = spanTemplates.get(topic);
  if (!template) {
    template = {
      name: `process ${topic}`,
      attributes: Object.freeze({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': topic,
      }),
    };
    spanTemplates.set(topic, template);
  }
  return template;
}

/** Label sets of the latency histogram, one per (group, type): the hot path allocates none. */
const latencyLabels = new Map<string, Map<string, { consumer_group: string; event_type: string }>>();

function latencyLabelsOf(consumerGroup: string, eventType: string): { consumer_group: string; event_type: string } {
  let byType = latencyLabels.get(consumerGroup);
  if (!byType) latencyLabels.set(consumerGroup, (byType = new Map()));
  let labels = byType.get(eventType);
  if (!labels) byType.set(eventType, (labels = { consumer_group: consumerGroup, event_type: eventType }));
  return labels;
}

function recordFailure(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
}

export interface HandlerInstrumentation {
  /**
   * A consume span per event, child of the producer's span named by `traceparent`, following the
   * OpenTelemetry messaging conventions. It is active while the handler runs, so follow-up events
   * staged through `context.emit` and the handler's queries carry this trace on.
   */
  tracing: boolean;
  /** The handler latency histogram (outcomes are counted by the runtime once the transaction has committed). */
  handlerLatency: boolean;
}

/**
 * Wraps `handler` (with the service's middlewares composed in) in the built-in instrumentation.
 * One wrapper for both rather than two middlewares: it runs once per event, and every async layer
 * and closure per event shows in the consumer's CPU (see docs/benchmarks.md, "Consumer runtime").
 */
export function instrumentHandler(handler: EventHandler, { tracing, handlerLatency }: HandlerInstrumentation): EventHandler {
  if (!tracing && !handlerLatency) return handler;
  if (!tracing) {
    return async (event, context) => {
      const started = performance.now();
      try {
        await handler(event, context);
      } finally {
        observeLatency(event, context, started);
      }
    };
  }
  // Written with `then` rather than async/await: an async frame and the promise `await` adds per
  // event cost more than the two callbacks.
  return (event, context) => {
    const parent = extractTraceContext(event.headers);
    const template = spanTemplateOf(event.origin.topic);
    // The rest of the attributes only when the span is recorded: attribute validation is most of
    // a span's cost, and head sampling drops most spans.
    const span = consumeTracer.startSpan(template.name, { kind: SpanKind.CONSUMER, attributes: template.attributes }, parent);
    if (span.isRecording()) recordedAttributes(span, event, context);
    const started = handlerLatency ? performance.now() : 0;
    const failed = (error: unknown) => {
      recordFailure(span, error);
      if (handlerLatency) observeLatency(event, context, started);
      span.end();
      throw error;
    };
    let handled: Promise<void>;
    try {
      handled = otelContext.with(trace.setSpan(parent, span), handler, undefined, event, context);
    } catch (error) {
      // A handler that threw before returning its promise.
      return Promise.resolve(error).then(failed);
    }
    return handled.then(() => {
      if (handlerLatency) observeLatency(event, context, started);
      span.end();
    }, failed);
  };
}

function recordedAttributes(span: Span, event: ConsumedEvent, context: HandlerContext): void {
  span.setAttribute('messaging.destination.partition.id', String(event.origin.partition));
  span.setAttribute('messaging.consumer.group.name', context.consumerGroup);
  span.setAttribute('messaging.kafka.offset', Number(event.origin.offset));
  span.setAttribute('messaging.message.id', event.id);
  span.setAttribute('cloudevents.event_type', event.type);
  if (event.correlationId) span.setAttribute('messaging.message.conversation_id', event.correlationId);
  if (event.key !== null) span.setAttribute('messaging.kafka.message.key', event.key);
}

function observeLatency(event: ConsumedEvent, context: HandlerContext, started: number): void {
  consumerMetrics.handlerDuration.observe(latencyLabelsOf(context.consumerGroup, event.type), (performance.now() - started) / 1000);
}

/** Wraps `handler` in the middlewares, first one outermost (Watermill's router style). */
export function composeMiddleware(middlewares: Middleware[], handler: EventHandler): EventHandler {
  return middlewares.reduceRight<EventHandler>(
    (next, middleware) => (event: ConsumedEvent, context: HandlerContext) =>
      middleware(event, context, () => next(event, context)),
    handler,
  );
}
