import { isSpanContextValid, Link, trace } from '@opentelemetry/api';
import { extractTraceContext } from '@omnibus/observability';

/** The producing span a stored `traceparent` header names, as a link for the relay's publish span. */
export function linkToProducer(headers: Record<string, string>): Link | undefined {
  if (!headers.traceparent) return undefined;
  const spanContext = trace.getSpanContext(extractTraceContext(headers));
  return spanContext && isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}
