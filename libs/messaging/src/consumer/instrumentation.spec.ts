import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { startTracing } from '@omnibus/observability';
import { consumerMetrics } from './metrics';
import { instrumentHandler } from './middleware';
import type { ConsumedEvent, EventHandler, HandlerContext } from './types';

const tracing = startTracing({ serviceName: 'messaging-instrumentation-test', exporter: 'memory' });
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

function event(overrides: Partial<ConsumedEvent> = {}): ConsumedEvent {
  return {
    id: '0195a1b2-0000-7000-8000-000000000001',
    type: 'com.omnibus.order.OrderPlaced',
    source: 'omnibus/order',
    time: '2026-03-01T10:00:00.000Z',
    correlationId: 'journey-1',
    key: 'order-1',
    payload: {},
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    origin: { topic: 'retail.orders', partition: 2, offset: '41', timestamp: '0' },
    attempt: 1,
    ...overrides,
  };
}
const handlerContext = { consumerGroup: 'billing' } as HandlerContext;

async function latencyCount(eventType: string): Promise<number> {
  const { values } = await consumerMetrics.handlerDuration.get();
  const count = values.find((v) => v.metricName?.endsWith('_count') && v.labels.consumer_group === 'billing' && v.labels.event_type === eventType);
  return count?.value ?? 0;
}

beforeEach(() => tracing.memoryExporter!.reset());

describe('instrumentHandler (the consume span and the handler latency)', () => {
  it('runs the handler inside a process span that continues the producer trace, and records its latency', async () => {
    const before = await latencyCount('com.omnibus.order.OrderPlaced');
    let activeDuringHandler: string | undefined;
    await instrumentHandler(async () => {
      activeDuringHandler = trace.getSpan(context.active())?.spanContext().spanId;
    }, { tracing: true, handlerLatency: true })(event(), handlerContext);

    const [span] = tracing.memoryExporter!.getFinishedSpans();
    expect(span.name).toBe('process retail.orders');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(activeDuringHandler).toBe(span.spanContext().spanId);
    expect(span.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'retail.orders',
      'messaging.destination.partition.id': '2',
      'messaging.consumer.group.name': 'billing',
      'messaging.kafka.offset': 41,
      'messaging.message.id': '0195a1b2-0000-7000-8000-000000000001',
      'cloudevents.event_type': 'com.omnibus.order.OrderPlaced',
      'messaging.message.conversation_id': 'journey-1',
      'messaging.kafka.message.key': 'order-1',
    });
    expect(await latencyCount('com.omnibus.order.OrderPlaced')).toBe(before + 1);
  });

  it('marks the span failed and still records the latency when the handler throws', async () => {
    const before = await latencyCount('com.omnibus.order.OrderCancelled');
    const failing = instrumentHandler(async () => {
      throw new Error('stock service down');
    }, { tracing: true, handlerLatency: true });
    await expect(failing(event({ type: 'com.omnibus.order.OrderCancelled', key: null }), handlerContext)).rejects.toThrow('stock service down');

    const [span] = tracing.memoryExporter!.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'stock service down' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.attributes['messaging.kafka.message.key']).toBeUndefined();
    expect(await latencyCount('com.omnibus.order.OrderCancelled')).toBe(before + 1);
  });

  it('ends the span of a handler that throws before returning a promise', async () => {
    const throwing = instrumentHandler((() => {
      throw new Error('bad wiring');
    }) as unknown as EventHandler, { tracing: true, handlerLatency: true });
    await expect(throwing(event(), handlerContext)).rejects.toThrow('bad wiring');
    const [span] = tracing.memoryExporter!.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad wiring' });
  });

  it('a trace the producer did not sample gets a non-recorded span, still active for the handler', async () => {
    let sampled: number | undefined;
    await instrumentHandler(async () => {
      sampled = trace.getSpan(context.active())?.spanContext().traceFlags;
    }, { tracing: true, handlerLatency: false })(event({ headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } }), handlerContext);
    expect(sampled).toBe(0);
    expect(tracing.memoryExporter!.getFinishedSpans()).toEqual([]);
  });

  it('with both off, the handler runs as it is', async () => {
    const handler = async () => undefined;
    expect(instrumentHandler(handler, { tracing: false, handlerLatency: false })).toBe(handler);
  });
});
