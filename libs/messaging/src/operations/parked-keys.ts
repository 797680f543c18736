import type { DataSource } from 'typeorm';
import { serviceTopics } from '@omnibus/contracts';

// Reads and changes the parking tables of a service database (messaging_parked_key /
// messaging_parked_event, see consumer/parking.ts) from the operator's side. The consumer's own
// ParkingLot stays the only writer of parked events; an operator only ever clears a key's head
// (`skip`), exactly as a succeeding head does, so the service's releaser drains the queue in order.

/** How long dead letters are kept (the catalogue's dead-letter topic retention: 30 days). */
export const deadLetterRetentionMs = serviceTopics.deadLetter.retentionMs;

/** A parked key is reported this long before its head's dead letter may be gone. */
export const parkedRetentionWarningMs = 7 * 86_400_000;

/**
 * `ok`; `expiring`: the head's dead letter leaves the dead-letter topic within the warning window,
 * re-drive or skip it now; `expired`: older than the retention, its dead letter may be gone (a
 * `release` then finds nothing to re-drive and only `skip` is left).
 */
export type ParkedRetention = 'ok' | 'expiring' | 'expired';

export interface ParkedKey {
  consumerGroup: string;
  topic: string;
  key: string;
  /** The failed event the key waits for; null while its waiting events are being released. */
  headEventId: string | null;
  /** When the key was first parked: the head failed then or later, so its age is at most this. */
  parkedAt: Date;
  ageMs: number;
  /** Events waiting behind the head. */
  waiting: number;
  retention: ParkedRetention;
}

export interface ParkedEventRow {
  seq: string;
  eventId: string;
  eventType: string;
  partition: number;
  offset: string;
  parkedAt: Date;
}

export interface ParkedKeyFilter {
  group?: string;
  topic?: string;
  key?: string;
  /** Parked at or after / before. */
  since?: Date;
  until?: Date;
  limit?: number;
}

export function retentionOf(ageMs: number, retentionMs = deadLetterRetentionMs, warningMs = parkedRetentionWarningMs): ParkedRetention {
  if (ageMs >= retentionMs) return 'expired';
  if (ageMs >= retentionMs - warningMs) return 'expiring';
  return 'ok';
}

/** Parked keys with their head, age and number of waiting events, oldest first. */
export async function listParkedKeys(db: DataSource, filter: ParkedKeyFilter = {}, now = new Date()): Promise<ParkedKey[]> {
  const rows: Array<{ consumer_group: string; topic: string; event_key: string; head_event_id: string | null; parked_at: Date; waiting: number }> =
    await db.query(
      `SELECT k.consumer_group, k.topic, k.event_key, k.head_event_id, k.parked_at, count(e.seq)::int AS waiting
       FROM messaging_parked_key k
       LEFT JOIN messaging_parked_event e USING (consumer_group, topic, event_key)
       WHERE ($1::text IS NULL OR k.consumer_group = $1)
         AND ($2::text IS NULL OR k.topic = $2)
         AND ($3::text IS NULL OR k.event_key = $3)
         AND ($4::timestamptz IS NULL OR k.parked_at >= $4)
         AND ($5::timestamptz IS NULL OR k.parked_at < $5)
       GROUP BY k.consumer_group, k.topic, k.event_key, k.head_event_id, k.parked_at
       ORDER BY k.parked_at, k.consumer_group, k.topic, k.event_key
       LIMIT $6`,
      [filter.group ?? null, filter.topic ?? null, filter.key ?? null, filter.since ?? null, filter.until ?? null, filter.limit ?? 1000],
    );
  return rows.map((row) => {
    const ageMs = Math.max(0, now.getTime() - row.parked_at.getTime());
    return {
      consumerGroup: row.consumer_group,
      topic: row.topic,
      key: row.event_key,
      headEventId: row.head_event_id,
      parkedAt: row.parked_at,
      ageMs,
      waiting: row.waiting,
      retention: retentionOf(ageMs),
    };
  });
}

/** One parked key of a group: which one when the key is parked on several topics (--topic). */
export async function findParkedKey(db: DataSource, { group, topic, key }: { group: string; topic?: string; key: string }): Promise<ParkedKey> {
  const found = await listParkedKeys(db, { group, topic, key });
  if (found.length === 0) throw new Error(`key ${key}${topic ? ` of ${topic}` : ''} is not parked in consumer group ${group}`);
  if (found.length > 1) {
    throw new Error(`key ${key} is parked on ${found.length} topics in group ${group} (${found.map((k) => k.topic).join(', ')}): say which with --topic`);
  }
  return found[0];
}

