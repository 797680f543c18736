/**
 * Consumer benchmark: what the consumer runtime's guarantees cost next to a naive kafkajs consumer.
 *
 *   node -r @swc-node/register bench/consumer/consume.ts
 *
 * Against the real Kafka and PostgreSQL (KAFKA_BROKERS, DATABASE_URL / PG*). One topic is filled
 * with BENCH_EVENTS StockReserved events (Avro, Confluent framing, CloudEvents headers), then read
 * in full by fresh consumer groups, one after the other:
 *  1. naive: kafkajs eachBatch, auto-commit, no inbox; decodes and applies the event in memory;
 *  2. guarantees: EventConsumer — one transaction per partition chunk that claims the event ids in
 *     the inbox (one INSERT … ON CONFLICT DO NOTHING RETURNING per chunk), runs the handler (same
 *     in-memory effect), commits, then commits the offsets; tracing and latency middlewares off:
 *     this is the price of the guarantees alone;
 *  3. runtime: as 2 with the default instrumentation (a consume span per event continuing the
 *     producer's trace, handler latency histogram), as services run it;
 *  4. row: as 3, and the handler also writes one row per event with the transaction's
 *     EntityManager (a typical projection).
 * naive and runtime run alternately BENCH_REPEAT times (the machine is shared: alternating spreads
 * the noise over both), each time with a new group; the table shows the median and the best run.
 * Settings: BENCH_EVENTS (default 100000), BENCH_PARTITIONS (6), BENCH_CONCURRENCY
 * (partitionsConsumedConcurrently, 3), BENCH_CHUNK (maxEventsPerTransaction, 1000), BENCH_TRACING
 * (`none`: a tracer provider that records spans without exporting, as services run; `off`: no provider),
 * BENCH_RUNS (which of naive,guarantees,runtime,row to run; default all), BENCH_SAMPLED (share of
 * producer traces flagged sampled, default 1: every event gets a recorded span; 0.1 is a typical
 * production head-sampling rate), BENCH_FETCH_BYTES (maxBytesPerPartition, 1 MiB).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Message } from 'kafkajs';
import { DataSource } from 'typeorm';
import { eventTypes, StockReserved } from '@omnibus/contracts';
import { createLogger, startTracing } from '@omnibus/observability';
import { createTestDatabase, createTestTopics, testBrokers, uniqueName } from '@omnibus/testing';
import {
  AvroEventCodec,
  AvroSerde,
  deadLetterTopicOf,
  defaultRetrySchedule,
  envelopeHeaders,
  EventConsumer,
  EventHandler,
  inboxMigrations,
  InMemorySchemaRegistry,
  readHeaders,
  redriveTopicFor,
  retryTierTopicsOf,
  SchemaRegistryClient,
} from '@omnibus/messaging';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 3);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1000);
const TRACING = process.env.BENCH_TRACING ?? 'none';
const RUNS = (process.env.BENCH_RUNS ?? 'naive,guarantees,runtime,row').split(',');
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const FETCH_BYTES = Number(process.env.BENCH_FETCH_BYTES ?? 1_048_576);
const SAMPLED = Number(process.env.BENCH_SAMPLED ?? 1);
const ORDERS = 20_000;
const GUARANTEES = 'inbox + 1 tx per chunk';
const RUNTIME = '… + consume spans + latency';
const ROW = '… + 1 row written per event';

function reservation(n: number): StockReserved {
  const at = new Date(Date.UTC(2026, 2, 1, 10, 0, 0) + n);
  return {
    reservationId: `R-${n}`,
    orderId: `O-${n % ORDERS}`,
    lines: [1, 2, 3].map((line) => ({
      lineId: `L${line}`,
      sku: `SKU-${(n * 7 + line) % 5000}`,
      quantity: { milli: 1000 * line },
      location: { locationId: 'wh-hamburg', locationType: 'WAREHOUSE' },
    })),
    expiresAt: new Date(at.getTime() + 15 * 60_000),
    occurredAt: at,
  } as StockReserved;
}

/** The business effect both consumers apply: units held per SKU, in memory. */
class HeldStock {
  private readonly units = new Map<string, number>();
  events = 0;
  firstAt = 0;
  apply(event: StockReserved): void {
    if (this.events === 0) this.firstAt = performance.now();
    for (const line of event.lines) this.units.set(line.sku, (this.units.get(line.sku) ?? 0) + line.quantity.milli);
    this.events++;
  }
}

