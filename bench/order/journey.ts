/**
 * Order journey benchmark against a running platform (npx omnibus up): channels post orders to the
 * order service; each goes through the outbox, Kafka and the odoo-adapter into odoo-sim and back.
 *
 *   node -r @swc-node/register bench/order/journey.ts
 *
 * Reports POST /orders latency and throughput at a fixed concurrency, then, once every order's saga
 * has passed confirmed_in_odoo (stock reserved by inventory, sale order confirmed in Odoo), the
 * accepted → confirmed_in_odoo time per order from its status history (the service's own clock at
 * both ends, so no polling skew). Inventory must hold stock of the SKUs below for the channel
 * (BENCH_CHANNEL, default web-us) in its network; an order it cannot cover is cancelled and stops the
 * bench with the reason. Settings: BENCH_ORDERS (default 200), BENCH_CONCURRENCY (10),
 * ORDER_PORT / ORDER_URL, BENCH_TIMEOUT_S (120).
 *
 * Offered load instead: BENCH_RATE=<orders/s> for BENCH_SECONDS (20) posts at that rate whatever the
 * answers (an open loop, at most BENCH_MAX_OUTSTANDING 400 requests open), over BENCH_SKU_COUNT (600)
 * of the simulator's SKUs so stock lasts; orders inventory cannot cover are counted, not fatal.
 */
import { issueToken } from '@omnibus/service-kit';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ORDER_URL = process.env.ORDER_URL ?? `http://127.0.0.1:${process.env.ORDER_PORT ?? 3001}`;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 120) * 1000;
const SKUS = ['APP-10001', 'FTW-10002', 'HOM-10003', 'ELC-10004', 'BTY-10005', 'TOY-10006'];
const CHANNEL = process.env.BENCH_CHANNEL ?? 'web-us';
const RATE = Number(process.env.BENCH_RATE ?? 0);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const MAX_OUTSTANDING = Number(process.env.BENCH_MAX_OUTSTANDING ?? 400);
const SKU_COUNT = Number(process.env.BENCH_SKU_COUNT ?? 600);
// The simulator's seed: SKU k is <department k mod 8>-<10001 + k>.
const DEPARTMENTS = ['APP', 'FTW', 'HOM', 'ELC', 'BTY', 'TOY', 'GRD', 'GRO'];
const skuOf = (k: number) => `${DEPARTMENTS[k % 8]}-${10001 + k}`;

function orderBody(run: string, n: number) {
  const address = { name: `Bench Customer ${n}`, line1: '1 Main Street', city: 'Springfield', postalCode: '62701', countryCode: 'US' };
  return {
    channelOrderRef: `BENCH-${run}-${n}`,
    channel: { channelId: CHANNEL, kind: 'WEB' },
    brand: 'omnibus',
    companyId: 'omnibus-retail',
    currency: 'USD',
    customer: { name: address.name, email: `bench${n}@example.com` },
    shippingAddress: address,
    lines: [0, 1].map((i) =>
      RATE > 0
        ? { sku: skuOf((n * 2 + i * 7) % SKU_COUNT), name: 'Bench item', quantity: '1', unitPrice: { amountMinor: 1999, currency: 'USD' } }
        : { sku: SKUS[(n + i) % SKUS.length], name: 'Bench item', quantity: String(1 + i), unitPrice: { amountMinor: 1999, currency: 'USD' } },
    ),
    pricesIncludeTax: true,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v: number) => `${v.toFixed(1)} ms`;
  return `${name}: p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted[sorted.length - 1])}`;
}

