/**
 * Outbound sale orders per second with the simulator answering every call after 20 ms (a realistic
 * Odoo), and the catch-up rate after an outage.
 *
 *   node -r @swc-node/register bench/odoo/sale-orders.ts [orders=100] [outageOrders=200]
 *
 * 1. End to end: CreateSaleOrder commands on Kafka → adapter → Odoo → OdooCommandSucceeded on Kafka
 *    (find-or-create partner, SKUs, create by client_order_ref, confirm: one command, one Odoo order).
 * 2. The client alone, one create + one action_confirm per order (no batching) vs. batches of 50
 *    orders per create and one action_confirm per batch (createInBatches), 4 calls in flight.
 * 3. Catch-up: commands published while Odoo answers 503, then Odoo comes back.
 */
import { CreateSaleOrder, OdooCommandSucceeded } from '@omnibus/contracts';
import { waitFor } from '@omnibus/testing';
import { createSaleOrder } from '../../apps/odoo-adapter/test/commands';
import { Bench, machine, sleep, startBench } from './setup';

const orders = Number(process.argv[2] ?? 100);
const outageOrders = Number(process.argv[3] ?? 200);
const LATENCY = { kind: 'latency' as const, latencyMs: 20, probability: 1 };

const succeededCount = (bench: Bench, prefix: string) =>
  bench.under.eventsOf(OdooCommandSucceeded.type).filter((event) => (event.value as OdooCommandSucceeded).aggregateId.startsWith(prefix)).length;

async function endToEnd(bench: Bench, prefix: string, count: number): Promise<{ seconds: number; callsPerOrder: number }> {
  await bench.sim.clearCalls();
  const started = Date.now();
  await Promise.all(Array.from({ length: count }, (_, i) => bench.under.publish(CreateSaleOrder, createSaleOrder(`${prefix}-${i}`, [{ sku: `APP-${10001 + (i % 100) * 8}`, quantity: 1 }]))));
  await waitFor(() => succeededCount(bench, prefix) >= count, { timeoutMs: 600_000, intervalMs: 10, what: `${count} orders` });
  const seconds = (Date.now() - started) / 1000;
  const calls = (await bench.sim.admin<{ count: number }>('GET', '/calls/count')).count;
  return { seconds, callsPerOrder: calls / count };
}

async function clientOnly(bench: Bench, count: number, batchSize: number): Promise<number> {
  const { odoo } = bench;
  const [partner] = await odoo.search('res.partner', [['customer_rank', '>', 0]], { limit: 1 });
  const products = await odoo.search('product.product', [['default_code', '=like', 'APP-%']], { limit: 50 });
  const values = (i: number) => ({ partner_id: partner, client_order_ref: `CLIENT-${batchSize}-${i}-${Date.now()}`, order_line: [[0, 0, { product_id: products[i % products.length], product_uom_qty: 1 }]] });
  const started = Date.now();
  if (batchSize === 1) {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const id = await odoo.create('sale.order', values(i));
        await odoo.callMethod('sale.order', 'action_confirm', [id]);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  } else {
    const batches = Array.from({ length: Math.ceil(count / batchSize) }, (_, b) => Array.from({ length: Math.min(batchSize, count - b * batchSize) }, (_, j) => values(b * batchSize + j)));
    let next = 0;
    const worker = async () => {
      for (let b = next++; b < batches.length; b = next++) {
        const ids = await odoo.createMany('sale.order', batches[b]);
        await odoo.callMethod('sale.order', 'action_confirm', ids);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }
  return (Date.now() - started) / 1000;
}

async function main(): Promise<void> {
  console.log(`sale orders with 20 ms per Odoo call; ${machine()}`);
  const bench = await startBench(17, {
    ODOO_SYNC_ENABLED: 'false',
    ODOO_CIRCUIT_FAILURES: '5',
    ODOO_CIRCUIT_HALF_OPEN_MS: '1000',
    ODOO_COMMANDS_PAUSE_MAX_MS: '1000',
  });
  try {
    // Warm-up: schema registration, consumer group join, first connections.
    await bench.under.publish(CreateSaleOrder, createSaleOrder('WARMUP-0', [{ sku: 'APP-10001', quantity: 1 }]));
    await waitFor(() => succeededCount(bench, 'WARMUP') >= 1, { timeoutMs: 60_000, what: 'warm-up order' });
    await bench.sim.addFaults(LATENCY);

    const e2e = await endToEnd(bench, 'E2E', orders);
    console.log(`end to end through Kafka and the adapter: ${orders} orders in ${e2e.seconds.toFixed(2)} s = ${(orders / e2e.seconds).toFixed(1)} orders/s (${e2e.callsPerOrder.toFixed(1)} Odoo calls per order)`);

    const single = await clientOnly(bench, orders, 1);
    console.log(`client, no batching (create + confirm per order, 4 in flight): ${(orders / single).toFixed(1)} orders/s`);
    const batched = await clientOnly(bench, orders, 50);
    console.log(`client, batches of 50 (one create + one confirm per batch, 4 in flight): ${(orders / batched).toFixed(1)} orders/s`);

    // Outage: Odoo answers 503 to everything while the commands arrive, then comes back.
    await bench.sim.addFaults({ kind: 'http_error', status: 503, probability: 1 });
    await Promise.all(Array.from({ length: outageOrders }, (_, i) => bench.under.publish(CreateSaleOrder, createSaleOrder(`OUT-${i}`, [{ sku: `APP-${10001 + (i % 100) * 8}`, quantity: 1 }]))));
    await sleep(5_000);
    const appliedDuringOutage = succeededCount(bench, 'OUT-');
    await bench.sim.clearFaults();
    await bench.sim.addFaults(LATENCY);
    const back = Date.now();
    await waitFor(() => succeededCount(bench, 'OUT-') >= outageOrders, { timeoutMs: 600_000, intervalMs: 10, what: 'catch-up' });
    const seconds = (Date.now() - back) / 1000;
    const inOdoo = await bench.odoo.searchCount('sale.order', [['client_order_ref', '=like', 'OUT-%']]);
    console.log(
      `catch-up after a 5 s outage: ${outageOrders} waiting orders applied in ${seconds.toFixed(2)} s = ${(outageOrders / seconds).toFixed(1)} orders/s; applied during the outage: ${appliedDuringOutage}; sale orders in Odoo: ${inOdoo}`,
    );
  } finally {
    await bench.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
