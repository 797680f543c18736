/**
 * KAFKA_SECURITY=scram on a second, private broker (its own ports and OMNIBUS_HOME; the shared
 * PLAINTEXT broker on 9092 is never touched): SCRAM identities generated at first start, ACLs
 * derived from the catalogue, and each service limited to what the catalogue says it does.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Admin, AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { kafkaClientConfig } from '@omnibus/service-kit/kafka';
import { kafkaProbe } from '@omnibus/service-kit';
import { waitFor } from '@omnibus/testing';
import { aclKey, catalogueAcls, describeBrokerAcls } from '../src/acls';
import { loadCatalogue } from '../src/catalogue';
import { isKafkaReachable, KAFKA_SCRIPT, KafkaSettings, runKafkaScript, stopKafka } from '../src/kafka';
import {
  appKafkaIdentity,
  applyCatalogueAcls,
  kafkaCredentialsPath,
  localKafkaIdentity,
  readKafkaCredentials,
  secureLocalKafka,
} from '../src/kafka-security';
import { isPortFree } from '../src/net';
import { omnibusHome } from '../src/paths';
import { applyCatalogueTopics } from '../src/platform';

jest.setTimeout(180_000);

let settings: KafkaSettings;
let env: NodeJS.ProcessEnv;
const clients: Array<{ disconnect(): Promise<void> }> = [];

/** A client acting as one of the generated identities (or given credentials). */
function kafkaAs(identity: string | { KAFKA_SASL_USERNAME: string; KAFKA_SASL_PASSWORD: string }, errors?: string[]): Kafka {
  const credentials = typeof identity === 'string' ? localKafkaIdentity(settings.home, identity) : identity;
  return new Kafka(
    kafkaClientConfig(credentials, {
      brokers: settings.brokers,
      clientId: `security-test-${typeof identity === 'string' ? identity : identity.KAFKA_SASL_USERNAME}`,
      retry: { retries: 8, initialRetryTime: 100 },
      // kafkajs hides some protocol errors behind generic ones; its debug log keeps their type.
      logLevel: errors ? logLevel.DEBUG : logLevel.NOTHING,
      logCreator: () => (entry) => {
        const type = (entry.log as { error?: { type?: string } }).error;
        if (errors && typeof type === 'object' && type?.type) errors.push(type.type);
      },
    }),
  );
}

async function connected<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(client: T): Promise<T> {
  clients.push(client);
  await client.connect();
  return client;
}

beforeAll(async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-kafka-scram-'));
  // The jars come from this checkout's cache (resolved once); the test is about security.
  const checkout = { brokers: [], port: 9092, home: omnibusHome() };
  expect(await runKafkaScript('resolve', checkout)).toMatchObject({ code: 0 });
  const state = path.join(checkout.home, 'kafka');
  fs.mkdirSync(path.join(home, 'kafka'), { recursive: true });
  for (const name of fs.readdirSync(state).filter((n) => n.startsWith('libs-'))) {
    fs.symlinkSync(path.join(state, name), path.join(home, 'kafka', name));
  }
  let port = 31_092 + Math.floor(Math.random() * 400) * 2;
  while (!(await isPortFree(port)) || !(await isPortFree(port + 1))) port += 2;
  settings = { brokers: [`127.0.0.1:${port}`], port, home };
  env = { ...process.env, OMNIBUS_HOME: home, KAFKA_BROKERS: settings.brokers.join(','), KAFKA_PORT: String(port) };
  delete env.KAFKA_SASL_USERNAME;
  delete env.KAFKA_SASL_PASSWORD;

  const started = await runKafkaScript('start', settings, {
    env: { ...env, KAFKA_SECURITY: 'scram', KAFKA_CONTROLLER_PORT: String(port + 1), KAFKA_HEAP: '256m' },
  });
  expect(started).toMatchObject({ code: 0 });
  expect(started.stdout).toMatch(/generated SCRAM passwords for: broker admin order inventory returns finance-posting odoo-adapter webhooks/);

  // What `omnibus up` does: ACLs as the broker identity, then the catalogue's topics as admin.
  const progress: string[] = [];
  const adminEnv = await secureLocalKafka(settings.brokers, env, home, (step, message) => progress.push(`${step}: ${message}`));
  expect(adminEnv.KAFKA_SASL_USERNAME).toBe('admin');
  expect(progress.join('\n')).toMatch(/^acls: \d+ from the catalogue: \d+ created$/);
  await applyCatalogueTopics(settings.brokers, adminEnv);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.disconnect().catch(() => undefined)));
});

