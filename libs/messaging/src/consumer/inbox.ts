import type { DataSource, EntityManager } from 'typeorm';

/**
 * The inbox of one consumer group: the ids of the events it has handled. Claiming an id happens in
 * the transaction that applies the handler's effects, so "handled" and "recorded" commit together.
 */
export class Inbox {
  constructor(readonly consumerGroup: string) {}

  /**
   * Records the ids (distinct) in one statement and returns those that were there already: the
   * events to acknowledge without running. Returning the few duplicates rather than the many new
   * ids keeps the answer small on the hot path. A concurrent claim of the same id (a rebalance
   * overlap) waits for the other transaction and then counts as handled, so two instances never
   * both run one event.
   */
  async claim(manager: EntityManager, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows: Array<{ event_id: string }> = await manager.query(
      `WITH batch AS (SELECT unnest($2::uuid[]) AS event_id),
            claimed AS (
              INSERT INTO messaging_inbox (consumer_group, event_id) SELECT $1, event_id FROM batch
              ON CONFLICT DO NOTHING
              RETURNING event_id)
       SELECT event_id FROM batch WHERE event_id NOT IN (SELECT event_id FROM claimed)`,
      [this.consumerGroup, eventIds],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  async contains(manager: EntityManager, eventId: string): Promise<boolean> {
    const rows = await manager.query(
      `SELECT 1 FROM messaging_inbox WHERE consumer_group = $1 AND event_id = $2`,
      [this.consumerGroup, eventId],
    );
    return rows.length > 0;
  }
}

/**
 * Deletes inbox rows (all groups) older than the retention, in slices so that no long transaction
 * holds the table. Retention must outlast every way an event can come back: topic retention,
 * replays and dead-letter re-drives (30 days), or an old event would be applied again.
 */
export async function purgeInbox(dataSource: DataSource, retentionMs: number, sliceSize = 10_000): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs);
  let purged = 0;
  for (;;) {
    const result: [unknown[], number] = await dataSource.query(
      `DELETE FROM messaging_inbox WHERE ctid IN (
         SELECT ctid FROM messaging_inbox WHERE processed_at < $1 LIMIT $2)`,
      [cutoff, sliceSize],
    );
    const deleted = result[1];
    purged += deleted;
    if (deleted < sliceSize) return purged;
  }
}
