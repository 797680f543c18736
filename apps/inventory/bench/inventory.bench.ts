/**
 * Inventory benchmark, self-contained: starts a schema registry and TWO inventory instances
 * (each in a child process of its own, bench/instance.ts, logging at info to /dev/null as in
 * production; one database, one consumer group) against the real Kafka and PostgreSQL, on topics
 * of its own, then measures
 *   1. GET /availability with 20 SKUs per request next to GET /health/live of the same instance, both as
 *      fast as they go, in BENCH_ROUNDS (2) alternating rounds (autocannon in a worker thread),
 *      then GET /availability at a fixed offered rate (BENCH_RATE, 2000 req/s) for its p99, and an
 *      /availability of one unknown SKU (auth, validation, one query, a tiny answer): the HTTP path's cost;
 *   2. order lines reserved per second through Kafka (ReserveStock → StockReserved / ReservationRejected),
 *      more lines than stock, with an oversell check: exactly the reservable units held, invariants clean.
 *
 *   node -r @swc-node/register apps/inventory/bench/inventory.bench.ts
 *
 * Settings: BENCH_DURATION_S (10) and BENCH_CONNECTIONS (10; at least 50 in the fixed-rate run, so
 * the client has requests in flight to keep the rate while answers are slow) per HTTP run, BENCH_RATE (2000 req/s
 * offered in the fixed-rate run, 0 skips it), BENCH_WORKERS (1 autocannon worker thread),
 * BENCH_LINES (10000; 0 runs only the HTTP part) reservations over BENCH_SKUS (200) with BENCH_UNITS (10) units
 * per location. BENCH_CPU_PROF=<dir> writes a CPU profile of the measured instance there (node --cpu-prof).
 * BENCH_BASELINE=<checkout> (e.g. /work/main) also starts that checkout's inventory service on the same
 * database and measures its two HTTP runs in the same alternating rounds (stopped before the reservations).
 */
import autocannon from 'autocannon';
import { ReserveStock } from '@omnibus/contracts';
import { issueToken } from '@omnibus/service-kit';
import { testServiceEnv } from '@omnibus/service-kit/testing';
import { AvroSerde, envelopeHeaders, SchemaRegistryClient } from '@omnibus/messaging';
import { createTestDatabase, testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { createUniqueTopics, startSchemaRegistry } from '@omnibus/messaging/testing';
import { readAvailabilityProjection } from '../src/availability/availability.controller';
import { checkInvariants } from '../src/stock/invariants';


const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const LINES = Number(process.env.BENCH_LINES ?? 10_000);
const SKU_COUNT = Number(process.env.BENCH_SKUS ?? 200);
const UNITS = Number(process.env.BENCH_UNITS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const BASELINE = process.env.BENCH_BASELINE;
const LOCATIONS = ['wh-north', 'wh-west', 'store-1', 'ds-acme'];
/** What channel `web` can take of one SKU: every location's units, less store-1's safety stock of 1 (test/network.yaml). */
const RESERVABLE_PER_SKU = LOCATIONS.length * UNITS - 1;

async function http(name: string, url: string, headers: Record<string, string>, rate = 0): Promise<number> {
  // At a fixed rate autocannon corrects for coordinated omission: late requests count from when they were due.
  const connections = rate > 0 ? Math.max(CONNECTIONS, 50) : CONNECTIONS;
  const result = await autocannon({ url, connections, duration: DURATION_S, headers, ...(WORKERS > 0 ? { workers: WORKERS } : {}), ...(rate > 0 ? { overallRate: rate / Math.max(WORKERS, 1) } : {}) });
  const failed = result.non2xx + result.errors + result.timeouts;
  console.log(
    `${name}: ${result.requests.average.toFixed(0)} req/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms` +
      `${failed ? `, ${failed} failed` : ''} (${connections} connections, ${DURATION_S} s${rate ? `, offered ${rate} req/s` : ''}, load ${loadavg()[0].toFixed(1)})`,
  );
  return result.requests.average;
}

/**
 * The database side of GET /availability, side by side in alternating rounds: the read before the
 * projection (every position of the SKUs, each with its locations' freshness, for ATP computed per
 * request) and the projection's one-row-per-SKU read (what the handler runs now).
 */
async function compareReads(db: DataSource, skus: string[]): Promise<void> {
  const reads = {
    'positions + freshness (before)': () =>
      db.query(
        `SELECT p.sku, p.location_id AS "locationId", p.on_hand::float8 AS "onHand", p.reserved::float8 AS reserved, p.committed::float8 AS committed,
                p.unavailable::float8 AS unavailable, p.inbound::float8 AS inbound,
                (SELECT coalesce(json_agg(json_build_object('source', f.source, 'observedAt', f.last_observed_at) ORDER BY f.source), '[]')
                   FROM stock_freshness f WHERE f.location_id = p.location_id) AS sources
           FROM stock_positions p WHERE p.sku = ANY($1)`,
        [skus],
      ),
    'projection (now)': () => readAvailabilityProjection(db, skus, 'web'),
  };
  const totals = new Map<string, { ms: number; n: number }>();
  for (let round = 0; round < 6; round++) {
    for (const [name, read] of Object.entries(reads)) {
      const started = performance.now();
      // 5 at a time, 100 each round
      for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 5 }, read));
      const total = totals.get(name) ?? { ms: 0, n: 0 };
      totals.set(name, { ms: total.ms + performance.now() - started, n: total.n + 100 });
    }
  }
  for (const [name, { ms, n }] of totals) console.log(`availability read, ${name}: ${((ms / n) * 1000).toFixed(0)} µs of wall time per read (5 at a time, 600 reads in 6 alternating rounds)`);
}

