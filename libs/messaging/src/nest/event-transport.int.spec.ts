import { Controller, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { SpanKind } from '@opentelemetry/api';
import { createLogger, startTracing } from '@omnibus/observability';
import { waitFor } from '@omnibus/testing';
import { createHarness, FramedJsonCodec, Harness, ReservationRequest, StockReservationRequested } from '../../test/harness';
import { connectEventTransport, envelopeHeaders, EventContext, EventOutbox, FailureHeader, PermanentError } from '..';

jest.setTimeout(60_000);

const StockReserved = 'omnibus.test.StockReserved';
const ReservationCancelled = 'omnibus.test.ReservationCancelled';

@Controller()
class StockReservationHandlers {
  @EventPattern(StockReservationRequested, { sequenced: true })
  async reserveStock(@Payload() request: ReservationRequest, @Ctx() context: EventContext) {
    if (request.quantity <= 0) throw new PermanentError(`quantity ${request.quantity} of ${request.sku} is not positive`);
    await context.manager.query(
      `INSERT INTO stock_reservation (event_id, order_id, sku, quantity, sequence, reserved_by) VALUES ($1, $2, $3, $4, $5, 'nest')`,
      [context.event.id, request.orderId, request.sku, request.quantity, request.sequence],
    );
    await context.emit({
      topic: 'retail.reservations',
      type: StockReserved,
      key: request.orderId,
      payload: { orderId: request.orderId, sku: request.sku, quantity: request.quantity },
    });
  }

  @EventPattern(ReservationCancelled)
  async ignored() {
    // Registered so that the group subscribes to the type; nothing to do in this test.
  }
}

@Module({ controllers: [StockReservationHandlers] })
class InventoryTestModule {}

describe('EventTransport: @EventPattern handlers fed by the consumer runtime', () => {
  const tracing = startTracing({ serviceName: 'inventory-test', exporter: 'memory' });
  let harness: Harness;
  let app: INestApplication;

  beforeAll(async () => {
    harness = await createHarness({ partitions: 1 });
    app = await NestFactory.create(InventoryTestModule, { logger: false });
    connectEventTransport(app, {
      kafka: harness.kafka,
      service: harness.service,
      topics: [harness.topic],
      dataSource: harness.dataSource,
      decoder: harness.codec,
      outbox: new EventOutbox({ source: 'omnibus/inventory', encoder: new FramedJsonCodec() }),
      retry: { inPlaceRetries: 3, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [60_000] },
      consumerConfig: { maxWaitTimeInMs: 100 },
      logger: createLogger({ service: 'inventory-test', level: 'silent' }),
    });
    await app.init();
    await app.startAllMicroservices();
  });

  afterAll(async () => {
    await app.close();
    await harness.close();
  });

  it('runs the handler in the inbox transaction, stages its follow-up caused by the event, and continues the trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const [id] = await harness.publish([{ orderId: 'order-7', sku: 'SKU-1', quantity: 2, sequence: 1 }]);
    const reservations = await waitFor(async () => {
      const rows = await harness.reservations();
      return rows.length === 1 ? rows : undefined;
    }, { what: 'the reservation' });
    expect(reservations[0]).toMatchObject({ eventId: id, orderId: 'order-7', reservedBy: 'nest' });

    const [staged] = await harness.dataSource.query(`SELECT topic, key, headers FROM outbox`);
    expect(staged).toMatchObject({ topic: 'retail.reservations', key: 'order-7' });
    expect(staged.headers).toMatchObject({
      ce_type: StockReserved,
      ce_source: 'omnibus/inventory',
      'causation-id': id,
      'correlation-id': id,
    });

    const { headers } = envelopeHeaders(
      { topic: harness.topic, type: StockReservationRequested, key: 'order-8', payload: {} },
      'omnibus/order',
      { correlationId: 'journey-8' },
    );
    headers.traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    await harness.producer.send({
      topic: harness.topic,
      messages: [
        {
          key: 'order-8',
          value: await harness.codec.encode(harness.topic, StockReservationRequested, { orderId: 'order-8', sku: 'SKU-1', quantity: 1, sequence: 1 }),
          headers,
        },
      ],
    });
    const [second] = await waitFor(async () => {
      const rows = await harness.dataSource.query(`SELECT headers FROM outbox WHERE key = 'order-8'`);
      return rows.length === 1 ? rows : undefined;
    }, { what: 'the second follow-up' });
    expect(second.headers['correlation-id']).toBe('journey-8');
    expect(second.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const consume = tracing.memoryExporter!.getFinishedSpans().find((span) => span.spanContext().traceId === traceId && span.kind === SpanKind.CONSUMER)!;
    expect(consume.name).toBe(`process ${harness.topic}`);
    expect(consume.kind).toBe(SpanKind.CONSUMER);
    expect(consume.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(consume.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.conversation_id': 'journey-8',
      'messaging.destination.name': harness.topic,
      'messaging.consumer.group.name': harness.service,
      'messaging.kafka.message.key': 'order-8',
    });
    // The follow-up's traceparent names the consume span as its parent.
    expect(second.headers.traceparent).toBe(`00-${traceId}-${consume.spanContext().spanId}-01`);
  });

  it('dead-letters at once what the handler rejects with a PermanentError, with its class and message', async () => {
    await harness.publish([{ orderId: 'order-9', sku: 'SKU-9', quantity: 0, sequence: 1 }]);
    const [deadLetter] = await waitFor(async () => {
      const records = await harness.deadLetters();
      return records.length === 1 ? records : undefined;
    }, { what: 'the rejected request dead-lettered' });
    expect(deadLetter.headers).toMatchObject({
      [FailureHeader.errorClass]: 'PermanentError',
      [FailureHeader.errorKind]: 'permanent',
      [FailureHeader.errorMessage]: 'quantity 0 of SKU-9 is not positive',
      [FailureHeader.attempts]: '1',
      [FailureHeader.sequenced]: 'true',
    });
  });
});
