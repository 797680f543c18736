/**
 * Stock freshness: from a quant change in the simulator (just before the call that applies it) to the
 * StockPositionChanged on Kafka (the collector's receive time), by webhook and by polling.
 *
 *   node -r @swc-node/register bench/odoo/stock-freshness.ts [changes=200] [pollIntervalMs=250]
 */
import { StockPositionChanged } from '@omnibus/contracts';
import { waitFor } from '@omnibus/testing';
import { DataSource } from 'typeorm';
import { Bench, machine, sleep, startBench, summary } from './setup';

const changes = Number(process.argv[2] ?? 200);
const pollIntervalMs = process.argv[3] ?? '250';

interface Stages {
  toOutbox: number[];
  relay: number[];
  toCollector: number[];
}

async function measure(bench: Bench, label: string, stages: Stages): Promise<number[]> {
  const { odoo, under } = bench;
  const products = await odoo.searchRead<{ id: number; default_code: string }>('product.product', [['default_code', '=like', 'ELC-%']], { fields: ['default_code'], limit: changes, order: 'id asc' });
  const [warehouse] = await odoo.searchRead<{ id: number; lot_stock_id: [number, string] }>('stock.warehouse', [['code', '=', 'WH']], { fields: ['lot_stock_id'] });
  const inventory = { inventory_mode: true };
  const samples: number[] = [];
  // The first change of a run warms up (schema lookups, connections) and is not counted.
  for (let i = -1; i < changes; i++) {
    const product = products[(i + products.length) % products.length];
    const quantity = 5_001 + i; // unique, so the event is recognisable
    const quantId = await odoo.create('stock.quant', { product_id: product.id, location_id: warehouse.lot_stock_id[0], inventory_quantity: quantity }, { context: inventory });
    const changedAt = Date.now();
    await odoo.callMethod('stock.quant', 'action_apply_inventory', [quantId], { context: inventory });
    const event = await waitFor(
      () =>
        under
          .eventsOf(StockPositionChanged.type)
          .find((candidate) => candidate.key === product.default_code && (candidate.value as StockPositionChanged).onHand.milli === quantity * 1000),
      { timeoutMs: 15_000, intervalMs: 1, what: `${label} event ${i}` },
    );
    if (i >= 0) {
      samples.push(event.receivedAt - changedAt);
      // Where the time went: Odoo → outbox commit, outbox → broker (relay), broker → collector.
      const [row] = await under.adapter.app
        .get(DataSource)
        .query(`SELECT extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM published_at) * 1000 AS published FROM outbox WHERE headers ->> 'ce_id' = $1`, [event.headers.ce_id]);
      if (row?.published) {
        stages.toOutbox.push(Number(row.created) - changedAt);
        stages.relay.push(Number(row.published) - Number(row.created));
        stages.toCollector.push(event.receivedAt - Number(row.published));
      }
    }
    await sleep(20 + Math.floor(Math.random() * 30)); // changes arrive at random, not in lock-step with polls
  }
  return samples;
}

async function main(): Promise<void> {
  console.log(`stock freshness, ${changes} quant changes each; ${machine()}`);
  // Webhook: polling effectively off (10 min), Odoo notifies the adapter on every quant write.
  const webhookBench = await startBench(17, { ODOO_STOCK_POLL_INTERVAL_MS: '600000', ODOO_CATALOG_POLL_INTERVAL_MS: '600000' });
  try {
    await webhookBench.under.published();
    await webhookBench.sim.addWebhook({
      model: 'stock.quant',
      url: `${webhookBench.under.adapter.url}/odoo/webhooks/stock.quant`,
      fields: ['product_id', 'location_id', 'quantity', 'write_date'],
      secret: 'integration-test-webhook-secret',
    });
    const stages: Stages = { toOutbox: [], relay: [], toCollector: [] };
    console.log(summary('webhook', await measure(webhookBench, 'webhook', stages)));
    printStages(stages);
  } finally {
    await webhookBench.stop();
  }
  // Polling: no webhook, stock.quant polled every pollIntervalMs.
  const pollBench = await startBench(17, { ODOO_STOCK_POLL_INTERVAL_MS: pollIntervalMs, ODOO_CATALOG_POLL_INTERVAL_MS: '600000' });
  try {
    await pollBench.under.published();
    const stages: Stages = { toOutbox: [], relay: [], toCollector: [] };
    console.log(summary(`polling every ${pollIntervalMs} ms`, await measure(pollBench, 'poll', stages)));
    printStages(stages);
  } finally {
    await pollBench.stop();
  }
}

function printStages(stages: Stages): void {
  console.log(`  ${summary('change → outbox commit', stages.toOutbox)}`);
  console.log(`  ${summary('outbox commit → published (relay)', stages.relay)}`);
  console.log(`  ${summary('published → collector', stages.toCollector)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
