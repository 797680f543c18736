import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import type { RunningService } from '@omnibus/service-kit';
import { createRegistryApp } from '../src/app';

export const V1_JSON = 'application/vnd.schemaregistry.v1+json';

export interface Reply {
  status: number;
  contentType: string | null;
  body: any;
  text: string;
}

export interface RegistryUnderTest {
  url: string;
  database: TestDatabase;
  registry: RunningService;
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Reply>;
  /** Registers `schema` (a JSON value) under `subject`; returns the reply. */
  register(subject: string, schema: unknown, extra?: object): Promise<Reply>;
  /** Starts another registry process-alike on the same database (shares nothing in memory). */
  startSibling(): Promise<RunningService>;
  stop(): Promise<void>;
}

/** A registry on a fresh database of the real PostgreSQL server. */
export async function startRegistry(prefix = 'registry'): Promise<RegistryUnderTest> {
  const database = await createTestDatabase(prefix);
  const registry = await createRegistryApp({ databaseUrl: database.url, port: 0 });
  const siblings: RunningService[] = [];
  const call = async (method: string, path: string, body?: unknown, contentType = V1_JSON): Promise<Reply> => {
    const response = await fetch(registry.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // raw text (e.g. /metrics)
    }
    return { status: response.status, contentType: response.headers.get('content-type'), body: parsed, text };
  };
  return {
    url: registry.url,
    database,
    registry,
    call,
    register: (subject, schema, extra = {}) =>
      call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: JSON.stringify(schema), ...extra }),
    async startSibling() {
      const sibling = await createRegistryApp({ databaseUrl: database.url, port: 0 });
      siblings.push(sibling);
      return sibling;
    },
    async stop() {
      for (const sibling of siblings) await sibling.close();
      await registry.close();
      await database.drop();
    },
  };
}

export const record = (name: string, fields: object[], extra: object = {}) => ({
  type: 'record',
  name,
  namespace: 'retail.orders',
  fields,
  ...extra,
});
