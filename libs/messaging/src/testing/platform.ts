// Integration set-up shared by the services' tests: the real Kafka and PostgreSQL, other apps as child
// processes (a test starts apps/<app>/src/main.ts by path: apps never import each other), unique
// topics per test file, and a reader and a writer of what lands on them.
import { contractFor, EventContract } from '@omnibus/contracts';
import { createTestDatabase, createTestTopics, testKafka, TestDatabase, uniqueName, waitFor } from '@omnibus/testing';
import type { Consumer, Producer } from 'kafkajs';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { deadLetterTopicOf, defaultRetrySchedule, redriveTopicFor, retryTierTopicsOf } from '../consumer/failure-routing';
import { readHeaders } from '../envelope/headers';
import { envelopeHeaders, StageOptions } from '../publishing/event-outbox';
import { AvroSerde } from '../serde/avro-serde';
import { SchemaRegistryClient } from '../serde/registry-client';

const ROOT = path.resolve(__dirname, '../../../..');

export interface AppProcess {
  url: string;
  /** stdout and stderr so far, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs apps/<app>/src/main.ts as `omnibus up` does, on a port of its choosing (PORT=0, read back from
 * its "listening on" log line), and waits until its /health/ready answers 200. `cleanup` runs after
 * the process has stopped (e.g. to drop its database).
 */
export async function startApp(
  app: string,
  env: Record<string, string>,
  { timeoutMs = 60_000, cleanup }: { timeoutMs?: number; cleanup?: () => Promise<void> } = {},
): Promise<AppProcess> {
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, 'apps', app, 'src', 'main.ts')], {
    cwd: ROOT,
    // info: the "listening on" line carries the port; the output stays in memory for failing tests.
    env: { ...process.env, ...env, LOG_LEVEL: 'info', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let url: string | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    output.push(chunk.toString());
    url ??= /"msg":"[^"]* listening on (http:\/\/127\.0\.0\.1:\d+)"/.exec(output.join(''))?.[1];
  });
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await cleanup?.();
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}`);
        return url !== undefined && (await fetch(`${url}/health/ready`)).ok;
      },
      { timeoutMs, intervalMs: 200, what: `${app} to be ready` },
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${app} said:\n${output.join('').slice(-4000)}`);
  }
  return { url: url!, output: () => output.join(''), stop };
}

/** apps/schema-registry on its own fresh database. */
export async function startSchemaRegistry(testedService = 'test'): Promise<AppProcess> {
  const database: TestDatabase = await createTestDatabase(`registry_${testedService.replace(/-/g, '_')}`);
  return startApp('schema-registry', { DATABASE_URL: database.url, SCHEMA_REGISTRY_PORT: '' }, { cleanup: () => database.drop() }).catch(async (error) => {
    await database.drop();
    throw error;
  });
}

/**
 * Unique names for catalogue topics (and a service's retry/dead-letter topics), created on the real
 * broker: test files run in parallel and beside a running platform, so nothing may share a topic.
 */
export async function createUniqueTopics<T extends string>(
  catalogueTopics: readonly T[],
  consumerServices: string[] = [],
): Promise<{ topics: Record<T, string>; suffix: string }> {
  const suffix = uniqueName('t').slice(2);
  const topics = Object.fromEntries(catalogueTopics.map((topic) => [topic, `${topic}.${suffix}`])) as Record<T, string>;
  const admin = testKafka(`test-admin-${suffix}`).admin();
  await admin.connect();
  try {
    await createTestTopics(admin, [
      ...Object.values<string>(topics).map((topic) => ({ topic, numPartitions: 3 })),
      ...consumerServices.flatMap((service) =>
        [redriveTopicFor(service), ...retryTierTopicsOf(service, defaultRetrySchedule.retryTopicDelaysMs.length), deadLetterTopicOf(service)].map(
          (topic) => ({ topic, numPartitions: 1 }),
        ),
      ),
    ]);
  } finally {
    await admin.disconnect();
  }
  return { topics, suffix };
}

export interface RecordedEvent {
  topic: string;
  type: string;
  key: string | null;
  value: any;
  /** The record's bytes as published (Confluent wire format). */
  raw: Buffer | null;
  headers: Record<string, string>;
}

/** Everything published on `topics` from the start, decoded with the registry's schemas. */
export class EventRecorder {
  readonly events: RecordedEvent[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(topics: string[], registryUrl: string): Promise<EventRecorder> {
    const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url: registryUrl }) });
    const consumer = testKafka('test-recorder').consumer({ groupId: uniqueName('test-recorder'), maxWaitTimeInMs: 50 });
    const recorder = new EventRecorder(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers = readHeaders(message.headers as never);
        const contract = contractFor(headers.ce_type);
        const value = message.value && contract ? await serde.decodeAs(contract, message.value) : null;
        recorder.events.push({ topic, type: headers.ce_type, key: message.key?.toString() ?? null, value, raw: message.value, headers });
      },
    });
    return recorder;
  }

  of(key: string, type?: string): RecordedEvent[] {
    return this.events.filter((event) => event.key === key && (type === undefined || event.type === type));
  }

  /** Waits until `count` events of `type` for `key` have arrived. */
  async waitFor(key: string, type: string, count = 1, timeoutMs = 20_000): Promise<RecordedEvent[]> {
    return waitFor(() => (this.of(key, type).length >= count ? this.of(key, type) : undefined), { timeoutMs, what: `${count} ${type} for ${key}` });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

export interface PublishedRecord {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Publishes events as another service would (Avro, CloudEvents headers), to test a service's consumer. */
export class EventPublisher {
  private constructor(
    private readonly producer: Producer,
    private readonly serde: AvroSerde,
  ) {}

  static async start(registryUrl: string): Promise<EventPublisher> {
    const producer = testKafka('test-publisher').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return new EventPublisher(producer, new AvroSerde({ registry: new SchemaRegistryClient({ url: registryUrl }), autoRegister: true }));
  }

  /** Publishes `payload` on `topic` (a unique test topic standing for the contract's catalogue topic). */
  async publish<T>(contract: EventContract<T>, payload: T, topic: string, options: StageOptions & { id?: string } = {}): Promise<PublishedRecord> {
    const key = contract.keyOf(payload);
    const { headers } = envelopeHeaders({ topic, type: contract.type, key, payload, id: options.id }, 'omnibus/test', options);
    const record = { topic, key, value: await this.serde.encode(contract, payload, topic), headers };
    await this.send(record);
    return record;
  }

  /** Sends a record exactly as it was (same bytes, same ce_id): what a redelivery or a replay looks like. */
  async send(record: PublishedRecord): Promise<void> {
    await this.producer.send({ topic: record.topic, messages: [{ key: record.key, value: record.value, headers: record.headers }] });
  }

  stop(): Promise<void> {
    return this.producer.disconnect();
  }
}