/** The events waiting behind a key, in the order they will be released. */
export async function parkedQueue(db: DataSource, parked: ParkedKey, limit = 1000): Promise<ParkedEventRow[]> {
  const rows: Array<{ seq: string; event_id: string; event_type: string | null; kafka_partition: number; kafka_offset: string; parked_at: Date }> =
    await db.query(
      `SELECT seq, event_id, headers->>'ce_type' AS event_type, kafka_partition, kafka_offset, parked_at FROM messaging_parked_event
       WHERE consumer_group = $1 AND topic = $2 AND event_key = $3 ORDER BY seq LIMIT $4`,
      [parked.consumerGroup, parked.topic, parked.key, limit],
    );
  return rows.map((row) => ({
    seq: String(row.seq),
    eventId: row.event_id,
    eventType: row.event_type ?? '?',
    partition: row.kafka_partition,
    offset: String(row.kafka_offset),
    parkedAt: row.parked_at,
  }));
}

/**
 * Drops a parked key's head and lets the events behind it go, in one transaction of the service
 * database: the head's event id is claimed in the group's inbox (so when its retry record or a
 * later re-drive arrives, it is a duplicate and never runs out of order), and the head is cleared,
 * which is what a succeeding head does: the service's releaser then hands the waiting events to
 * the handler one by one in parking order, each holding the key's lock. The key row is locked
 * first, as the consumer does, and the head must still be the one the operator confirmed.
 */
export async function skipParkedHead(db: DataSource, parked: ParkedKey): Promise<{ waiting: number }> {
  if (!parked.headEventId) throw new Error(`key ${parked.key} has no head to skip: its waiting events are being released`);
  return db.transaction(async (manager) => {
    const locked: Array<{ head_event_id: string | null }> = await manager.query(
      `SELECT head_event_id FROM messaging_parked_key WHERE consumer_group = $1 AND topic = $2 AND event_key = $3 FOR UPDATE`,
      [parked.consumerGroup, parked.topic, parked.key],
    );
    if (locked.length === 0 || locked[0].head_event_id !== parked.headEventId) {
      throw new Error(
        `the head of key ${parked.key} changed since it was shown (${parked.headEventId} → ${locked[0]?.head_event_id ?? 'released'}): nothing skipped; look again with parked show`,
      );
    }
    await manager.query(`INSERT INTO messaging_inbox (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      parked.consumerGroup,
      parked.headEventId,
    ]);
    await manager.query(`UPDATE messaging_parked_key SET head_event_id = NULL WHERE consumer_group = $1 AND topic = $2 AND event_key = $3`, [
      parked.consumerGroup,
      parked.topic,
      parked.key,
    ]);
    const [{ waiting }]: Array<{ waiting: number }> = await manager.query(
      `SELECT count(*)::int AS waiting FROM messaging_parked_event WHERE consumer_group = $1 AND topic = $2 AND event_key = $3`,
      [parked.consumerGroup, parked.topic, parked.key],
    );
    return { waiting };
  });
}

export type ParkedKeyProgress = 'released' | 'parked-again' | 'still-parked';

/**
 * Waits for the service to work through a key after `release` or `skip`: `released` once the key
 * is no longer parked, `parked-again` when a new head failed (or the re-driven head failed again).
 */
export async function waitForParkedKey(db: DataSource, parked: ParkedKey, timeoutMs: number): Promise<ParkedKeyProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows: Array<{ head_event_id: string | null; failed_again: boolean }> = await db.query(
      `SELECT head_event_id, head_event_id IS NOT NULL AND head_event_id <> $4::uuid AS failed_again FROM messaging_parked_key
       WHERE consumer_group = $1 AND topic = $2 AND event_key = $3`,
      [parked.consumerGroup, parked.topic, parked.key, parked.headEventId ?? '00000000-0000-0000-0000-000000000000'],
    );
    if (rows.length === 0) return 'released';
    if (rows[0].failed_again) return 'parked-again';
    if (Date.now() >= deadline) return 'still-parked';
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
