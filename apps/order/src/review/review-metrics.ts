import { gauge } from '@omnibus/service-kit';
import type { DataSource } from 'typeorm';
import { openQueueStats } from './review-store';

/**
 * The review queue's gauges, read from `review_items` at each scrape (so they are right in every
 * instance and after a restart). Both gauges share one query per scrape: prom-client collects the
 * metrics of a scrape at once, so the second finds the first one's read in flight.
 */
let source: DataSource | undefined;
type Stats = Awaited<ReturnType<typeof openQueueStats>>;
let inFlight: Promise<Stats | null> | undefined;

/** null when the database does not answer: the gauges keep their last values rather than fail the scrape. */
function statsNow(): Promise<Stats | null> {
  inFlight ??= (source ? openQueueStats(source.manager).catch(() => null) : Promise.resolve([])).finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

const queueSize = gauge({
  name: 'orders_review_queue_size',
  help: 'Open order review items, by reason',
  labelNames: ['reason'],
  async collect() {
    const stats = await statsNow();
    if (!stats) return;
    this.reset();
    for (const { reason, open } of stats) this.set({ reason }, open);
  },
});

const oldestAge = gauge({
  name: 'orders_review_oldest_open_age_seconds',
  help: 'Age of the oldest open order review item (0 when the queue is empty)',
  async collect() {
    const stats = await statsNow();
    if (!stats) return;
    const oldest = Math.min(...stats.map((entry) => entry.oldestOpenedAt.getTime()));
    this.set(stats.length ? (Date.now() - oldest) / 1000 : 0);
  },
});

/** Points the gauges at the service's database (one per process). */
export function watchReviewQueue(dataSource: DataSource): void {
  source = dataSource;
  void queueSize;
  void oldestAge;
}
