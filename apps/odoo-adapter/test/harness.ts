// Integration set-up of the odoo-adapter: the real Kafka and PostgreSQL, the schema registry and the Odoo
// simulator as child processes, the adapter in this process on unique topics, and a collector of
// everything it publishes.
import { EventContract } from '@omnibus/contracts';
import { AvroSerde, envelopeHeaders, readHeaders, SchemaRegistryClient } from '@omnibus/messaging';
import { OdooSimProcess, SimVersion } from '@omnibus/odoo-client/testing';
import { createService, RunningService } from '@omnibus/service-kit';
import { createTestDatabase, createTestTopics, testBrokers, testKafka, TestDatabase, uniqueName, waitFor } from '@omnibus/testing';
import { Consumer, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import type { OdooAdapterConfig } from '../src/config';
import { odooAdapterService } from '../src/service';

const ROOT = path.resolve(__dirname, '../../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** apps/schema-registry as a child process on its own test database. */
export class RegistryProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly database: TestDatabase,
  ) {}

  static async start(): Promise<RegistryProcess> {
    const database = await createTestDatabase('registry_odoo_adapter');
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, 'apps/schema-registry/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), SCHEMA_REGISTRY_PORT: String(port), DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/subjects`)).ok, { timeoutMs: 30_000, what: 'the schema registry to answer' });
    return new RegistryProcess(child, url, database);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await this.database.drop();
  }
}

export interface CollectedEvent {
  topic: string;
  type: string;
  key: string | null;
  value: any;
  headers: Record<string, string>;
  receivedAt: number;
}

export const CATALOGUE_TOPICS = ['odoo.commands', 'odoo.results', 'retail.catalog', 'retail.customers', 'retail.inventory', 'retail.locations', 'odoo.stock-snapshots'] as const;

/** A record the test produced to a topic of the adapter. */
export interface SentCommand {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface AdapterUnderTest {
  adapter: RunningService<OdooAdapterConfig>;
  database: TestDatabase;
  /** Catalogue topic → the unique topic this adapter uses. */
  topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
  consumerService: string;
  events: CollectedEvent[];
  eventsOf(type: string): CollectedEvent[];
  publish<T>(contract: EventContract<T>, payload: T): Promise<SentCommand>;
  /** Several commands in one produce request: they reach the adapter in one batch, in this order. */
  publishTogether(commands: Array<{ contract: EventContract<unknown>; payload: unknown }>): Promise<SentCommand[]>;
  /** The very same record once more (same `ce_id`): a redelivery after a crash before the offset commit. */
  resend(command: SentCommand): Promise<void>;
  /** Every event the adapter staged so far has been published and collected. */
  published(): Promise<void>;
  stop(): Promise<void>;
}

export const WEBHOOK_SECRET = 'integration-test-webhook-secret';

/**
 * Starts an adapter against `sim` (already in the wanted version) with its own database and topics,
 * and collects what it publishes from the first offset.
 */
export async function startAdapter(sim: OdooSimProcess, registry: RegistryProcess, env: Record<string, string> = {}): Promise<AdapterUnderTest> {
  const database = await createTestDatabase('odoo_adapter');
  const suffix = uniqueName('t').slice(2);
  const topics = Object.fromEntries(CATALOGUE_TOPICS.map((topic) => [topic, `${topic}.${suffix}`])) as AdapterUnderTest['topics'];
  const consumerService = `odoo-adapter-${suffix}`;
  const kafka = testKafka(`odoo-adapter-test-${suffix}`);
  const admin = kafka.admin();
  await admin.connect();
  await createTestTopics(admin, [
    ...Object.values(topics).map((topic) => ({ topic, numPartitions: 4 })),
    { topic: `${consumerService}.retry`, numPartitions: 1 },
    // One delay topic per retry tier (the default schedule has three).
    ...[1, 2, 3].map((tier) => ({ topic: `${consumerService}.retry-${tier}`, numPartitions: 1 })),
    { topic: `${consumerService}.dlq`, numPartitions: 1 },
  ]);
  await admin.disconnect();

  const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url: registry.url }), autoRegister: true });
  const events: CollectedEvent[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: `collector-${suffix}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({
    topics: [topics['odoo.results'], topics['retail.catalog'], topics['retail.customers'], topics['retail.inventory'], topics['retail.locations'], topics['odoo.stock-snapshots'], `${consumerService}.dlq`],
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const headers = readHeaders(message.headers as never) as Record<string, string>;
      const isDeadLetter = topic.endsWith('.dlq');
      const value = !isDeadLetter && message.value ? (await serde.decode(message.value)).value : null;
      events.push({ topic, type: headers.ce_type, key: message.key?.toString() ?? null, value, headers, receivedAt: Date.now() });
    },
  });

  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const adapter = await createService(odooAdapterService, {
    env: {
      ...process.env,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      PORT: '0',
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testBrokers().join(','),
      SCHEMA_REGISTRY_URL: registry.url,
      ODOO_URL: sim.url,
      ODOO_DATABASE: 'omnibus',
      ODOO_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ODOO_CONSUMER_SERVICE: consumerService,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      ODOO_RETRY_INITIAL_DELAY_MS: '20',
      ODOO_CATALOG_POLL_INTERVAL_MS: '200',
      ODOO_STOCK_POLL_INTERVAL_MS: '200',
      ODOO_SYNC_SWEEP_INTERVAL_MS: '3600000',
      ODOO_FULL_RESYNC_INTERVAL_MS: '0',
      ...env,
    },
  });

  const publishTogether: AdapterUnderTest['publishTogether'] = async (commands) => {
    const sent: SentCommand[] = [];
    for (const { contract, payload } of commands) {
      const topic = topics[contract.topic as keyof typeof topics];
      const key = contract.keyOf(payload);
      const value = await serde.encode(contract, payload, topic);
      const { headers } = envelopeHeaders({ topic, type: contract.type, key, payload }, 'omnibus/test');
      sent.push({ topic, key, value, headers: headers as Record<string, string> });
    }
    const byTopic = new Map<string, SentCommand[]>();
    for (const command of sent) byTopic.set(command.topic, [...(byTopic.get(command.topic) ?? []), command]);
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages: messages.map(({ key, value, headers }) => ({ key, value, headers })) })) });
    return sent;
  };

  return {
    adapter: adapter as RunningService<OdooAdapterConfig>,
    database,
    topics,
    consumerService,
    events,
    eventsOf: (type) => events.filter((event) => event.type === type),
    async publish(contract, payload) {
      const [sent] = await publishTogether([{ contract: contract as EventContract<unknown>, payload }]);
      return sent;
    },
    publishTogether,
    async resend({ topic, key, value, headers }) {
      await producer.send({ topic, messages: [{ key, value, headers }] });
    },
    async published() {
      const outbox = async () => {
        const [row] = await adapter.app.get(DataSource).query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE published_at IS NULL)::int AS waiting FROM outbox`);
        return row as { total: number; waiting: number };
      };
      await waitFor(async () => (await outbox()).waiting === 0, { timeoutMs: 30_000, what: 'the outbox to be published' });
      const { total } = await outbox();
      await waitFor(() => events.filter((event) => !event.topic.endsWith('.dlq')).length >= total, { timeoutMs: 30_000, what: `${total} events collected` });
    },
    async stop() {
      await adapter.close();
      await producer.disconnect();
      await consumer.disconnect();
      await database.drop();
    },
  };
}

export { waitFor };
export type { SimVersion };
