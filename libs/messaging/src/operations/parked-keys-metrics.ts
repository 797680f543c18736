import type { DataSource } from 'typeorm';
import { gauge, Logger } from '@omnibus/observability';
import { listParkedKeys, ParkedKey } from './parked-keys';

interface Watched {
  dataSource: DataSource;
  consumerGroup: string;
  logger?: Logger;
  /** Keys already reported near or past the dead-letter retention (reported once per process). */
  reported: Set<string>;
}

const watched = new Map<string, Watched>();

/**
 * One read of the parking tables per scrape, shared by both gauges: prom-client starts every
 * metric's collect of a scrape at once, so the second one finds the first one's read in flight.
 */
let inFlight: Promise<Map<string, ParkedKey[]>> | undefined;

function parkedKeysNow(): Promise<Map<string, ParkedKey[]>> {
  inFlight ??= (async () => {
    const byGroup = new Map<string, ParkedKey[]>();
    for (const w of watched.values()) {
      try {
        const keys = await listParkedKeys(w.dataSource, { group: w.consumerGroup, limit: 100_000 });
        byGroup.set(w.consumerGroup, keys);
        reportNearRetention(w, keys);
      } catch (error) {
        // A scrape must not fail because one database is briefly unreachable: that group is left out.
        w.logger?.warn({ consumerGroup: w.consumerGroup, error: (error as Error).message }, 'parked keys could not be counted');
      }
    }
    return byGroup;
  })().finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

function reportNearRetention(w: Watched, keys: ParkedKey[]): void {
  for (const key of keys) {
    const id = `${key.topic}\u0000${key.key}\u0000${key.headEventId}`;
    if (key.retention === 'ok' || !key.headEventId || w.reported.has(id)) continue;
    w.reported.add(id);
    w.logger?.error(
      { consumerGroup: key.consumerGroup, topic: key.topic, key: key.key, headEventId: key.headEventId, parkedAt: key.parkedAt.toISOString(), retention: key.retention },
      key.retention === 'expired'
        ? 'a parked key waits longer than the dead-letter retention: its head may no longer be re-drivable (omnibus parked skip)'
        : 'a parked key nears the dead-letter retention: release or skip it before its head can no longer be re-driven (omnibus parked)',
    );
  }
}

const parkedKeysGauge = gauge({
  name: 'omnibus_consumer_parked_keys',
  help: 'Keys of sequenced handlers whose events wait behind a failed event, per consumer group',
  labelNames: ['consumer_group'],
  async collect() {
    const byGroup = await parkedKeysNow();
    this.reset();
    for (const [group, keys] of byGroup) this.set({ consumer_group: group }, keys.length);
  },
});

const nearRetentionGauge = gauge({
  name: 'omnibus_consumer_parked_keys_near_dlq_retention',
  help: 'Parked keys whose head is within 7 days of, or past, the dead-letter retention (its dead letter may soon be gone)',
  labelNames: ['consumer_group'],
  async collect() {
    const byGroup = await parkedKeysNow();
    this.reset();
    for (const [group, keys] of byGroup) this.set({ consumer_group: group }, keys.filter((k) => k.retention !== 'ok' && k.headEventId).length);
  },
});

/**
 * Puts a consumer group's parked keys on /metrics (`omnibus_consumer_parked_keys`, and those near
 * the dead-letter retention) and logs each key that nears it. Counted when scraped, from the
 * service database. Returns the function that stops watching (call it when the consumer stops).
 */
export function watchParkedKeys(dataSource: DataSource, consumerGroup: string, logger?: Logger): () => void {
  const entry: Watched = { dataSource, consumerGroup, logger, reported: new Set() };
  watched.set(consumerGroup, entry);
  void parkedKeysGauge;
  void nearRetentionGauge;
  return () => {
    if (watched.get(consumerGroup) === entry) watched.delete(consumerGroup);
  };
}