afterAll(async () => {
  if (!settings) return;
  await stopKafka(settings);
  fs.rmSync(settings.home, { recursive: true, force: true });
});

describe('the secure local broker', () => {
  it('keeps its generated passwords out of reach: credentials.json and server.properties are owner-only', () => {
    const credentials = readKafkaCredentials(settings.home)!;
    expect(Object.keys(credentials.users).sort()).toEqual(
      ['admin', 'broker', 'finance-posting', 'inventory', 'odoo-adapter', 'order', 'returns', 'webhooks'].sort(),
    );
    expect(new Set(Object.values(credentials.users)).size).toBe(8);
    expect(fs.statSync(kafkaCredentialsPath(settings.home)).mode & 0o777).toBe(0o600);
    const properties = path.join(settings.home, 'kafka', 'server.properties');
    expect(fs.statSync(properties).mode & 0o777).toBe(0o600);
    // The cleaner KRaft variant: the controller listener authenticates the broker, so no ANONYMOUS super user.
    const text = fs.readFileSync(properties, 'utf8');
    expect(text).toMatch(/^super\.users=User:broker$/m);
    expect(text).not.toMatch(/ANONYMOUS/);
    expect(text).toMatch(/^listener\.security\.protocol\.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT$/m);
  });

  it('refuses a wrong password and a client without credentials', async () => {
    const wrong = kafkaAs({ KAFKA_SASL_USERNAME: 'order', KAFKA_SASL_PASSWORD: 'not-the-password' }).admin();
    clients.push(wrong);
    await expect(wrong.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    const anonymous = new Kafka({ brokers: settings.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
    clients.push(anonymous);
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
  });

  it('lets order produce to retail.orders but refuses it retail.finance (TOPIC_AUTHORIZATION_FAILED)', async () => {
    const producer = await connected(kafkaAs('order').producer({ idempotent: true, maxInFlightRequests: 1 }));
    await expect(producer.send({ topic: 'retail.orders', messages: [{ key: 'order-1', value: 'placed' }] })).resolves.toHaveLength(1);
    const refused = await producer.send({ topic: 'retail.finance', messages: [{ key: 'je-1', value: 'x' }] }).catch((e) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(refused.cause?.type ?? refused.type).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('lets inventory consume retail.orders in group inventory.x but not in group order.x', async () => {
    const producer = await connected(kafkaAs('order').producer({ idempotent: true, maxInFlightRequests: 1 }));
    await producer.send({ topic: 'retail.orders', messages: [{ key: 'order-2', value: 'accepted' }] });
    const seen: string[] = [];
    const inventory = await connected(kafkaAs('inventory').consumer({ groupId: 'inventory.x', maxWaitTimeInMs: 100 }));
    await inventory.subscribe({ topic: 'retail.orders', fromBeginning: true });
    await inventory.run({ eachMessage: async ({ message }) => void seen.push(String(message.key)) });
    // Generous: the first group on a fresh broker creates __consumer_offsets, slow on a loaded 2-core machine.
    await waitFor(() => seen.includes('order-2'), { timeoutMs: 60_000, what: 'inventory to read order-2 in group inventory.x' });

    const errors: string[] = [];
    const intruder = await connected(kafkaAs('inventory', errors).consumer({ groupId: 'order.x', retry: { retries: 0 } }));
    let crashed = false;
    intruder.on(intruder.events.CRASH, () => void (crashed = true));
    await intruder.subscribe({ topic: 'retail.orders', fromBeginning: true });
    await intruder.run({ eachMessage: async () => undefined });
    await waitFor(() => crashed, { timeoutMs: 30_000, what: 'the order.x consumer to fail' });
    expect(errors).toContain('GROUP_AUTHORIZATION_FAILED');
  });

  it('gives admin topic set-up only: it can describe topics but not write events', async () => {
    const admin: Admin = await connected(kafkaAs('admin').admin());
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['retail.orders', 'order.retry', 'webhooks.dlq']));
    const producer = await connected(kafkaAs('admin').producer());
    const refused = await producer.send({ topic: 'retail.orders', messages: [{ value: 'x' }] }).catch((e) => e);
    expect(refused.cause?.type ?? refused.type).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('applies the ACLs idempotently and never drops an unrelated principal’s ACL', async () => {
    const broker = await connected(kafkaAs('broker').admin());
    const unrelated = {
      principal: 'User:reporting',
      host: '*',
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 'retail.orders',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    };
    await broker.createAcls({ acl: [unrelated] });
    const brokerEnv = { ...env, ...localKafkaIdentity(settings.home, 'broker') };

    const again = await applyCatalogueAcls(settings.brokers, brokerEnv, { prune: true });
    const wanted = catalogueAcls(loadCatalogue());
    expect(again.missing).toEqual([]);
    expect(again.present).toHaveLength(wanted.length);
    expect(again.stale).toEqual([]);
    const onBroker = new Set((await describeBrokerAcls(broker)).map(aclKey));
    expect(onBroker.has('User:reporting topic:literal:retail.orders read')).toBe(true);
    for (const binding of wanted) expect(onBroker.has(aclKey(binding))).toBe(true);
  });

  it('refuses to pass a broker off as something it is not when KAFKA_SECURITY disagrees with it', async () => {
    await expect(secureLocalKafka(settings.brokers, { ...env, KAFKA_SECURITY: 'plaintext' }, settings.home, () => undefined)).rejects.toThrow(
      /^KAFKA_SECURITY=plaintext, but the local broker at 127\.0\.0\.1:\d+ runs scram/,
    );
    const plaintextHome = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-kafka-plain-'));
    try {
      await expect(secureLocalKafka(['127.0.0.1:9092'], { ...env, KAFKA_SECURITY: 'scram' }, plaintextHome, () => undefined)).rejects.toThrow(
        /but the local broker at 127\.0\.0\.1:9092 runs plaintext/,
      );
    } finally {
      fs.rmSync(plaintextHome, { recursive: true, force: true });
    }
  });

  it('starts each app of `up` as its own identity, and apps without one as nobody', () => {
    expect(appKafkaIdentity(settings.home, settings.brokers, 'returns')).toEqual(localKafkaIdentity(settings.home, 'returns'));
    expect(appKafkaIdentity(settings.home, settings.brokers, 'schema-registry')).toEqual({ KAFKA_SASL_USERNAME: '', KAFKA_SASL_PASSWORD: '' });
    expect(appKafkaIdentity(settings.home, ['kafka.example.com:9092'], 'returns')).toEqual({});
  });

  it("reports a service ready with its own identity (service-kit's readiness probe), and down with a wrong one", async () => {
    // Bounds far above a healthy answer (well under a second): a loaded CI machine must not turn "up" into "down".
    const ready = kafkaProbe({ KAFKA_BROKERS: settings.brokers, ...localKafkaIdentity(settings.home, 'finance-posting') }, undefined, 15_000);
    const wrong = kafkaProbe({ KAFKA_BROKERS: settings.brokers, KAFKA_SASL_USERNAME: 'finance-posting', KAFKA_SASL_PASSWORD: 'nope' }, undefined, 15_000);
    try {
      expect(await ready.check()).toMatchObject({ up: true });
      expect(await wrong.check()).toMatchObject({ up: false });
    } finally {
      await Promise.all([ready.close(), wrong.close()]);
    }
  });

  it('is reachable for platform tools through the local admin identity', async () => {
    const previous = process.env.OMNIBUS_HOME;
    process.env.OMNIBUS_HOME = settings.home;
    try {
      expect(await isKafkaReachable(settings.brokers, 15_000)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.OMNIBUS_HOME;
      else process.env.OMNIBUS_HOME = previous;
    }
  });

  it('prints an identity for the shell with `kafka.sh env <identity>`', async () => {
    const { stdout } = await promisify(execFile)('bash', [KAFKA_SCRIPT, 'env', 'admin'], { env });
    const password = readKafkaCredentials(settings.home)!.users.admin;
    expect(stdout.trim()).toBe(
      `export KAFKA_BROKERS=127.0.0.1:${settings.port} KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD=${password}`,
    );
  });
});
