// Shared set-up of the messaging integration tests: a fresh database with the inbox and a
// reservations table, unique topics on the real broker, a publisher and a stock-reservation consumer.
import { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createLogger } from '@omnibus/observability';
import { outboxMigrations } from '@omnibus/outbox';
import { createTestDatabase, createTestTopics, testKafka, TestDatabase, uniqueName, waitFor } from '@omnibus/testing';
import {
  deadLetterTopicOf,
  envelopeHeaders,
  EventConsumer,
  EventConsumerOptions,
  EventDecoder,
  EventEncoder,
  EventHandler,
  inboxMigrations,
  readHeaders,
  redriveTopicFor,
  retryTierTopicsOf,
} from '../src';

export const StockReservationRequested = 'omnibus.test.StockReservationRequested';

export interface ReservationRequest {
  orderId: string;
  sku: string;
  quantity: number;
  /** Position of this request in its order's stream, to check per-key order. */
  sequence: number;
  /** Tests make some requests fail: `permanent`, `until-fixed` (fails while the fix flag is off), `once`. */
  poison?: 'permanent' | 'until-fixed';
}

/** A test stand-in for the Avro serde with the same framing and the same typed errors. */
export class FramedJsonCodec implements EventEncoder, EventDecoder {
  static readonly schemaId = 1;

  async encode(_topic: string, _type: string, payload: unknown): Promise<Buffer> {
    return FramedJsonCodec.frame(FramedJsonCodec.schemaId, Buffer.from(JSON.stringify(payload)));
  }

  async decode(_topic: string, _type: string, value: Buffer): Promise<unknown> {
    if (value.length < 5 || value[0] !== 0) throw named('UndecodableEventError', 'not Confluent-framed (magic byte is not 0)');
    const schemaId = value.readInt32BE(1);
    if (schemaId !== FramedJsonCodec.schemaId) throw named('UnknownSchemaIdError', `schema id ${schemaId} is not in the registry`);
    try {
      return JSON.parse(value.subarray(5).toString('utf8'));
    } catch (error) {
      throw named('UndecodableEventError', `body does not decode: ${(error as Error).message}`);
    }
  }

