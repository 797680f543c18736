import { Client } from 'pg';
import { z } from 'zod';
import { waitFor } from '@omnibus/testing';
import type { ServiceDefinition } from '../bootstrap';
import type { ServiceConfig } from '../config';
import { ServiceProcess, spawnService, startTestService, TestService } from './test-service';

export interface StandardServiceExpectations {
  /** Path of the service's main.ts, to check that a bad setting stops the real process. */
  main: string;
  /** Tables its migrations must have created. */
  tables: string[];
}

/**
 * The checks every Omnibus service must pass (operator contract), as one Jest `describe`:
 * boots the service once in-process against a fresh database and the real Kafka, then checks
 * liveness, readiness, metrics, migrations, and that a missing setting (KAFKA_BROKERS, or
 * DATABASE_URL for a service without Kafka) stops the real process with one line. `more` adds the service's own tests against the same running instance.
 */
export function describeStandardService<S extends z.ZodType<ServiceConfig, any, any>>(
  definition: ServiceDefinition<S>,
  { main, tables }: StandardServiceExpectations,
  more?: (service: () => TestService<z.infer<S>>) => void,
): void {
  const usesKafka = definition.kafka !== false;
  const missingSetting = usesKafka ? 'KAFKA_BROKERS' : 'DATABASE_URL';
  const missingSettingLine = usesKafka
    ? 'KAFKA_BROKERS is required (comma-separated host:port list)'
    : 'DATABASE_URL is required (postgres://user[:password]@host:port/database)';

  describe(`${definition.name}, a standard Omnibus service`, () => {
    let service: TestService<z.infer<S>>;
    let misconfigured: ServiceProcess;

    beforeAll(async () => {
      // The process with a bad setting loads its modules while the in-process instance boots.
      misconfigured = spawnService(main, { ...process.env, [missingSetting]: '' });
      service = await startTestService(definition);
    }, 60_000);

    afterAll(async () => {
      await service?.stop();
      await misconfigured?.exited;
    });

    it('is live', async () => {
      const response = await service.request('/health/live');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it(`is ready once its database${usesKafka ? ' and Kafka' : ''} answer${usesKafka ? '' : 's'}`, async () => {
      // On a loaded machine the first Kafka probe may miss its 1.5 s budget: readiness is a state
      // the service reaches, so wait for it with a deadline, then check what it reports.
      const response = await waitFor(
        async () => {
          const candidate = await service.request('/health/ready');
          return candidate.status === 200 ? candidate : undefined;
        },
        { timeoutMs: 30_000, what: `${definition.name} /health/ready to answer 200` },
      );
      const body = await response.json();
      const up = { status: 'up' };
      expect({ status: response.status, body }).toEqual({
        status: 200,
        body: expect.objectContaining({ status: 'ok', info: expect.objectContaining(usesKafka ? { database: up, kafka: up } : { database: up }) }),
      });
      // Besides database and Kafka, only the service's own parts (its event consumers `consumer:<group>`, its outbox relay), all up.
      const others = Object.entries((body as { info: Record<string, unknown> }).info).filter(([name]) => name !== 'database' && name !== 'kafka');
      for (const [name, state] of others) {
        expect(name).toMatch(/^(consumer:.+|outbox-relay)$/);
        expect(state).toEqual(up);
      }
    });

    it('exposes Prometheus metrics: Node defaults and HTTP request durations by route', async () => {
      await service.request('/health/live');
      const response = await service.request('/metrics');
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toContain(`process_cpu_user_seconds_total{service="${definition.name}"}`);
      expect(text).toMatch(/http_server_request_duration_seconds_count\{[^}]*route="\/health\/live"[^}]*status_code="200"/);
    });

    it('serves an OpenAPI 3.1 document at GET /openapi.json listing every route Express serves', async () => {
      const response = await service.request('/openapi.json');
      expect(response.status).toBe(200);
      const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(document.openapi).toBe('3.1.0');
      const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(documented.sort()).toEqual(expressRoutes(service).sort());
    });

    it(`applied its migrations: ${tables.join(', ')}`, async () => {
      const client = new Client(service.database.config);
      await client.connect();
      try {
        const { rows } = await client.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1)`,
          [tables],
        );
        expect(rows.map((row) => row.table_name).sort()).toEqual([...tables].sort());
        const applied = await client.query(`SELECT name FROM migrations`);
        expect(applied.rowCount).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    });

    it('a missing setting stops the process at start-up with one line naming it, exit code 1', async () => {
      const { code, stdout, stderr } = await misconfigured.exited;
      expect({ code, stdout, stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: `${definition.name}: invalid configuration: ${missingSettingLine}\n`,
      });
    }, 30_000);

    more?.(() => service);
  });
}

/** The routes Express itself serves (its router's stack), in OpenAPI form: what the document must list. */
function expressRoutes(service: TestService<ServiceConfig>): string[] {
  const express = service.app.getHttpAdapter().getInstance() as {
    router?: { stack: RouterLayer[] };
    _router?: { stack: RouterLayer[] };
  };
  const stack = (express.router ?? express._router)?.stack ?? [];
  // Nest mounts middleware (request logging, tracing) as catch-all `/{*path}` routes: not routes of the API.
  return stack.flatMap((layer) =>
    layer.route && !layer.route.path.includes('*')
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      : [],
  );
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}
