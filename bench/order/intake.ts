/**
 * Order intake benchmark (issue 10): POST /orders alone, at fixed offered rates and flat out.
 *
 *   node -r @swc-node/register bench/order/intake.ts
 *
 * Self-contained by default: starts a schema registry and the order service (apps/order/src/main.ts
 * in a child process, as `omnibus up` does, logging at info to a pipe) on a database and topics of
 * its own, against the real Kafka and PostgreSQL. Its outbox relay publishes to Kafka as usual, but
 * nothing consumes its ReserveStock, so what is measured is the intake and the relay behind it.
 * ORDER_URL=http://127.0.0.1:3001 measures a running service instead (e.g. `npx omnibus up`, where
 * the saga's downstream also runs; /metrics must be reachable for the CPU figures).
 *
 * Every request is a new order: a unique channelOrderRef and Idempotency-Key, a valid token
 * (orders:write). Per run: achieved 201/s, latency p50/p90/p99/max, status codes, and CPU per accepted
 * order: the order process's (process_cpu_seconds_total from its /metrics before and after),
 * PostgreSQL's (its processes in /proc, whoever else uses the server; approximate, as backends come
 * and go) and the whole machine's
 * (/proc/stat: the bench itself, Kafka and other users of the machine included).
 *
 * Flat out is autocannon (setupRequest makes each request's order). The offered rates are NOT
 * autocannon's overallRate: that gives each connection a quota per second, which every connection
 * sends at the start of the second, so 100/s over 100 connections is a burst of 100 once a second
 * (measured: p50 165 ms at 100/s for a service answering in ~10 ms). Here an open loop sends
 * request n at start + n/rate over keep-alive sockets and counts its latency from that due time
 * (a late send counts against the service: no coordinated omission), at most BENCH_MAX_OPEN (400) open.
 *
 * Settings: BENCH_RATES (100,300,500,700 req/s offered), BENCH_CONNECTIONS (32) for the flat-out run
 * (BENCH_MAX=0 skips it), BENCH_DURATION_S (10) per run, BENCH_WARMUP_S (3) flat out before the first run, BENCH_CPU_PROF=<dir> writes a CPU profile of the order service there (node
 * --cpu-prof's format, by cpu-profile.js, on its shutdown), ORDER_ENV='{"ORDER_DB_POOL_SIZE":"20"}' extra settings of the service.
 */
import autocannon from 'autocannon';
import { issueToken } from '@omnibus/service-kit';
import { AppProcess, createUniqueTopics, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { createTestDatabase, TestDatabase, uniqueName } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const RATES = (process.env.BENCH_RATES ?? '100,300,500,700').split(',').filter(Boolean).map(Number);
const MAX_OPEN = Number(process.env.BENCH_MAX_OPEN ?? 400);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const MAX = process.env.BENCH_MAX !== '0';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const ORDER_ENV: Record<string, string> = JSON.parse(process.env.ORDER_ENV ?? '{}');
const CATALOGUE_TOPICS = ['retail.orders', 'odoo.commands', 'odoo.results', 'inventory.commands', 'retail.reservations', 'payments.commands', 'retail.payments'] as const;

/** A web order of two lines, as journey.ts posts (the order service prices and validates it whole). */
function orderBody(ref: string): string {
  const address = { name: 'Bench Customer', line1: '1 Main Street', city: 'Springfield', postalCode: '62701', countryCode: 'US' };
  return JSON.stringify({
    channelOrderRef: ref,
    channel: { channelId: 'web-us', kind: 'WEB' },
    brand: 'omnibus',
    companyId: 'omnibus-retail',
    currency: 'USD',
    customer: { name: address.name, email: 'bench@example.com' },
    shippingAddress: address,
    lines: [
      { sku: 'APP-10001', name: 'Bench item', quantity: '1', unitPrice: { amountMinor: 1999, currency: 'USD' } },
      { sku: 'FTW-10002', name: 'Bench item', quantity: '2', unitPrice: { amountMinor: 1999, currency: 'USD' } },
    ],
    pricesIncludeTax: true,
  });
}

/** The order process's CPU seconds so far (prom-client's default process metrics). */
async function cpuSeconds(url: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text().catch(() => '');
  const match = /^process_cpu_seconds_total(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** CPU seconds so far of the whole machine (busy, from /proc/stat) and of the PostgreSQL server's processes (shared with other users of the server). */
function machineCpu(): { busy: number; postgres: number } {
  const tick = 100; // USER_HZ on Linux
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  let postgres = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      postgres += Number(after[11]) + Number(after[12]); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return { busy: (user + nice + system + irq + softirq + steal) / tick, postgres: postgres / tick };
}

let sequence = 0;
const newRef = (prefix: string) => `${prefix}-${sequence++}`;

interface RunResult {
  /** Wall-clock seconds of the run. */
  seconds: number;
  /** [p50, p90, p99, max] in ms. */
  latency: number[];
  statuses: Map<string, number>;
  /** Not sent: BENCH_MAX_OPEN requests were already open. */
  skipped: number;
}

/** Flat out: autocannon with `connections` clients, each sending its next order as soon as the last is answered. */
async function flatOut(url: string, token: string, connections: number, duration: number): Promise<RunResult> {
  const prefix = `BENCH-INTAKE-${Date.now().toString(36).toUpperCase()}`;
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/orders',
        setupRequest: (request: any) => {
          request.headers = { ...request.headers, authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() };
          request.body = orderBody(newRef(prefix));
          return request;
        },
      },
    ],
  });
  const statuses = new Map(Object.entries(result.statusCodeStats as Record<string, { count: number }>).map(([code, { count }]) => [code, count]));
  if (result.errors) statuses.set('error', result.errors);
  const latency = [result.latency.p50, result.latency.p90, result.latency.p99, result.latency.max];
  return { seconds: result.duration, latency, statuses, skipped: 0 };
}

