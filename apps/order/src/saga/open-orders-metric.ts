import { gauge } from '@omnibus/service-kit';
import type { DataSource } from 'typeorm';

/**
 * Orders on their way (neither completed nor cancelled), by status and channel, read from `orders` at
 * each scrape so that every instance reports the same and a restart loses nothing. Finished orders
 * are counted as they finish (orders_status_reached_total), not here: that table only grows.
 */
let source: DataSource | undefined;

const openOrders = gauge({
  name: 'orders_open',
  help: 'Orders neither completed nor cancelled, by order status and channel',
  labelNames: ['status', 'channel'],
  async collect() {
    if (!source) return;
    // The database not answering keeps the last values rather than failing the scrape.
    const rows = (await source
      .query(`SELECT status, channel, count(*)::int AS n FROM orders WHERE status NOT IN ('completed', 'cancelled') GROUP BY status, channel`)
      .catch(() => null)) as Array<{ status: string; channel: string; n: number }> | null;
    if (!rows) return;
    this.reset();
    for (const row of rows) this.set({ status: row.status, channel: row.channel }, row.n);
  },
});

/** Points the gauge at the service's database (one per process). */
export function watchOpenOrders(dataSource: DataSource): void {
  source = dataSource;
  void openOrders;
}
