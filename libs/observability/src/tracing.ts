import { context, Context, isSpanContextValid, Span, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import pg from 'pg';

/**
 * Where finished spans go. `none` still records spans, so trace ids reach logs and Kafka headers;
 * `otlp` sends them over OTLP/HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT (default
 * http://localhost:4318/v1/traces); `memory` keeps them for tests.
 */
export const traceExporterKinds = ['none', 'console', 'otlp', 'memory'] as const;
export type TraceExporterKind = (typeof traceExporterKinds)[number];

export interface TracingOptions {
  serviceName: string;
  exporter?: TraceExporterKind;
}

export interface Tracing {
  serviceName: string;
  provider: NodeTracerProvider;
  /** Set when the exporter is `memory`: the finished spans, for assertions in tests. */
  memoryExporter?: InMemorySpanExporter;
  /** Flushes pending spans (best effort) and stops exporting. */
  shutdown(): Promise<void>;
}

let running: Tracing | undefined;

/**
 * Installs the process-wide tracer provider with W3C trace-context propagation and an
 * AsyncLocalStorage context manager. The first call wins: OpenTelemetry has one global provider
 * per process, so later calls (several services booted in one test process) get the same one.
 */
export function startTracing({ serviceName, exporter = 'none' }: TracingOptions): Tracing {
  if (running) return running;
  const memoryExporter = exporter === 'memory' ? new InMemorySpanExporter() : undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: spanProcessorsFor(exporter, memoryExporter),
  });
  provider.register();
  tracePostgres(provider);
  running = {
    serviceName,
    provider,
    memoryExporter,
    async shutdown() {
      // Best effort: an unreachable collector must not turn a clean stop into a failed one.
      await provider.shutdown().catch(() => undefined);
    },
  };
  return running;
}

/**
 * A CLIENT span per PostgreSQL query (`@opentelemetry/instrumentation-pg`), only inside traced work
 * (`requireParentSpan`): the relay's and pollers' idle queries outside any span cost one context
 * lookup each and make no spans. No connect spans, no query parameters on spans.
 */
function tracePostgres(provider: NodeTracerProvider): void {
  const instrumentation = new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true });
  instrumentation.setTracerProvider(provider);
  // The instrumentation's require hook patches `pg` only when it is required after this point, but
  // services import it before they start tracing (and Jest's module registry bypasses the hook):
  // so the loaded `pg` is patched here too (re-patching is idempotent).
  for (const definition of instrumentation.getModuleDefinitions()) {
    if (definition.name === 'pg') definition.patch?.(pg);
  }
}

function spanProcessorsFor(kind: TraceExporterKind, memory?: InMemorySpanExporter): SpanProcessor[] {
  switch (kind) {
    case 'none':
      return [];
    case 'console':
      return [new SimpleSpanProcessor(new ConsoleSpanExporter())];
    case 'memory':
      return [new SimpleSpanProcessor(memory!)];
    case 'otlp':
      return [new BatchSpanProcessor(new OTLPTraceExporter())];
  }
}

/** Flushes and stops the process's tracing, if started (a service's last step when it stops). */
export async function stopTracing(): Promise<void> {
  await running?.shutdown();
}

/** The tracer Omnibus code creates its spans with. */
export function tracer(): Tracer {
  return trace.getTracer('omnibus');
}

/** The ids of the active span, for log lines; empty when no span is active. */
export function traceLogFields(ctx: Context = context.active()): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(ctx)?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * Runs `work` inside a new active span, ending it when the work settles and recording a thrown
 * error on it. The span is a child of `parent` (default: the active context).
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { kind: options.kind, attributes: options.attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
