/**
 * Outbound sale orders with the simulator as a loaded Odoo: 4 workers, every call 20 ms inside its
 * worker. The adapter batched (ODOO_BATCH_SIZE=50, no fetch linger: the defaults), batched with a 50 ms
 * linger, and unbatched (1) side by side in one run.
 *
 *   node -r @swc-node/register bench/odoo/sale-orders.ts [--outage-seconds 300] [--backlog 3000]
 *
 * Per variant, CreateSaleOrder commands on Kafka → adapter → Odoo → OdooCommandSucceeded on Kafka:
 * 1. capacity: a backlog published at once, drained (orders/s, Odoo calls per order);
 * 2. offered 100/s and 200/s (unbatched: 100/s) for 20 s each: orders/s achieved, latency published → result received.
 * Then, batched only: Odoo answers 503 to everything for the outage while 100 orders/s keep coming,
 * and comes back: time until every order published before it came back is applied, and that each
 * order is in Odoo exactly once, none dead-lettered.
 */
import { parseArgs } from 'node:util';
import { CreateSaleOrder, OdooCommandSucceeded } from '@omnibus/contracts';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { OdooClient } from '@omnibus/odoo-client';
import { waitFor } from '@omnibus/testing';
import { createSaleOrder } from '../../apps/odoo-adapter/test/commands';
import { AdapterUnderTest, RegistryProcess, startAdapter } from '../../apps/odoo-adapter/test/harness';
import { machine, percentile, sleep } from './setup';

const { values: args } = parseArgs({
  options: { 'outage-seconds': { type: 'string', default: '300' }, backlog: { type: 'string', default: '3000' }, 'rate-seconds': { type: 'string', default: '20' } },
});
const OUTAGE_SECONDS = Number(args['outage-seconds']);
const BACKLOG = Number(args.backlog);
const RATE_SECONDS = Number(args['rate-seconds']);
const LATENCY = { kind: 'latency' as const, latencyMs: 20, probability: 1 };

let run = 0;
const orderOf = (prefix: string, i: number) => createSaleOrder(`${prefix}-${i}`, [{ sku: `APP-${10001 + (i % 100) * 8}`, quantity: 1 }, { sku: `HOM-${10003 + (i % 50) * 8}`, quantity: 2 }]);

/** Orders sent (id → ms) and their results as the collector received them. */
class Tracker {
  readonly sentAt = new Map<string, number>();
  private readonly received = new Map<string, number>();
  private scanned = 0;
  constructor(
    private readonly under: AdapterUnderTest,
    readonly prefix: string,
  ) {}
  /** Results so far; reads only the events collected since the last call (the adapter runs in this process). */
  done(): Map<string, number> {
    const events = this.under.events;
    for (; this.scanned < events.length; this.scanned++) {
      const event = events[this.scanned];
      if (event.type !== OdooCommandSucceeded.type) continue;
      const id = (event.value as OdooCommandSucceeded).aggregateId;
      if (id.startsWith(`${this.prefix}-`) && !this.received.has(id)) this.received.set(id, event.receivedAt);
    }
    return this.received;
  }
  latencies(): number[] {
    const done = this.done();
    return [...this.sentAt].filter(([id]) => done.has(id)).map(([id, sent]) => done.get(id)! - sent).sort((a, b) => a - b);
  }
}

/** Publishes `rate` orders per second for `seconds` (every 10 ms, as many as the clock says are due). */
async function offer(under: AdapterUnderTest, tracker: Tracker, rate: number, seconds: number, until?: () => boolean): Promise<void> {
  const started = Date.now();
  let sent = tracker.sentAt.size;
  const base = sent;
  while (until ? !until() : Date.now() - started < seconds * 1000) {
    const due = base + Math.floor(((Date.now() - started) / 1000) * rate);
    const batch = [];
    for (; sent < due; sent++) batch.push({ contract: CreateSaleOrder, payload: orderOf(tracker.prefix, sent) });
    if (batch.length > 0) {
      const now = Date.now();
      await under.publishTogether(batch);
      for (const { payload } of batch) tracker.sentAt.set(payload.orderId, now);
    }
    await sleep(10);
  }
}

/** One order through (schema registration, group join, first connections), then every call 20 ms. */
async function warmUp(sim: OdooSimProcess, under: AdapterUnderTest): Promise<void> {
  await sim.clearFaults();
  const warm = new Tracker(under, `WARM${++run}`);
  await under.publish(CreateSaleOrder, orderOf(warm.prefix, 0));
  await waitFor(() => warm.done().size >= 1, { timeoutMs: 60_000, what: 'warm-up order' });
  await sim.addFaults(LATENCY);
}

const callCount = async (sim: OdooSimProcess) => (await sim.admin<{ count: number }>('GET', '/calls/count')).count;

