import { createTestDatabase, TestDatabase, waitFor } from '@omnibus/testing';
import path from 'node:path';
import { issueToken } from '../src';
import { ServiceProcess, spawnService, testServiceEnv } from '../src/testing';

// The kit as the start scripts run it: a real process, its stdout, its signals, its exit code.
const main = path.join(__dirname, 'fixture/main.ts');

let database: TestDatabase;
let forSigterm: Started;
let forSigint: Started;
let withHangingShutdown: Started;

// Three instances start at once on one fresh database: start-up time is paid once, and the
// migration lock is exercised (only one of them may apply the migrations).
beforeAll(async () => {
  database = await createTestDatabase('fixture_process');
  [forSigterm, forSigint, withHangingShutdown] = await Promise.all([
    startProcess(),
    startProcess(),
    startProcess({ SHUTDOWN_TIMEOUT_MS: '300', FIXTURE_SHUTDOWN_DELAY_MS: '60000' }),
  ]);
}, 60_000);
afterAll(async () => {
  for (const started of [forSigterm, forSigint, withHangingShutdown]) started?.run.kill('SIGKILL');
  await database?.drop();
});

function logLines(run: ServiceProcess): Array<Record<string, any>> {
  return run
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

interface Started {
  run: ServiceProcess;
  url: string;
}

async function startProcess(env: Record<string, string> = {}): Promise<Started> {
  const run = spawnService(main, testServiceEnv(database.url, { LOG_LEVEL: 'info', ...env }));
  const listening = await waitFor(() => logLines(run).find((line) => /listening on/.test(line.msg)), {
    what: 'the listening log line',
    timeoutMs: 45_000,
  });
  return { run, url: `http://127.0.0.1:${listening.port}` };
}

it('writes only JSON log lines carrying the service name, the request id and the trace id of a request; SIGTERM exits 0', async () => {
  const { run, url } = forSigterm;
  const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
  const response = await fetch(`${url}/orders/7`, {
    headers: {
      authorization: `Bearer ${await issueToken({ sub: 'operator:test', scopes: ['orders:read'] })}`,
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      'x-request-id': 'req-42',
    },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe('req-42');
  await waitFor(() => logLines(run).some((line) => line.req?.id === 'req-42'), { what: 'the request log line' });

  run.kill('SIGTERM');
  const { code, stderr } = await run.exited;
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

  const lines = logLines(run);
  expect(lines.every((line) => line.service === 'fixture' && typeof line.level === 'string')).toBe(true);
  expect(lines.find((line) => line.req?.id === 'req-42')).toMatchObject({
    msg: 'request completed',
    principal: 'operator:test',
    trace_id: traceId,
    req: { method: 'GET', url: '/orders/7' },
    res: { statusCode: 200 },
  });
  expect(JSON.stringify(lines)).not.toContain('Bearer');
  expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['fixture shutting down', 'fixture stopped']));
}, 30_000);

it('SIGINT (Ctrl-C) also shuts down gracefully with exit code 0', async () => {
  const { run } = forSigint;
  run.kill('SIGINT');
  expect((await run.exited).code).toBe(0);
}, 30_000);

it('a shutdown that hangs is cut off after SHUTDOWN_TIMEOUT_MS with exit code 1', async () => {
  const { run } = withHangingShutdown;
  const signalled = Date.now();
  run.kill('SIGTERM');
  expect((await run.exited).code).toBe(1);
  expect(Date.now() - signalled).toBeLessThan(5_000);
  expect(logLines(run).map((line) => line.msg)).toContain('shutdown took longer than 300 ms; exiting');
}, 30_000);

it('of three instances started together on a new database, exactly one applied the migrations', () => {
  const appliedBy = [forSigterm, forSigint, withHangingShutdown].filter(({ run }) =>
    logLines(run).some((line) => line.msg === 'applied migration FixtureItems1700000000000'),
  );
  expect(appliedBy).toHaveLength(1);
});