async function main(): Promise<void> {
  const token = await issueToken({ sub: 'channel:bench', scopes: ['orders:write', 'orders:read'], ttl: '1h' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const run = Date.now().toString(36).toUpperCase();
  console.log(`order journey: ${ORDERS} orders, ${CONCURRENCY} at a time, against ${ORDER_URL} (${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`);

  if (RATE > 0) return offered(headers, run);
  const postLatencies: number[] = [];
  const orderIds: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ORDERS) {
        const n = next++;
        const t0 = performance.now();
        const response = await fetch(`${ORDER_URL}/orders`, { method: 'POST', headers: { ...headers, 'idempotency-key': randomUUID() }, body: JSON.stringify(orderBody(run, n)) });
        postLatencies.push(performance.now() - t0);
        const body = (await response.json()) as { orderId: string };
        if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(body)}`);
        orderIds.push(body.orderId);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`POST /orders: ${ORDERS} in ${seconds.toFixed(2)} s = ${(ORDERS / seconds).toFixed(0)} orders/s`);
  console.log(summary('POST /orders latency', postLatencies));

  const toOdoo: number[] = [];
  const pending = new Set(orderIds);
  const deadline = Date.now() + TIMEOUT_MS;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} orders not confirmed in Odoo after ${TIMEOUT_MS / 1000} s`);
    for (const orderId of [...pending]) {
      const order = (await (await fetch(`${ORDER_URL}/orders/${orderId}`, { headers })).json()) as {
        status: string;
        cancellation: { step: string; reason: string; detail: string | null } | null;
        statusHistory: Array<{ status: string; at: string }>;
      };
      if (order.status === 'flagged_for_review') throw new Error(`order ${orderId} was flagged for review`);
      if (order.status === 'cancelling' || order.status === 'cancelled') {
        throw new Error(`order ${orderId} was cancelled at ${order.cancellation?.step}: ${order.cancellation?.reason} ${order.cancellation?.detail ?? ''}`);
      }
      if (!order.statusHistory.some((entry) => entry.status === 'confirmed_in_odoo')) continue;
      const at = (status: string) => Date.parse(order.statusHistory.find((entry) => entry.status === status)!.at);
      toOdoo.push(at('confirmed_in_odoo') - at('accepted'));
      pending.delete(orderId);
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const allConfirmed = (performance.now() - started) / 1000;
  console.log(`all ${ORDERS} confirmed in Odoo ${allConfirmed.toFixed(2)} s after the first POST`);
  console.log(summary('accepted → confirmed_in_odoo', toOdoo));
}

type OrderView = { status: string; cancellation: { step: string; reason: string; detail: string | null } | null; statusHistory: Array<{ status: string; at: string }> };

/** Open loop: BENCH_RATE orders/s for BENCH_SECONDS, then every order followed to Odoo (or to its cancellation). */
async function offered(headers: Record<string, string>, run: string): Promise<void> {
  const total = Math.round(RATE * SECONDS);
  console.log(`offered ${RATE} orders/s for ${SECONDS} s (${total} orders over ${SKU_COUNT} SKUs, at most ${MAX_OUTSTANDING} requests open)`);
  const postLatencies: number[] = [];
  const orderIds: string[] = [];
  const refused = new Map<number, number>();
  let outstanding = 0;
  let skipped = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  for (let n = 0; n < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    for (; n < due; n++) {
      if (outstanding >= MAX_OUTSTANDING) {
        skipped++;
        continue;
      }
      outstanding++;
      const t0 = performance.now();
      const request = fetch(`${ORDER_URL}/orders`, { method: 'POST', headers: { ...headers, 'idempotency-key': randomUUID() }, body: JSON.stringify(orderBody(run, n)) })
        .then(async (response) => {
          postLatencies.push(performance.now() - t0);
          const body = (await response.json()) as { orderId: string };
          if (response.status === 201) orderIds.push(body.orderId);
          else refused.set(response.status, (refused.get(response.status) ?? 0) + 1);
        })
        .finally(() => {
          outstanding--;
          inFlight.delete(request);
        });
      inFlight.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all([...inFlight]);
  const postSeconds = (performance.now() - started) / 1000;
  console.log(
    `POST /orders: ${orderIds.length} accepted in ${postSeconds.toFixed(2)} s = ${(orderIds.length / postSeconds).toFixed(0)} orders/s` +
      `${skipped ? `; ${skipped} not sent (too many open requests)` : ''}${refused.size ? `; refused: ${JSON.stringify(Object.fromEntries(refused))}` : ''}`,
  );
  console.log(summary('POST /orders latency', postLatencies));

  const toOdoo: number[] = [];
  let confirmedLast = 0;
  const cancelled = new Map<string, number>();
  const pending = new Set(orderIds);
  const deadline = Date.now() + TIMEOUT_MS;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const orderId of [...pending]) {
      const order = (await (await fetch(`${ORDER_URL}/orders/${orderId}`, { headers })).json()) as OrderView;
      if (order.status === 'cancelled' || order.status === 'flagged_for_review') {
        const why = order.status === 'cancelled' ? `${order.cancellation?.step}: ${order.cancellation?.reason}` : 'flagged_for_review';
        cancelled.set(why, (cancelled.get(why) ?? 0) + 1);
        pending.delete(orderId);
        continue;
      }
      const confirmed = order.statusHistory.find((entry) => entry.status === 'confirmed_in_odoo');
      if (!confirmed) continue;
      const accepted = Date.parse(order.statusHistory.find((entry) => entry.status === 'accepted')!.at);
      toOdoo.push(Date.parse(confirmed.at) - accepted);
      confirmedLast = Math.max(confirmedLast, Date.parse(confirmed.at));
      pending.delete(orderId);
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const firstAccepted = Date.now() - (performance.now() - started);
  console.log(
    `confirmed in Odoo: ${toOdoo.length} of ${orderIds.length}, the last ${((confirmedLast - firstAccepted) / 1000).toFixed(2)} s after the first POST ` +
      `= ${(toOdoo.length / ((confirmedLast - firstAccepted) / 1000)).toFixed(0)} orders/s sustained` +
      `${cancelled.size ? `; not confirmed: ${JSON.stringify(Object.fromEntries(cancelled))}` : ''}${pending.size ? `; still pending at the deadline: ${pending.size}` : ''}`,
  );
  console.log(summary('accepted → confirmed_in_odoo', toOdoo));
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
