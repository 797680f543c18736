import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { isPortFree } from '../src/net';
import {
  databaseUrl,
  ensureDatabases,
  ensurePostgres,
  isPostgresReachable,
  platformDatabases,
  postgresPortIsExplicit,
  postgresServerFromEnv,
  SERVICE_DATABASES,
  stopEmbeddedPostgres,
} from '../src/postgres';

jest.setTimeout(60_000);

async function freePort(): Promise<number> {
  for (let port = 55_400 + Math.floor(Math.random() * 500); port < 56_000; port++) {
    if (await isPortFree(port)) return port;
  }
  throw new Error('no free port');
}

describe('PostgreSQL settings', () => {
  it('reads DATABASE_URL first, then PG*, then the local default', () => {
    expect(postgresServerFromEnv({ DATABASE_URL: 'postgres://app:s%40cret@db.example:6543/x' })).toEqual({
      host: 'db.example',
      port: 6543,
      user: 'app',
      password: 's@cret',
    });
    expect(postgresServerFromEnv({ PGHOST: 'h', PGPORT: '5433', PGUSER: 'u' })).toMatchObject({ host: 'h', port: 5433, user: 'u' });
    expect(postgresServerFromEnv({})).toEqual({ host: '127.0.0.1', port: 5432, user: 'postgres', password: undefined });
    expect([{ PGPORT: '5433' }, { DATABASE_URL: 'postgres://u@h:1/x' }, {}, { DATABASE_URL: 'postgres://u@h/x' }].map(postgresPortIsExplicit)).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(databaseUrl({ host: 'h', port: 1, user: 'u', password: 'p w' }, 'odoo_adapter')).toBe('postgres://u:p%20w@h:1/odoo_adapter');
  });

  it('creates every service database plus the ones added by table or environment', () => {
    expect(platformDatabases(['webhooks'], { OMNIBUS_DATABASES: 'extra_one, order' })).toEqual([...SERVICE_DATABASES, 'webhooks', 'extra_one']);
  });
});

describe('the real local server', () => {
  it('is used as is when it answers, and databases are created once', async () => {
    const name = `infra_it_${process.pid}_${Date.now()}`;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-pg-'));
    const ready = await ensurePostgres({ env: process.env, home });
    expect(ready).toMatchObject({ source: 'external', startedNow: false });
    try {
      expect(await ensureDatabases(ready.server, [name])).toEqual({ created: [name], existing: [] });
      expect(await ensureDatabases(ready.server, [name])).toEqual({ created: [], existing: [name] });
    } finally {
      const client = new Client({ ...ready.server, database: 'postgres' });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      await client.end();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('embedded PostgreSQL when no server answers', () => {
  let home: string;
  let port: number;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-pg-'));
    fs.chmodSync(home, 0o755); // run as the `postgres` user when we are root: it must reach its directory
    port = await freePort();
  });

  afterAll(async () => {
    await stopEmbeddedPostgres(home);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('starts a real server on the configured port, reuses it, and stops it, leaving the real server alone', async () => {
    const env = { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' };
    expect(await isPostgresReachable({ host: '127.0.0.1', port, user: 'postgres' })).toBe(false);

    const started = await ensurePostgres({ env, home });
    expect(started).toMatchObject({ source: 'embedded', startedNow: true, server: { host: '127.0.0.1', port } });

    const { created } = await ensureDatabases(started.server, ['order', 'odoo_adapter']);
    expect(created).toEqual(['order', 'odoo_adapter']);
    const client = new Client({ connectionString: databaseUrl(started.server, 'odoo_adapter') });
    await client.connect();
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    await client.end();
    expect(rows[0].version).toMatch(/^PostgreSQL 17/);

    const again = await ensurePostgres({ env, home });
    expect(again).toMatchObject({ source: 'embedded', startedNow: false, server: { port } });

    expect(await stopEmbeddedPostgres(home)).toBe(true);
    expect(await isPostgresReachable({ host: '127.0.0.1', port, user: 'postgres' })).toBe(false);
    expect(await stopEmbeddedPostgres(home)).toBe(false);

    // The shared server the other tests use is untouched.
    expect(await isPostgresReachable(postgresServerFromEnv(process.env))).toBe(true);
  });

  it('does not start anything for a remote server that does not answer', async () => {
    await expect(ensurePostgres({ env: { PGHOST: '192.0.2.1', PGPORT: '5432' }, home })).rejects.toThrow(
      /PostgreSQL at 192.0.2.1:5432 is not reachable/,
    );
  });
});
