import { Context, context, ROOT_CONTEXT, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Kafka message headers as kafkajs gives and takes them. */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

// An explicit W3C propagator, not the global one: Kafka headers must carry `traceparent` /
// `tracestate` even in a process (CLI, test) that never registered a tracer provider.
const w3c = new W3CTraceContextPropagator();

const headerSetter: TextMapSetter<KafkaHeaders> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const headerGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : value.toString();
  },
};

/**
 * Writes the trace context of `ctx` (default: the active one) into Kafka headers as W3C
 * `traceparent` / `tracestate`, and returns the same headers object.
 */
export function injectTraceHeaders<T extends KafkaHeaders>(
  headers: T,
  ctx: Context = context.active(),
): T & { traceparent?: string; tracestate?: string } {
  w3c.inject(ctx, headers, headerSetter);
  return headers;
}

/**
 * Reads `traceparent` / `tracestate` from Kafka headers (Buffer or string values) into a context
 * whose remote parent is the producer's span. Based on ROOT_CONTEXT by default, so a consumer's
 * span never inherits whatever happened to be active in the polling loop.
 */
export function extractTraceContext(headers: KafkaHeaders | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!headers) return base;
  return w3c.extract(base, headers, headerGetter);
}
