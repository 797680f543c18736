import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '@omnibus/testing';

/** How other projects' tests start the simulator: a child process, port 0, the port read from stdout. */
describe('odoo-sim as a child process', () => {
  let child: ChildProcess;
  let url = '';

  beforeAll(async () => {
    const root = path.resolve(__dirname, '../../..');
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/odoo-sim/src/main.ts'], {
      cwd: root,
      env: { ...process.env, ODOO_SIM_PORT: '0', ODOO_SIM_VERSION: '19', ODOO_SIM_ADMIN_TOKEN: 'child-token', ODOO_SIM_WORKERS: '4', ODOO_SIM_LATENCY_MS: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const line = await waitFor(() => output.split('\n').find((l) => l.includes('odoo-sim listening')), { timeoutMs: 20_000, what: 'odoo-sim to listen' });
    url = JSON.parse(line).url;
  }, 30_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('answers as the configured version and protects the admin API with the env token', async () => {
    expect(await (await fetch(`${url}/web/version`)).json()).toEqual({ version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' });
    expect((await fetch(`${url}/__sim/state`)).status).toBe(401);
    const state = await fetch(`${url}/__sim/state`, { headers: { Authorization: 'Bearer child-token' } });
    expect(await state.json()).toMatchObject({ version: 19, db: 'omnibus', workers: { limit: 4, latencyMs: 5 }, counts: { 'product.product': 1004 } });
  });
});
