/**
 * The Odoo simulator (apps/odoo-sim) as a child process for integration tests and benchmarks: started on
 * a free port, driven through its admin API (`/__sim/…`: reset, version, API keys, faults, webhooks, call
 * log), stopped at the end. One process serves every version: switching version reseeds it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const REPOSITORY_ROOT = path.resolve(__dirname, '../../../..');
const SIM_MAIN = path.join(REPOSITORY_ROOT, 'apps/odoo-sim/src/main.ts');
/** The simulator's development admin token (apps/odoo-sim/src/server.ts). */
const DEV_ADMIN_TOKEN = 'dev-only-odoo-sim-admin-token';

export type SimVersion = 16 | 17 | 18 | 19;

export interface SimFault {
  kind: 'latency' | 'http_error' | 'drop_before_commit' | 'drop_after_commit' | 'serialization_failure' | 'integrity_error' | 'commit_delay';
  times?: number;
  probability?: number;
  model?: string;
  method?: string;
  transport?: 'xmlrpc' | 'jsonrpc' | 'web' | 'json2';
  latencyMs?: number;
  status?: number;
  delayMs?: number;
  retries?: number;
}

export interface SimCall {
  seq: number;
  transport: string;
  model?: string;
  method?: string;
  outcome?: string;
  createdIds?: number[];
  [key: string]: unknown;
}

export class OdooSimProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly port: number,
    private readonly adminToken: string,
    private readonly output: string[],
  ) {}

  /** Starts the simulator on a free port (or `port`) and waits until it listens. */
  static async start(options: { version?: SimVersion; port?: number; seed?: number; products?: number; timeoutMs?: number } = {}): Promise<OdooSimProcess> {
    const adminToken = DEV_ADMIN_TOKEN;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', SIM_MAIN], {
      cwd: REPOSITORY_ROOT,
      env: {
        ...process.env,
        ODOO_SIM_PORT: String(options.port ?? 0),
        ODOO_SIM_VERSION: String(options.version ?? 17),
        ODOO_SIM_ADMIN_TOKEN: adminToken,
        ...(options.seed !== undefined ? { ODOO_SIM_SEED: String(options.seed) } : {}),
        ...(options.products !== undefined ? { ODOO_SIM_PRODUCTS: String(options.products) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const listening = new Promise<{ url: string; port: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`odoo-sim did not start within ${options.timeoutMs ?? 30_000} ms:\n${output.join('')}`)), options.timeoutMs ?? 30_000);
      const onData = (chunk: Buffer) => {
        output.push(chunk.toString());
        for (const line of chunk.toString().split('\n')) {
          if (!line.includes('odoo-sim listening')) continue;
          try {
            const parsed = JSON.parse(line) as { url: string; port: number };
            clearTimeout(timer);
            resolve(parsed);
          } catch {
            // not the JSON line
          }
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`odoo-sim exited with ${code} before listening:\n${output.join('')}`));
      });
    });
    const { url, port } = await listening;
    return new OdooSimProcess(child, url, port, adminToken, output);
  }

  /** What the simulator printed, for failing tests. */
  get log(): string {
    return this.output.join('');
  }

  async admin<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', adminPath: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/__sim${adminPath}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`odoo-sim ${method} ${adminPath}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Fresh seed data in `version` (the simulator reseeds on a version switch). */
  reset(version?: SimVersion): Promise<unknown> {
    return this.admin('POST', '/reset', version === undefined ? {} : { version });
  }

  async createApiKey(login = 'admin'): Promise<string> {
    const created = await this.admin<{ key: string }>('POST', '/api-keys', { login });
    return created.key;
  }

  addFaults(faults: SimFault | SimFault[]): Promise<Array<{ id: number }>> {
    return this.admin('POST', '/faults', faults);
  }

  clearFaults(): Promise<unknown> {
    return this.admin('DELETE', '/faults');
  }

  /** Caps the simulated HTTP workers (null: unlimited); excess calls queue like on a real Odoo. */
  setWorkers(count: number | null): Promise<unknown> {
    return this.admin('POST', '/workers', { count });
  }

  addWebhook(rule: { model: string; url: string; fields?: string[]; trigger?: string; secret?: string; name?: string }): Promise<{ id: number }> {
    return this.admin('POST', '/webhooks', rule);
  }

  calls(filter: { model?: string; method?: string; transport?: string; outcome?: string } = {}): Promise<SimCall[]> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== undefined) as Array<[string, string]>);
    return this.admin('GET', `/calls?${query.toString()}`);
  }

  clearCalls(): Promise<unknown> {
    return this.admin('DELETE', '/calls');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
