import { context, isSpanContextValid, Link, propagation, SpanContext, trace, TraceFlags } from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Adds W3C trace context of the active span to the headers unless the caller already set it, so the
 * relay's publish span and every consumer can continue the producing trace. Uses the registered
 * propagator (libs/observability installs W3C) and falls back to formatting `traceparent` itself.
 */
export function withTraceContext(headers: Record<string, string>): Record<string, string> {
  if (headers.traceparent) return headers;
  const active = context.active();
  const spanContext = trace.getSpanContext(active);
  if (!spanContext || !isSpanContextValid(spanContext)) return headers;
  const carrier: Record<string, string> = { ...headers };
  propagation.inject(active, carrier);
  if (!carrier.traceparent) carrier.traceparent = formatTraceparent(spanContext);
  return carrier;
}

export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The producing span a stored `traceparent` header names, as a link for the publish span. */
export function linkFromTraceparent(traceparent: string | undefined): Link | undefined {
  if (!traceparent) return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match || match[1] === 'ff') return undefined;
  const spanContext: SpanContext = {
    traceId: match[2],
    spanId: match[3],
    traceFlags: parseInt(match[4], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}
