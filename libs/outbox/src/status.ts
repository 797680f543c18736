import { DataSource } from 'typeorm';

export interface OutboxShardStatus {
  shard: number;
  /** Relay instance holding the lease, or null when the shard is free. */
  leaseHolder: string | null;
  leaseUntil: Date | null;
  /** Unpublished rows in this shard. */
  backlog: number;
}

export interface OutboxStatus {
  /** Unpublished rows in the whole outbox. */
  backlog: number;
  /** Age of the oldest unpublished row (database clock), or null when nothing waits. */
  oldestUnpublishedAgeMs: number | null;
  /** Every leased shard and every shard with a backlog, in shard order. */
  shards: OutboxShardStatus[];
  /** Relay instances whose heartbeat has not expired. */
  liveRelays: string[];
}

/** What waits in the outbox and which relay is responsible for it. Read-only, cheap (partial index). */
export async function outboxStatus(dataSource: DataSource): Promise<OutboxStatus> {
  const [shardRows, relayRows] = await Promise.all([
    dataSource.query(`
      WITH waiting AS (
        SELECT shard, count(*)::bigint AS backlog, min(created_at) AS oldest
          FROM outbox WHERE published_at IS NULL GROUP BY shard
      )
      SELECT coalesce(l.shard, w.shard) AS shard, l.holder, l.lease_until,
             coalesce(w.backlog, 0) AS backlog,
             extract(epoch FROM (clock_timestamp() - w.oldest)) * 1000 AS oldest_age_ms
        FROM outbox_shard_leases l
        FULL JOIN waiting w ON w.shard = l.shard
       ORDER BY 1`),
    dataSource.query(`SELECT instance_id FROM outbox_relays WHERE alive_until > now() ORDER BY instance_id`),
  ]);
  let backlog = 0;
  let oldestUnpublishedAgeMs: number | null = null;
  const shards: OutboxShardStatus[] = shardRows.map((row: any) => {
    const shardBacklog = Number(row.backlog);
    backlog += shardBacklog;
    if (row.oldest_age_ms !== null) {
      const age = Math.max(0, Math.round(Number(row.oldest_age_ms)));
      oldestUnpublishedAgeMs = Math.max(oldestUnpublishedAgeMs ?? 0, age);
    }
    return {
      shard: Number(row.shard),
      leaseHolder: row.holder ?? null,
      leaseUntil: row.lease_until ? new Date(row.lease_until) : null,
      backlog: shardBacklog,
    };
  });
  return { backlog, oldestUnpublishedAgeMs, shards, liveRelays: relayRows.map((r: any) => r.instance_id) };
}
