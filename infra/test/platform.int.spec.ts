import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { isKafkaReachable, kafkaSettingsFromEnv } from '../src/kafka';
import { isPortFree } from '../src/net';
import { appStatuses, downPlatform, PlatformContext, readUpState, upApps, upInfrastructure } from '../src/platform';
import { isPostgresReachable, postgresServerFromEnv } from '../src/postgres';
import { isAlive } from '../src/processes';

jest.setTimeout(60_000);

/** A stand-in for a service: serves /health/ready once it got its settings, and keeps a child process. */
const FAKE_SERVICE = `
const http = require('node:http');
const { spawn } = require('node:child_process');
if (process.env.FAIL_AT_START) { console.error('config: DATABASE_URL is malformed'); process.exit(1); }
spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
const ready = Boolean(process.env.KAFKA_BROKERS && process.env.DATABASE_URL && process.env.SCHEMA_REGISTRY_URL);
http.createServer((req, res) => {
  res.writeHead(req.url === '/health/ready' && ready ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: ready ? 'ok' : 'error', error: ready ? {} : { settings: {} }, pid: process.pid }));
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

async function freePort(): Promise<number> {
  for (let port = 41_000 + Math.floor(Math.random() * 2000); ; port++) if (await isPortFree(port)) return port;
}

/** What `ps` shows of the process group an app leads (the app and anything it spawned). */
function processGroup(pgid: number): string[] {
  return execFileSync('ps', ['-eo', 'pgid=,pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[0] === String(pgid));
}

describe('omnibus up / down with the shared broker and server', () => {
  let ctx: PlatformContext;
  let root: string;
  const topic = uniqueName('it-platform');

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-root-'));
    fs.mkdirSync(path.join(root, 'apps', 'order', 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'apps', 'order', 'src', 'main.ts'), FAKE_SERVICE);
    const catalogue = path.join(root, 'catalogue.yaml');
    fs.writeFileSync(catalogue, `topics:\n  - topic: ${topic}\n    partitions: 2\n`);
    ctx = {
      root,
      home: path.join(root, '.omnibus'),
      env: { ...process.env, ORDER_PORT: String(await freePort()), OMNIBUS_CATALOGUE: catalogue },
    };
  });

  afterAll(async () => {
    await downPlatform(ctx);
    const admin = testKafka('infra-platform-test').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('uses the running Kafka and PostgreSQL, applies topics, starts the app, and down stops only the app', async () => {
    const progress: string[] = [];
    const infra = await upInfrastructure(ctx, (step, message) => progress.push(`${step}: ${message}`));
    expect(readUpState(ctx)).toMatchObject({ kafka: { startedByUp: false }, postgres: { source: 'external', startedByUp: false } });
    expect(infra.topics.map((p) => p.spec.name)).toEqual([topic]);
    expect(progress).toContain('topics: 1 in catalogue: 1 created, 0 updated');

    const apps = await upApps(ctx, infra, { timeoutMs: 30_000 });
    expect(apps).toEqual([
      expect.objectContaining({ name: 'order', url: `http://127.0.0.1:${ctx.env.ORDER_PORT}`, readiness: { ready: true, detail: 'ready' } }),
    ]);
    const pid = apps[0].pid!;
    await waitFor(() => processGroup(pid).length === 2, { what: 'the app and its child process' });

    // Running up again finds it running and starts nothing new.
    const again = await upApps(ctx, infra, { timeoutMs: 30_000 }, (step, message) => progress.push(`${step}: ${message}`));
    expect(again[0].pid).toBe(pid);
    expect(progress).toContain(`order: already running (pid ${pid})`);

    await downPlatform(ctx);
    expect(isAlive(pid)).toBe(false);
    expect(processGroup(pid)).toEqual([]);
    expect((await appStatuses(ctx))[0]).toMatchObject({ pid: undefined, readiness: { ready: false, detail: 'not listening' } });
    // Not started by up, so not stopped by down.
    expect(await isKafkaReachable(kafkaSettingsFromEnv().brokers)).toBe(true);
    expect(await isPostgresReachable(postgresServerFromEnv())).toBe(true);
  });

  it('reports an app that exits during start-up with the end of its log', async () => {
    const failing = { ...ctx, env: { ...ctx.env, FAIL_AT_START: '1' } };
    await expect(upApps(failing, { kafkaBrokers: ['127.0.0.1:9092'], postgres: postgresServerFromEnv() }, { timeoutMs: 30_000 })).rejects.toThrow(
      /order exited during start-up; its log ends with:\n[\s\S]*config: DATABASE_URL is malformed/,
    );
    await downPlatform(failing);
  });

  it('refuses to start an app on a port another process holds, naming the variable to change', async () => {
    const squatter = net.createServer();
    await new Promise((resolve, reject) => squatter.once('error', reject).listen(Number(ctx.env.ORDER_PORT), '127.0.0.1', () => resolve(null)));
    try {
      await expect(upApps(ctx, { kafkaBrokers: ['127.0.0.1:9092'], postgres: postgresServerFromEnv() }, { timeoutMs: 5000 })).rejects.toThrow(
        `order: port ${ctx.env.ORDER_PORT} is taken by another process (stop it, or set ORDER_PORT)`,
      );
    } finally {
      squatter.close();
    }
  });
});
