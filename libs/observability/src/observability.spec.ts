import { context, SpanKind, trace } from '@opentelemetry/api';
import { Writable } from 'node:stream';
import {
  counter,
  createLogger,
  extractTraceContext,
  injectTraceHeaders,
  inSpan,
  metricsRegistry,
  startTracing,
  tracer,
} from './index';

const tracing = startTracing({ serviceName: 'observability-test', exporter: 'memory' });

describe('trace context in Kafka headers', () => {
  it('an event produced inside a span carries its W3C traceparent, and the consumer span continues the trace', async () => {
    const headers = await inSpan('publish OrderPlaced', { kind: SpanKind.PRODUCER }, async () =>
      injectTraceHeaders({ ce_type: 'OrderPlaced' }),
    );
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // kafkajs hands headers to consumers as Buffers
    const received = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(String(v))]));
    await inSpan('process OrderPlaced', { kind: SpanKind.CONSUMER, parent: extractTraceContext(received) }, async () => undefined);

    const [producer, consumer] = tracing.memoryExporter!.getFinishedSpans().slice(-2);
    expect(consumer.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
  });

  it('headers without trace context give a context with no span, so the consumer starts a new trace', () => {
    expect(trace.getSpan(extractTraceContext({ ce_type: Buffer.from('OrderPlaced') }))).toBeUndefined();
    expect(trace.getSpan(extractTraceContext(undefined))).toBeUndefined();
  });

  it('inSpan records a failure on the span and rethrows it', async () => {
    await expect(inSpan('reserve stock', {}, async () => Promise.reject(new Error('no stock')))).rejects.toThrow('no stock');
    const span = tracing.memoryExporter!.getFinishedSpans().at(-1)!;
    expect(span.status).toEqual({ code: 2, message: 'no stock' });
  });
});

describe('logging', () => {
  it('writes JSON lines with service, level word and the active trace ids, never an authorization header', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger({ service: 'order', destination: sink });
    const span = tracer().startSpan('accept order');
    context.with(trace.setSpan(context.active(), span), () =>
      logger.info({ req: { headers: { authorization: 'Bearer abc' } } }, 'order accepted'),
    );
    span.end();
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 'info', service: 'order', msg: 'order accepted', trace_id: span.spanContext().traceId });
    expect(line.req.headers.authorization).toBe('[redacted]');
  });
});

describe('metrics registry', () => {
  it('a metric declared twice (two modules, one process) is the same metric', async () => {
    const a = counter({ name: 'orders_accepted_total', help: 'orders accepted', labelNames: ['channel'] });
    const b = counter({ name: 'orders_accepted_total', help: 'orders accepted', labelNames: ['channel'] });
    a.inc({ channel: 'web' });
    b.inc({ channel: 'web' });
    expect(await metricsRegistry.metrics()).toContain('orders_accepted_total{channel="web"} 2');
  });
});
