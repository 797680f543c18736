import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { SchemaRegistryClient } from '@omnibus/messaging/serde';
import { RunningService } from '@omnibus/service-kit';
import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { createRegistryApp } from '../src/app';
import { parseRegistryUsers, requiredRole } from '../src/http/basic-auth';

/** SCHEMA_REGISTRY_USERS turns on HTTP Basic auth; the real Confluent client passes `auth`. */
describe('the registry with SCHEMA_REGISTRY_USERS', () => {
  const READER = { username: 'reader', password: 'reader-password-1' };
  const CI = { username: 'ci', password: 'ci:password:with-colons' };
  let database: TestDatabase;
  let registry: RunningService;

  const subject = 'retail.orders-com.omnibus.order.OrderPlaced';
  const schema = JSON.stringify({
    type: 'record',
    name: 'OrderPlaced',
    namespace: 'com.omnibus.order',
    fields: [{ name: 'orderId', type: 'string' }],
  });
  const client = (auth?: { username: string; password: string }) => new SchemaRegistry({ host: registry.url, ...(auth ? { auth } : {}) });
  const call = (method: string, path: string, auth?: { username: string; password: string }) =>
    fetch(registry.url + path, {
      method,
      headers: auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {},
    });

  beforeAll(async () => {
    database = await createTestDatabase('registry_auth');
    registry = await createRegistryApp({
      databaseUrl: database.url,
      port: 0,
      env: { SCHEMA_REGISTRY_USERS: `${READER.username}:${READER.password}:read, ${CI.username}:${CI.password}:write` },
    });
  });

  afterAll(async () => {
    await registry?.close();
    await database?.drop();
  });

  it('lets a writer register and a reader look up, encode and decode with the real Confluent client', async () => {
    const { id } = await client(CI).register({ type: SchemaType.AVRO, schema }, { subject });
    const reader = client(READER);
    // A lookup is a POST that changes nothing: producers need it without write rights.
    expect(await reader.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema })).toBe(id);
    expect(await reader.getLatestSchemaId(subject)).toBe(id);
    const encoded = await reader.encode(id, { orderId: 'o-1' });
    expect(await reader.decode(encoded)).toEqual({ orderId: 'o-1' });
  });

  it('refuses a registration by a read-only user with 403', async () => {
    await expect(client(READER).register({ type: SchemaType.AVRO, schema }, { subject: 'retail.orders-x' })).rejects.toThrow(
      'User reader is denied operation POST on /subjects/retail.orders-x/versions (read-only)',
    );
    const response = await call('DELETE', `/subjects/${subject}`, READER);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error_code: 40301, message: `User reader is denied operation DELETE on /subjects/${subject} (read-only)` });
  });

  it("lets Omnibus's own client (services, omnibus schemas) take the credentials from SCHEMA_REGISTRY_URL", async () => {
    const withUser = (user: { username: string; password: string }) => {
      const url = new URL(registry.url);
      url.username = user.username;
      url.password = encodeURIComponent(user.password);
      return new SchemaRegistryClient({ url: url.toString(), maxAttempts: 1 });
    };
    const reader = withUser(READER);
    expect(reader.url).toBe(registry.url);
    const latest = await reader.getVersion(subject, 'latest');
    expect(await reader.lookupId(subject, schema)).toBe(latest.id);
    await expect(reader.register('retail.orders-y', schema)).rejects.toMatchObject({ status: 403 });
    expect(await withUser(CI).register('retail.orders-y', schema)).toBe(latest.id);
  });

  it('answers 401 in the Confluent error shape without credentials or with a wrong password', async () => {
    await expect(client().getLatestSchemaId(subject)).rejects.toThrow('Unauthorized');
    await expect(client({ ...CI, password: 'wrong-password' }).register({ type: SchemaType.AVRO, schema }, { subject })).rejects.toThrow(
      'Unauthorized',
    );
    for (const response of [await call('GET', '/subjects'), await call('GET', '/subjects', { username: 'nobody', password: READER.password })]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.schemaregistry\.v1\+json/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="schema-registry"/);
      expect(await response.json()).toEqual({ error_code: 401, message: 'Unauthorized' });
    }
  });

  it('keeps health and metrics open for probes and Prometheus', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) expect((await call('GET', path)).status).toBe(200);
  });

  it('stops at start-up on a malformed user list with one line that never shows a password', async () => {
    const start = (users: string) => createRegistryApp({ databaseUrl: database.url, port: 0, env: { SCHEMA_REGISTRY_USERS: users } });
    await expect(start('reader:secret-password-9:admin')).rejects.toThrow(
      'schema-registry: invalid configuration: SCHEMA_REGISTRY_USERS entry 1 must be <name>:<password>:<read|write> (role of reader is "admin")',
    );
    await expect(start('reader:short:read')).rejects.toThrow(/the password of reader is shorter than 8 characters/);
    await expect(start('reader:secret-password-9:admin')).rejects.not.toThrow(/secret-password-9/);
  });
});

describe('what each request needs', () => {
  it('reads for GET and for the two POSTs that only read; writes for the rest; nothing for probes', () => {
    expect(requiredRole('GET', '/schemas/ids/1')).toBe('read');
    expect(requiredRole('POST', '/subjects/retail.orders-value')).toBe('read');
    expect(requiredRole('POST', '/compatibility/subjects/s/versions/latest')).toBe('read');
    expect(requiredRole('POST', '/subjects/retail.orders-value/versions')).toBe('write');
    expect(requiredRole('PUT', '/config/s')).toBe('write');
    expect(requiredRole('DELETE', '/subjects/s')).toBe('write');
    expect(requiredRole('GET', '/health/ready')).toBeUndefined();
    expect(requiredRole('GET', '/metrics')).toBeUndefined();
    expect(requiredRole('GET', '/metricsx')).toBe('read');
  });

  it('parses users whose password contains colons, and refuses a name given twice', () => {
    expect(parseRegistryUsers('ci:pa:ss:word:write').map(({ name, role }) => ({ name, role }))).toEqual([{ name: 'ci', role: 'write' }]);
    expect(() => parseRegistryUsers('a:password1:read,a:password2:write')).toThrow('SCHEMA_REGISTRY_USERS names a twice');
  });
});