  static frame(schemaId: number, body: Buffer): Buffer {
    const header = Buffer.alloc(5);
    header.writeInt32BE(schemaId, 1);
    return Buffer.concat([header, body]);
  }
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

class CreateStockReservations1700000000000 implements MigrationInterface {
  name = 'CreateStockReservations1700000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    // Deliberately no unique constraint: a double application would show as two rows.
    await queryRunner.query(`
      CREATE TABLE stock_reservation (
        id          bigserial PRIMARY KEY,
        event_id    uuid      NOT NULL,
        order_id    text      NOT NULL,
        sku         text      NOT NULL,
        quantity    integer   NOT NULL,
        sequence    integer   NOT NULL,
        reserved_by text      NOT NULL
      )`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE stock_reservation`);
  }
}

export interface Reservation {
  eventId: string;
  orderId: string;
  sequence: number;
  reservedBy: string;
}

export interface Harness {
  db: TestDatabase;
  dataSource: DataSource;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  service: string;
  topic: string;
  /** The re-drive topic (`<service>.retry`). */
  retryTopic: string;
  /** `<service>.retry-1` … `-3`: enough for schedules of up to three delays. */
  retryTierTopics: string[];
  deadLetterTopic: string;
  codec: FramedJsonCodec;
  /** Publishes reservation requests keyed by order id; returns their event ids in order. */
  publish(requests: ReservationRequest[]): Promise<string[]>;
  reservations(): Promise<Reservation[]>;
  consumer(overrides?: Partial<EventConsumerOptions> & { name?: string }): EventConsumer;
  deadLetters(): Promise<Array<{ key: string | null; headers: Record<string, string>; value: Buffer | null }>>;
  close(): Promise<void>;
}

/** Fix flag for `until-fixed` poison: the "deployment of a fix" in tests. */
export const fix = { deployed: false };

/** Reserves stock for a request, in the delivery's transaction. */
export function reserveStock(reservedBy: string): EventHandler<ReservationRequest> {
  return async (event, { manager }) => {
    const request = event.payload;
    if (request.poison === 'permanent') throw new Error(`SKU ${request.sku} does not exist`);
    if (request.poison === 'until-fixed' && !fix.deployed) throw new Error(`cannot reserve ${request.sku} yet`);
    await manager.query(
      `INSERT INTO stock_reservation (event_id, order_id, sku, quantity, sequence, reserved_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [event.id, request.orderId, request.sku, request.quantity, request.sequence, reservedBy],
    );
  };
}

export async function createHarness({ partitions = 3, name = 'inventory' } = {}): Promise<Harness> {
  const db = await createTestDatabase('messaging');
  const dataSource = new DataSource({
    type: 'postgres',
    url: db.url,
    migrations: [...inboxMigrations, ...outboxMigrations, CreateStockReservations1700000000000],
    extra: { max: 10 },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const service = uniqueName(name);
  const topic = uniqueName('retail.orders');
  await createTestTopics(admin, [
    { topic, numPartitions: partitions },
    { topic: redriveTopicFor(service), numPartitions: 2 },
    ...retryTierTopicsOf(service, 3).map((tier) => ({ topic: tier, numPartitions: 2 })),
    { topic: deadLetterTopicOf(service), numPartitions: 2 },
  ]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const codec = new FramedJsonCodec();
  const consumers: EventConsumer[] = [];
  const logger = createLogger({ service, level: (process.env.TEST_LOG_LEVEL as 'info') ?? 'silent' });

  return {
    db,
    dataSource,
    kafka,
    admin,
    producer,
    service,
    topic,
    retryTopic: redriveTopicFor(service),
    retryTierTopics: retryTierTopicsOf(service, 3),
    deadLetterTopic: deadLetterTopicOf(service),
    codec,
    async publish(requests) {
      const messages = await Promise.all(
        requests.map(async (request) => {
          const { headers, envelope } = envelopeHeaders(
            { topic, type: StockReservationRequested, key: request.orderId, payload: request },
            'omnibus/test',
          );
          return { id: envelope.id, message: { key: request.orderId, value: await codec.encode(topic, StockReservationRequested, request), headers } };
        }),
      );
      await producer.send({ topic, acks: -1, messages: messages.map((m) => m.message) });
      return messages.map((m) => m.id);
    },
    async reservations() {
      const rows: Array<{ event_id: string; order_id: string; sequence: number; reserved_by: string }> = await dataSource.query(
        `SELECT event_id, order_id, sequence, reserved_by FROM stock_reservation ORDER BY id`,
      );
      return rows.map((row) => ({ eventId: row.event_id, orderId: row.order_id, sequence: row.sequence, reservedBy: row.reserved_by }));
    },
    consumer({ name: consumerName = 'consumer', ...overrides } = {}) {
      const consumer = new EventConsumer({
        kafka,
        service,
        topics: [topic],
        dataSource,
        decoder: codec,
        handlers: [{ eventType: StockReservationRequested, handle: reserveStock(consumerName) as EventHandler }],
        retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 50, retryTopicDelaysMs: [200] },
        maxEventsPerTransaction: 50,
        consumerConfig: { sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
        parkedSweepIntervalMs: 500,
        logger,
        ...overrides,
      });
      consumers.push(consumer);
      return consumer;
    },
    async deadLetters() {
      return readTopic(kafka, admin, deadLetterTopicOf(service));
    },
    async close() {
      await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic, redriveTopicFor(service), ...retryTierTopicsOf(service, 3), deadLetterTopicOf(service)] }).catch(() => undefined);
      await admin.disconnect();
      await dataSource.destroy();
      await db.drop();
    },
  };
}

/** Every record of a topic right now (a throwaway group reads it from the beginning to the end). */
export async function readTopic(kafka: Kafka, admin: Admin, topic: string) {
  const ends = await admin.fetchTopicOffsets(topic);
  const total = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const records: Array<{ key: string | null; headers: Record<string, string>; value: Buffer | null }> = [];
  if (total === 0) return records;
  const groupId = uniqueName('reader');
  const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topics: [topic], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      records.push({ key: message.key?.toString() ?? null, headers: readHeaders(message.headers), value: message.value });
    },
  });
  await waitFor(() => records.length >= total, { what: `${total} records of ${topic}`, timeoutMs: 20_000 });
  await reader.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  return records;
}