async function variant(sim: OdooSimProcess, registry: RegistryProcess, env: Record<string, string>, backlog: number, rates: number[]): Promise<string[]> {
  const under = await startAdapter(sim, registry, { ODOO_SYNC_ENABLED: 'false', LOG_LEVEL: 'warn', ...env });
  const lines: string[] = [];
  try {
    await warmUp(sim, under);

    const capacity = new Tracker(under, `CAP${run}`);
    if (backlog > 0) {
    await sim.clearCalls();
    const started = Date.now();
    for (let i = 0; i < backlog; i += 500) {
      const batch = Array.from({ length: Math.min(500, backlog - i) }, (_, j) => ({ contract: CreateSaleOrder, payload: orderOf(capacity.prefix, i + j) }));
      await under.publishTogether(batch);
    }
    await waitFor(() => capacity.done().size >= backlog, { timeoutMs: 900_000, intervalMs: 20, what: `${backlog} orders` });
    const seconds = (Date.now() - started) / 1000;
    const calls = await callCount(sim);
    lines.push(`capacity: ${backlog} waiting orders in ${seconds.toFixed(1)} s = ${(backlog / seconds).toFixed(1)} orders/s, ${(calls / backlog).toFixed(2)} Odoo calls per order`);
    }

    for (const rate of rates) {
      const tracker = new Tracker(under, `RATE${rate}-${run}`);
      await sim.clearCalls();
      const from = Date.now();
      await offer(under, tracker, rate, RATE_SECONDS);
      const offeredFor = (Date.now() - from) / 1000;
      await waitFor(() => tracker.done().size >= tracker.sentAt.size, { timeoutMs: 900_000, intervalMs: 20, what: `the ${rate}/s orders` });
      const all = (Date.now() - from) / 1000;
      const l = tracker.latencies();
      lines.push(
        `offered ${rate}/s for ${offeredFor.toFixed(0)} s: ${tracker.sentAt.size} orders applied in ${all.toFixed(1)} s = ${(tracker.sentAt.size / all).toFixed(1)} orders/s, ` +
          `${((await callCount(sim)) / tracker.sentAt.size).toFixed(2)} calls per order; ` +
          `published → result p50 ${percentile(l, 50)} ms, p99 ${percentile(l, 99)} ms, max ${l[l.length - 1]} ms`,
      );
    }
  } finally {
    await under.stop();
  }
  return lines;
}

async function outage(sim: OdooSimProcess, registry: RegistryProcess, odoo: OdooClient): Promise<string> {
  const under = await startAdapter(sim, registry, {
    ODOO_SYNC_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    ODOO_CIRCUIT_HALF_OPEN_MS: '5000',
    ODOO_COMMANDS_PAUSE_MAX_MS: '5000',
  });
  try {
    await warmUp(sim, under);
    const tracker = new Tracker(under, `OUTAGE${run}`);
    await sim.addFaults({ kind: 'http_error', status: 503, probability: 1 });
    await offer(under, tracker, 100, OUTAGE_SECONDS);
    const appliedDuringOutage = tracker.done().size;
    const waiting = tracker.sentAt.size;
    await sim.clearFaults();
    await sim.addFaults(LATENCY);
    const back = Date.now();
    const before = new Set(tracker.sentAt.keys());
    // Orders keep coming at 100/s while the backlog drains.
    const caughtUp = () => {
      const done = tracker.done();
      for (const id of before) if (done.has(id)) before.delete(id);
      return before.size === 0;
    };
    await offer(under, tracker, 100, 0, caughtUp);
    const drained = (Date.now() - back) / 1000;
    await waitFor(() => tracker.done().size >= tracker.sentAt.size, { timeoutMs: 900_000, intervalMs: 50, what: 'the orders after the outage' });
    const ids = [...tracker.sentAt.keys()];
    let inOdoo = 0;
    for (let i = 0; i < ids.length; i += 1000) inOdoo += await odoo.searchCount('sale.order', [['client_order_ref', 'in', ids.slice(i, i + 1000)]]);
    const deadLetters = under.events.filter((event) => event.topic.endsWith('.dlq')).length;
    return (
      `outage of ${OUTAGE_SECONDS} s at 100 orders/s: ${waiting} orders waiting (${appliedDuringOutage} applied during it); every one of them applied ${drained.toFixed(1)} s after Odoo came back ` +
      `(${(waiting / drained).toFixed(0)} orders/s while new ones kept coming); ${ids.length} published in all, ${inOdoo} sale orders in Odoo, ${deadLetters} dead letters`
    );
  } finally {
    await under.stop();
  }
}

async function main(): Promise<void> {
  console.log(`sale orders into Odoo (simulator: 4 workers, 20 ms per call); ${machine()}`);
  const [sim, registry] = await Promise.all([OdooSimProcess.start({ version: 17 }), RegistryProcess.start()]);
  const odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin', maxConcurrent: 8 });
  try {
    await sim.admin('POST', '/workers', { count: 4 });
    for (const line of await variant(sim, registry, {}, BACKLOG, [100, 200])) console.log(`batched (50, no linger)      ${line}`);
    for (const line of await variant(sim, registry, { ODOO_BATCH_LINGER_MS: '50', ODOO_BATCH_MIN_BYTES: '16384' }, 0, [100, 200])) console.log(`batched (50, linger 50 ms)  ${line}`);
    // Unbatched is offered only 100/s: it drains ~18/s, so 200/s would only make the run longer.
    for (const line of await variant(sim, registry, { ODOO_BATCH_SIZE: '1', ODOO_BATCH_LINGER_MS: '0', ODOO_BATCH_MIN_BYTES: '1' }, Math.min(BACKLOG, 600), [100])) console.log(`unbatched (1)                ${line}`);
    if (OUTAGE_SECONDS > 0) console.log(`batched (50, no linger)      ${await outage(sim, registry, odoo)}`);
    console.log(`done; ${machine()}`);
  } finally {
    await odoo.close();
    await Promise.all([sim.stop(), registry.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