/** Open loop at `rate`/s: request n is due at start + n/rate, its latency counted from then. */
async function offered(url: string, token: string, rate: number, duration: number): Promise<RunResult> {
  const prefix = `BENCH-INTAKE-${Date.now().toString(36).toUpperCase()}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_OPEN });
  const target = new URL('/orders', url);
  const total = Math.round(rate * duration);
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const count = (status: string) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  let open = 0;
  let skipped = 0;
  let finished = 0;
  const started = performance.now();
  const send = (due: number) => {
    const body = orderBody(newRef(prefix));
    open++;
    const request = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': randomUUID() },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          latencies.push(performance.now() - due);
          count(String(response.statusCode));
          open--;
          finished++;
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      count(`error ${error.code ?? error.message}`);
      open--;
      finished++;
    });
    request.end(body);
  };
  for (let n = 0; n < total; ) {
    const now = performance.now();
    for (; n < total && started + (n * 1000) / rate <= now; n++) {
      if (open >= MAX_OPEN) skipped++;
      else send(started + (n * 1000) / rate);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  while (finished + skipped < total) await new Promise((resolve) => setTimeout(resolve, 5));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const latency = [percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99), latencies[latencies.length - 1]];
  return { seconds: (performance.now() - started) / 1000, latency, statuses, skipped };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(name: string, url: string, detail: string, go: () => Promise<RunResult>): Promise<void> {
  const cpuBefore = await cpuSeconds(url);
  const machineBefore = machineCpu();
  const result = await go();
  const machineAfter = machineCpu();
  const cpuAfter = await cpuSeconds(url);
  const [p50, p90, p99, max] = result.latency;
  const accepted = result.statuses.get('201') ?? 0;
  const perOrder = (seconds: number) => `${((seconds * 1000) / accepted).toFixed(2)} ms`;
  const cpu =
    accepted > 0
      ? `; CPU per order: order ${cpuBefore !== undefined && cpuAfter !== undefined ? perOrder(cpuAfter - cpuBefore) : '?'}, ` +
        // A backend that ends during the run takes its CPU out of the sum: then there is no figure.
        `postgres ${machineAfter.postgres >= machineBefore.postgres ? perOrder(machineAfter.postgres - machineBefore.postgres) : '?'}, machine ${perOrder(machineAfter.busy - machineBefore.busy)} ` +
        `(${(((machineAfter.busy - machineBefore.busy) / result.seconds / cpus().length) * 100).toFixed(0)}% busy)`
      : '';
  const statuses = [...result.statuses].map(([code, n]) => `${code}: ${n}`).join(', ');
  const ms = (value: number | undefined) => `${(value ?? NaN).toFixed(0)} ms`;
  console.log(
    `${name}: ${(accepted / result.seconds).toFixed(0)} orders/s accepted, latency p50 ${ms(p50)}, p90 ${ms(p90)}, p99 ${ms(p99)}, max ${ms(max)}; ` +
      `status ${statuses || 'none'}${result.skipped ? `, ${result.skipped} not sent (${MAX_OPEN} open)` : ''}${cpu} (${detail}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
  );
}

async function main(): Promise<void> {
  const started: { registry?: AppProcess; order?: AppProcess; database?: TestDatabase } = {};
  try {
    let url = process.env.ORDER_URL;
    if (!url) {
      const consumer = uniqueName('bench-intake');
      const [registry, { topics }, database] = await Promise.all([startSchemaRegistry('bench_intake'), createUniqueTopics(CATALOGUE_TOPICS, [consumer]), createTestDatabase('bench_intake_order')]);
      Object.assign(started, { registry, database });
      started.order = await startApp('order', {
        DATABASE_URL: database.url,
        SCHEMA_REGISTRY_URL: registry.url,
        TOPIC_OVERRIDES: JSON.stringify(topics),
        ORDER_CONSUMER_SERVICE: consumer,
        ...ORDER_ENV,
        ...(CPU_PROF ? { NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profile.js')}`, CPU_PROFILE_DIR: path.resolve(CPU_PROF) } : {}),
      });
      url = started.order.url;
    }
    const token = await issueToken({ sub: 'channel:bench-intake', scopes: ['orders:write'], ttl: '1h' });
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`order intake: POST /orders against ${url}${process.env.ORDER_URL ? '' : ' (started here: own database and topics, nothing consumes its commands)'}`);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}, load ${load}${Object.keys(ORDER_ENV).length ? `; service env ${JSON.stringify(ORDER_ENV)}` : ''}`);
    if (WARMUP_S > 0) await flatOut(url, token, CONNECTIONS, WARMUP_S);
    for (const rate of RATES) await measure(`offered ${rate}/s`, url, `${DURATION_S} s`, () => offered(url!, token, rate, DURATION_S));
    if (MAX) await measure('flat out', url, `autocannon, ${CONNECTIONS} connections, ${DURATION_S} s`, () => flatOut(url!, token, CONNECTIONS, DURATION_S));
  } finally {
    await started.order?.stop();
    await started.registry?.stop();
    await started.database?.drop();
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
