import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { CustomerUpserted, OrderPlaced, sampleOrderPlaced } from '@omnibus/contracts';
import { findRepositoryRoot, loadRepository, readSchemaSource, registrationPlan } from '@omnibus/contracts/tooling';
import { TestDatabase, createTestDatabase, waitFor } from '@omnibus/testing';
import { AvroSerde } from './avro-serde';
import { UnknownSchemaIdError } from './errors';
import { registerProducedSchemas, registerSubjects } from './registration';
import { SchemaRegistryClient } from './registry-client';

const root = findRepositoryRoot(__dirname);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Our serde and the real `@kafkajs/confluent-schema-registry` client, through apps/schema-registry
 * running as its own process on a fresh database of the real PostgreSQL.
 */
describe('our Avro serde and @kafkajs/confluent-schema-registry, through the Omnibus registry', () => {
  let database: TestDatabase;
  let registryProcess: ChildProcess;
  let url: string;
  let output = '';

  beforeAll(async () => {
    database = await createTestDatabase('serde_interop');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    registryProcess = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'apps/schema-registry/src/main.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url, SCHEMA_REGISTRY_PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    registryProcess.stdout?.on('data', (chunk) => (output += chunk));
    registryProcess.stderr?.on('data', (chunk) => (output += chunk));
    await waitFor(
      async () => {
        if (registryProcess.exitCode !== null) throw new Error(`registry exited ${registryProcess.exitCode}: ${output}`);
        return (await fetch(`${url}/health/ready`)).ok;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the schema registry to be ready' },
    );
  }, 90_000);

  afterAll(async () => {
    if (registryProcess && registryProcess.exitCode === null) {
      registryProcess.kill('SIGTERM');
      await once(registryProcess, 'exit');
    }
    await database?.drop();
  });

  it('the Confluent client decodes an OrderPlaced our serde encoded', async () => {
    const registry = new SchemaRegistryClient({ url });
    const serde = new AvroSerde({ registry });
    await registerProducedSchemas(registry, 'order', { contracts: [OrderPlaced], serde });
    const order = sampleOrderPlaced();
    const message = await serde.encode(OrderPlaced, order);

    const confluent = new SchemaRegistry({ host: url, clientId: 'omnibus-interop' });
    const decoded = await confluent.decode(message);
    // That client compiles without logical types: timestamps arrive as epoch millis.
    expect(decoded.orderId).toBe(order.orderId);
    expect(decoded.placedAt).toBe(order.placedAt.getTime());
    expect(decoded.lines).toHaveLength(10);
    expect(decoded.lines[3].unitPrice).toEqual({ amountMinor: 8999, currency: 'EUR' });
    expect(decoded.totals.grandTotal.amountMinor).toBe(85485);
  });

  it('our serde decodes a CustomerUpserted the Confluent client registered and encoded', async () => {
    const confluent = new SchemaRegistry({ host: url, clientId: 'omnibus-interop' });
    const { id } = await confluent.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(CustomerUpserted.schema) },
      { subject: CustomerUpserted.subject, compatibility: COMPATIBILITY.FULL_TRANSITIVE },
    );
    const customer = {
      customerId: 'C-88123',
      name: 'Erika Mustermann',
      isCompany: false,
      email: 'erika@example.com',
      phone: null,
      vatNumber: null,
      locale: 'de-DE',
      billingAddress: null,
      shippingAddresses: [],
      marketingConsent: true,
      active: true,
      odooPartnerId: 42,
      sourceUpdatedAt: Date.UTC(2025, 2, 11, 9, 0),
      occurredAt: Date.UTC(2025, 2, 11, 9, 0, 1),
    };
    const message = await confluent.encode(id, customer);

    const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url }) });
    const decoded = await serde.decode(message);
    expect(decoded.contract).toBe(CustomerUpserted);
    expect(decoded.schemaId).toBe(id);
    expect(decoded.value).toEqual({ ...customer, sourceUpdatedAt: new Date(customer.sourceUpdatedAt), occurredAt: new Date(customer.occurredAt) });
  });

  it('gives UnknownSchemaIdError for an id the registry never issued', async () => {
    const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url }) });
    const message = Buffer.concat([Buffer.from([0, 0, 0, 0x27, 0x0f]), OrderPlaced.toAvro(sampleOrderPlaced(1))]);
    await expect(serde.decode(message)).rejects.toBeInstanceOf(UnknownSchemaIdError);
  });

  it('omnibus schemas register pushes every released subject with its level, idempotently', async () => {
    const lock = loadRepository(readSchemaSource(join(root, 'schemas'))).lock;
    const plan = registrationPlan(lock).map(({ subject, compatibility, versions }) => ({
      subject,
      compatibility,
      schemas: versions.map((version) => version.schema),
    }));
    const first = await registerSubjects(new SchemaRegistryClient({ url }), plan);
    const again = await registerSubjects(new SchemaRegistryClient({ url }), plan);
    expect(again).toEqual(first);
    expect(first).toHaveLength(Object.keys(lock.subjects).length);
    const orderPlaced = first.find((entry) => entry.subject === OrderPlaced.subject);
    const body = await (await fetch(`${url}/config/${encodeURIComponent(OrderPlaced.subject)}`)).json();
    expect(body).toEqual({ compatibilityLevel: lock.subjects[OrderPlaced.subject].compatibility });
    const latest = (await (await fetch(`${url}/subjects/${encodeURIComponent(OrderPlaced.subject)}/versions/latest`)).json()) as { id: number };
    expect(latest.id).toBe(orderPlaced!.ids.at(-1));
  });
});