interface RunResult {
  name: string;
  /** From start (group join included) to the last event. */
  seconds: number;
  eventsPerSecond: number;
  /** From the first event handled to the last: the steady rate. */
  steadyEventsPerSecond: number;
  /**
   * Events per second of CPU used by this (consumer) process: less distorted than wall time on a
   * shared machine. The database and broker work of the runtime is not in it.
   */
  eventsPerCpuSecond: number;
}

interface Clock {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

const startClock = (): Clock => ({ wall: performance.now(), cpu: process.cpuUsage() });

function result(name: string, started: Clock, held: HeldStock): RunResult {
  const ended = performance.now();
  const cpu = process.cpuUsage(started.cpu);
  const seconds = (ended - started.wall) / 1000;
  return {
    name,
    seconds,
    eventsPerSecond: EVENTS / seconds,
    steadyEventsPerSecond: (EVENTS - 1) / ((ended - held.firstAt) / 1000),
    eventsPerCpuSecond: EVENTS / ((cpu.user + cpu.system) / 1e6),
  };
}

async function fillTopic(kafka: Kafka, codec: AvroEventCodec, topic: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  const BATCH = 2_000;
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    const messages: Message[] = [];
    for (let n = offset; n < Math.min(EVENTS, offset + BATCH); n++) {
      const event = reservation(n);
      const { headers } = envelopeHeaders({ topic, type: eventTypes.StockReserved, key: event.orderId, payload: event }, 'omnibus/inventory');
      // The producer's trace; with head sampling only SAMPLED of them are recorded downstream.
      const sampled = (n % 1000) < SAMPLED * 1000 ? '01' : '00';
      headers.traceparent = `00-${(n + 1).toString(16).padStart(32, '0')}-${(n + 1).toString(16).padStart(16, '0')}-${sampled}`;
      messages.push({ key: event.orderId, value: await codec.encode(topic, eventTypes.StockReserved, event), headers });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  process.stdout.write(`filled ${topic}: ${EVENTS} events in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function runNaive(kafka: Kafka, codec: AvroEventCodec, topic: string): Promise<RunResult> {
  const held = new HeldStock();
  const consumer = kafka.consumer({ groupId: uniqueName('bench-naive'), maxWaitTimeInMs: 100, maxBytesPerPartition: FETCH_BYTES });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const started = startClock();
  await consumer.run({
    partitionsConsumedConcurrently: CONCURRENCY,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const headers = readHeaders(message.headers);
        held.apply((await codec.decode(topic, headers.ce_type, message.value!)) as StockReserved);
      }
    },
  });
  await until(() => held.events >= EVENTS);
  const measured = result('naive (auto-commit, no inbox)', started, held);
  await consumer.disconnect();
  return measured;
}

async function runRuntime(
  name: string,
  kafka: Kafka,
  codec: AvroEventCodec,
  topic: string,
  dataSource: DataSource,
  { writeRow, instrumented }: { writeRow: boolean; instrumented: boolean },
): Promise<RunResult> {
  const held = new HeldStock();
  const service = uniqueName('bench-inventory');
  const admin = kafka.admin();
  await admin.connect();
  await createTestTopics(admin, [
    ...[redriveTopicFor(service), ...retryTierTopicsOf(service, defaultRetrySchedule.retryTopicDelaysMs.length)].map((t) => ({ topic: t, numPartitions: 3 })),
    { topic: deadLetterTopicOf(service), numPartitions: 3 },
  ]);
  const reserve: EventHandler<StockReserved> = async (event, { manager }) => {
    if (writeRow) {
      await manager.query(`INSERT INTO held_stock (reservation_id, order_id, lines) VALUES ($1, $2, $3)`, [
        event.payload.reservationId,
        event.payload.orderId,
        event.payload.lines.length,
      ]);
    }
    held.apply(event.payload);
  };
  const consumer = new EventConsumer({
    kafka,
    service,
    topics: [topic],
    dataSource,
    decoder: codec,
    handlers: [{ eventType: eventTypes.StockReserved, handle: reserve as EventHandler }],
    maxEventsPerTransaction: CHUNK,
    partitionsConsumedConcurrently: CONCURRENCY,
    instrumentation: { tracing: instrumented, handlerLatency: instrumented },
    consumerConfig: { maxWaitTimeInMs: 100, maxBytesPerPartition: FETCH_BYTES },
    logger: createLogger({ service, level: 'warn' }),
  });
  const started = startClock();
  await consumer.start();
  await until(() => held.events >= EVENTS);
  const measured = result(name, started, held);
  await consumer.stop();
  await admin.deleteTopics({ topics: [redriveTopicFor(service), ...retryTierTopicsOf(service, defaultRetrySchedule.retryTopicDelaysMs.length), deadLetterTopicOf(service)] });
  await admin.disconnect();
  return measured;
}

async function main(): Promise<void> {
  if (TRACING === 'none') startTracing({ serviceName: 'bench-consumer', exporter: 'none' });
  const kafka = new Kafka({ clientId: 'bench-consumer', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const registry = new InMemorySchemaRegistry();
  const codec = new AvroEventCodec(
    new AvroSerde({ registry: new SchemaRegistryClient({ url: 'http://registry.bench', fetch: registry.fetch }), autoRegister: true }),
  );
  const db = await createTestDatabase('bench_consumer');
  const dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: inboxMigrations, extra: { max: CONCURRENCY + 4 } });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query(`CREATE TABLE held_stock (reservation_id text NOT NULL, order_id text NOT NULL, lines int NOT NULL)`);
  const [{ version }] = await dataSource.query(`SELECT current_setting('server_version') AS version`);

  const cpu = cpus();
  process.stdout.write(
    `machine: ${cpu.length} x ${cpu[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ` +
      `PostgreSQL ${version}, Kafka at ${testBrokers().join(',')}\n` +
      `settings: ${EVENTS} events, ${PARTITIONS} partitions, ${CONCURRENCY} partitions at once, ` +
      `up to ${CHUNK} events per transaction, tracing ${TRACING}, ${SAMPLED * 100}% of traces sampled\n`,
  );

  const admin = kafka.admin();
  await admin.connect();
  const [topic] = await createTestTopics(admin, [{ topic: uniqueName('bench.reservations'), numPartitions: PARTITIONS }]);
  try {
    await fillTopic(kafka, codec, topic);
    const runs: RunResult[][] = [];
    for (let round = 0; round < REPEAT; round++) {
      const results: RunResult[] = [];
      if (RUNS.includes('naive')) results.push(await runNaive(kafka, codec, topic));
      if (RUNS.includes('guarantees')) {
        results.push(await runRuntime(GUARANTEES, kafka, codec, topic, dataSource, { writeRow: false, instrumented: false }));
      }
      if (RUNS.includes('runtime')) {
        results.push(await runRuntime(RUNTIME, kafka, codec, topic, dataSource, { writeRow: false, instrumented: true }));
      }
      // Slow and not the comparison the goals are about: once is enough.
      if (RUNS.includes('row') && round === 0) {
        results.push(await runRuntime(ROW, kafka, codec, topic, dataSource, { writeRow: true, instrumented: true }));
      }
      for (const r of results) {
        process.stdout.write(
          `  round ${round + 1}: ${r.name}: ${Math.round(r.steadyEventsPerSecond)} events/s steady, ` +
            `${r.seconds.toFixed(2)} s in all, ${Math.round(r.eventsPerCpuSecond)} per CPU-s (load ${loadavg()[0].toFixed(1)})\n`,
        );
      }
      runs.push(results);
    }
    const names = [...new Set(runs.flat().map((r) => r.name))];
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const summary = names.map((name) => {
      const of = runs.flat().filter((r) => r.name === name);
      return {
        name,
        runs: of.length,
        median: median(of.map((r) => r.eventsPerSecond)),
        steadyMedian: median(of.map((r) => r.steadyEventsPerSecond)),
        steadyBest: Math.max(...of.map((r) => r.steadyEventsPerSecond)),
        perCpuSecond: median(of.map((r) => r.eventsPerCpuSecond)),
      };
    });
    const naive = summary.find((s) => s.name.startsWith('naive')) ?? summary[0];
    const ratio = (value: number, base: number) => (value / base).toFixed(2).padStart(8);
    process.stdout.write(
      '\nconsumer                            runs  events/s (median, join incl.)  steady median  vs naive  steady best  vs naive  per CPU-s  vs naive\n',
    );
    for (const r of summary) {
      process.stdout.write(
        `${r.name.padEnd(36)}${String(r.runs).padStart(4)}  ${Math.round(r.median).toString().padStart(28)}  ` +
          `${Math.round(r.steadyMedian).toString().padStart(13)}  ${ratio(r.steadyMedian, naive.steadyMedian)}  ` +
          `${Math.round(r.steadyBest).toString().padStart(11)}  ${ratio(r.steadyBest, naive.steadyBest)}  ` +
          `${Math.round(r.perCpuSecond).toString().padStart(9)}  ${ratio(r.perCpuSecond, naive.perCpuSecond)}\n`,
      );
    }
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await dataSource.destroy();
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