/** Forks one inventory instance (bench/instance.ts) and waits for its URL. */
async function startInstance(env: Record<string, string>, profile = false, service?: string): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(path.join(__dirname, 'instance.ts'), service ? [service] : [], {
    env,
    execArgv: ['-r', '@swc-node/register', ...(profile && CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [])],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(([code]) => Promise.reject(new Error(`inventory instance exited with ${code}`)))])) as [{ url: string }];
  return { url: message.url, child };
}

async function stopInstance({ child }: { child: ChildProcess }): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.send('close');
  await exited;
}

async function main(): Promise<void> {
  console.log(`inventory bench on ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`);
  const consumer = uniqueName('inventory-bench');
  const [registry, { topics }] = await Promise.all([startSchemaRegistry('inventory'), createUniqueTopics(['inventory.commands', 'retail.reservations', 'retail.inventory', 'retail.locations', 'odoo.stock-snapshots', 'odoo.commands', 'inventory.checks', 'retail.shipments'], [consumer])]);
  const database = await createTestDatabase('inventory_bench');
  const env = {
    ...(testServiceEnv(database.url) as Record<string, string>),
    SCHEMA_REGISTRY_URL: registry.url,
    TOPIC_OVERRIDES: JSON.stringify(topics),
    INVENTORY_CONSUMER_SERVICE: consumer,
    INVENTORY_NETWORK_FILE: path.join(__dirname, '..', 'test', 'network.yaml'),
    // Production's level (the kit's tests default to silent): per-request logging is part of the cost.
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
  };
  const instances: Array<{ url: string; child: ChildProcess }> = [];
  const db = new DataSource({ type: 'postgres', url: database.url });
  const producer = testKafka('inventory-bench').producer();
  await producer.connect();
  try {
    // One at a time: both would run the migrations at once.
    instances.push(await startInstance(env, true));
    instances.push(await startInstance(env));
    const baseline = BASELINE ? await startInstance(env, false, path.join(BASELINE, 'apps/inventory/src/service')) : undefined;
    await db.initialize();
    const [first] = instances;
    const token = await issueToken({ sub: 'system:bench', scopes: ['stock:feed', 'availability:read'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const skus = Array.from({ length: SKU_COUNT }, (_, i) => `BENCH-${String(i).padStart(5, '0')}`);
    for (let i = 0; i < skus.length; i += 50) {
      const updates = skus.slice(i, i + 50).flatMap((sku) =>
        LOCATIONS.map((locationId) => ({ eventId: uuidv7(), sku, locationId, kind: 'absolute', quantity: String(UNITS), observedAt: new Date().toISOString() })),
      );
      const response = await fetch(`${first.url}/stock/feeds/wms`, { method: 'POST', headers, body: JSON.stringify({ updates }) });
      if (response.status !== 200) throw new Error(`seeding answered ${response.status}: ${await response.text()}`);
    }

    const query = `skus=${skus.slice(0, 20).join(',')}&channel=web&region=eu-north`;
    const check = await fetch(`${first.url}/availability?${query}`, { headers });
    if (check.status !== 200) throw new Error(`GET /availability answered ${check.status}: ${await check.text()}`);
    await compareReads(db, skus.slice(0, 20));
    let live = 0;
    let availability = 0;
    const before = { live: 0, availability: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      live += await http('GET /health/live', `${first.url}/health/live`, {});
      availability += await http('GET /availability (20 SKUs)', `${first.url}/availability?${query}`, headers);
      if (!baseline) continue;
      before.live += await http(`baseline ${BASELINE}: GET /health/live`, `${baseline.url}/health/live`, {});
      before.availability += await http(`baseline ${BASELINE}: GET /availability (20 SKUs)`, `${baseline.url}/availability?${query}`, headers);
    }
    console.log(`availability throughput = ${((availability / live) * 100).toFixed(0)} % of /health/live (${ROUNDS} alternating rounds)`);
    if (baseline) {
      console.log(`baseline availability throughput = ${((before.availability / before.live) * 100).toFixed(0)} % of its /health/live`);
      await stopInstance(baseline);
    }
    await http('GET /availability (1 unknown SKU: the HTTP path)', `${first.url}/availability?skus=NONE&channel=web&region=eu-north`, headers);
    if (RATE > 0) await http('GET /availability (20 SKUs) at a fixed rate', `${first.url}/availability?${query}`, headers, RATE);
    // Where the time goes: the handler (query and answer) against the whole request as the kit measures it.
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    const mean = (pattern: RegExp) => {
      const sums = [...metrics.matchAll(new RegExp(`${pattern.source}_sum\\{[^}]*\\} ([0-9.e+-]+)`, 'g'))].reduce((total, m) => total + Number(m[1]), 0);
      const counts = [...metrics.matchAll(new RegExp(`${pattern.source}_count\\{[^}]*\\} ([0-9.e+-]+)`, 'g'))].reduce((total, m) => total + Number(m[1]), 0);
      return counts ? ((sums / counts) * 1000).toFixed(2) : '?';
    };
    console.log(`GET /availability handler mean ${mean(/inventory_availability_seconds/)} ms (the whole request is in http_server_request_duration_seconds)`);
    if (LINES <= 0) return;

    // Reservations: one line each, spread over the SKUs, through both instances.
    const commands: ReserveStock[] = Array.from({ length: LINES }, (_, i) => ({
      commandId: uuidv7(),
      orderId: uuidv7(),
      channel: { channelId: 'web', kind: 'WEB' },
      region: 'eu-north',
      lines: [{ lineId: '1', sku: skus[i % skus.length], quantity: { milli: 1000 } }],
      occurredAt: new Date(),
    }));
    // Encoded up front and sent in batches of 500 (the test publisher sends one record per request,
    // at a few hundred a second: it would measure itself, not inventory).
    const serde = new AvroSerde({ registry: new SchemaRegistryClient({ url: registry.url }), autoRegister: true });
    const messages = [];
    for (const command of commands) {
      const { headers } = envelopeHeaders({ topic: topics['inventory.commands'], type: ReserveStock.type, key: command.orderId, payload: command }, 'omnibus/bench');
      messages.push({ key: command.orderId, value: await serde.encode(ReserveStock, command, topics['inventory.commands']), headers });
    }
    const started = Date.now();
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: topics['inventory.commands'], messages: messages.slice(i, i + 500) });
    const published = Date.now();
    await waitFor(async () => (await db.query(`SELECT count(*)::int AS n FROM reservations`))[0].n >= LINES, {
      timeoutMs: Math.max(60_000, LINES * 50),
      intervalMs: 100,
      what: `${LINES} reservations`,
    });
    const seconds = (Date.now() - started) / 1000;
    const [{ held, span }] = await db.query(
      `SELECT count(*) FILTER (WHERE status = 'held')::int AS held, extract(epoch FROM max(created_at) - min(created_at))::float8 AS span FROM reservations`,
    );
    const violations = await checkInvariants(db.manager, LOCATIONS);
    // Every SKU is asked for more than it has: exactly what it has must be held, never more.
    const perSku = new Map<string, number>();
    for (const command of commands) perSku.set(command.lines[0].sku, (perSku.get(command.lines[0].sku) ?? 0) + 1);
    const reservable = [...perSku.values()].reduce((sum, asked) => sum + Math.min(asked, RESERVABLE_PER_SKU), 0);
    console.log(
      `reservations: ${LINES} order lines in ${seconds.toFixed(2)} s = ${(LINES / seconds).toFixed(0)} lines/s through Kafka with 2 instances ` +
        `(publishing took ${((published - started) / 1000).toFixed(2)} s); decided at ${(LINES / Math.max(span, 0.001)).toFixed(0)} lines/s between the first and last ` +
        `reservation; ${held} held of ${reservable} reservable (${held === reservable ? 'no oversell, no undersell' : 'MISMATCH'}), ${LINES - held} rejected, ` +
        `invariant violations: ${violations.length} (load ${loadavg()[0].toFixed(1)})`,
    );
    if (violations.length) console.log(violations.slice(0, 5));
    const after = await (await fetch(`${first.url}/metrics`)).text();
    const of = (name: string, part: 'sum' | 'count') => Number(after.match(new RegExp(`${name}_${part}\\{[^}]*work="reservations"[^}]*\\} ([0-9.e+-]+)`))?.[1] ?? NaN);
    console.log(
      `reservation chunks: ${of('inventory_chunk_events', 'count')} of ${(of('inventory_chunk_events', 'sum') / of('inventory_chunk_events', 'count')).toFixed(0)} commands on average, ` +
        `their work ${((of('inventory_chunk_seconds', 'sum') / of('inventory_chunk_seconds', 'count')) * 1000).toFixed(1)} ms on average (both instances)`,
    );
  } finally {
    await producer.disconnect();
    for (const instance of instances) await stopInstance(instance);
    if (db.isInitialized) await db.destroy();
    await database.drop();
    await registry.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
