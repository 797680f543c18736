import { SpanKind } from '@opentelemetry/api';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { inSpan, startTracing } from './index';

const tracing = startTracing({ serviceName: 'observability-pg-test', exporter: 'memory' });
let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase('observability_pg');
  pool = new Pool(database.config);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

beforeEach(() => tracing.memoryExporter!.reset());

const queriesIn = (traceId: string) =>
  tracing.memoryExporter!.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId && span.attributes['db.system.name'] === 'postgresql');

describe('PostgreSQL tracing', () => {
  it('a query inside traced work is a CLIENT span, child of the work, naming the database but not the parameters', async () => {
    const work = await inSpan('reserve stock', {}, async (span) => {
      await pool.query('SELECT $1::text AS sku', ['SKU-SECRET-1']);
      return span.spanContext();
    });
    const [query] = queriesIn(work.traceId);
    expect(query).toBeDefined();
    expect(query.kind).toBe(SpanKind.CLIENT);
    expect(query.parentSpanContext?.spanId).toBe(work.spanId);
    expect(query.attributes['db.namespace']).toBe(database.name);
    expect(query.attributes['db.query.text']).toBe('SELECT $1::text AS sku');
    expect(JSON.stringify(query.attributes)).not.toContain('SKU-SECRET-1');
  });

  it('queries through TypeORM (how services reach PostgreSQL) are traced too', async () => {
    const dataSource = await new DataSource({ type: 'postgres', url: database.url }).initialize();
    try {
      const work = await inSpan('project order', {}, async (span) => {
        await dataSource.query('SELECT 1 AS one');
        return span.spanContext();
      });
      expect(queriesIn(work.traceId).map((span) => span.parentSpanContext?.spanId)).toEqual([work.spanId]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('a query outside any span (an idle poll) makes no span, and connecting makes none', async () => {
    await pool.query('SELECT 1');
    const client = await pool.connect();
    client.release();
    expect(tracing.memoryExporter!.getFinishedSpans()).toEqual([]);
  });
});
