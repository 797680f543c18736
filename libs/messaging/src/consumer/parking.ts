import type { EntityManager } from 'typeorm';
import type { ConsumedRecord, RecordPosition } from './types';

/** A parked key: its events wait behind `headEventId` (null: the head succeeded, the queue is being released). */
export interface ParkedKeyState {
  headEventId: string | null;
}

export interface ParkedEvent {
  seq: string;
  eventId: string;
  record: ConsumedRecord;
}

const keyOf = (topic: string, key: string) => `${topic}\u0000${key}`;

/**
 * Parked keys and events of the sequenced handlers of one consumer group, in the service database.
 * Lock order is always "parked key row, then parked events", so the partition that parks new events
 * and the releaser that drains them serialise on the key row and never overtake each other.
 */
export class ParkingLot {
  constructor(readonly consumerGroup: string) {}

  /** Which of these keys are parked, share-locked until the transaction ends so that a release cannot finish meanwhile. */
  async lockParkedKeys(
    manager: EntityManager,
    keys: Array<{ topic: string; key: string }>,
  ): Promise<Map<string, ParkedKeyState>> {
    const parked = new Map<string, ParkedKeyState>();
    if (keys.length === 0) return parked;
    const rows: Array<{ topic: string; event_key: string; head_event_id: string | null }> = await manager.query(
      `SELECT topic, event_key, head_event_id FROM messaging_parked_key
       WHERE consumer_group = $1 AND (topic, event_key) IN (SELECT * FROM unnest($2::text[], $3::text[]))
       FOR SHARE`,
      [this.consumerGroup, keys.map((k) => k.topic), keys.map((k) => k.key)],
    );
    for (const row of rows) parked.set(keyOf(row.topic, row.event_key), { headEventId: row.head_event_id });
    return parked;
  }

  static lookup(parked: Map<string, ParkedKeyState>, topic: string, key: string): ParkedKeyState | undefined {
    return parked.get(keyOf(topic, key));
  }

  /**
   * Appends events behind their parked keys (a redelivered one is kept once). They are stored with
   * the position they were first published at, which is what a release hands to the handler.
   */
  async park(manager: EntityManager, events: Array<{ eventId: string; key: string; origin: RecordPosition; record: ConsumedRecord }>) {
    if (events.length === 0) return;
    await manager.query(
      `INSERT INTO messaging_parked_event
         (consumer_group, topic, event_key, event_id, kafka_partition, kafka_offset, kafka_timestamp, value, headers)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::uuid[], $5::int[], $6::bigint[], $7::text[], $8::bytea[], $9::jsonb[])
       ON CONFLICT (consumer_group, event_id) DO NOTHING`,
      [
        this.consumerGroup,
        events.map((e) => e.origin.topic),
        events.map((e) => e.key),
        events.map((e) => e.eventId),
        events.map((e) => e.origin.partition),
        events.map((e) => e.origin.offset),
        events.map((e) => e.origin.timestamp),
        events.map((e) => e.record.value),
        events.map((e) => JSON.stringify(e.record.headers)),
      ],
    );
  }

  /** Makes `headEventId` the event the key waits for (a new failure, or the same head failing again). */
  async parkKey(manager: EntityManager, topic: string, key: string, headEventId: string): Promise<void> {
    await manager.query(
      `INSERT INTO messaging_parked_key (consumer_group, topic, event_key, head_event_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (consumer_group, topic, event_key) DO UPDATE SET head_event_id = EXCLUDED.head_event_id`,
      [this.consumerGroup, topic, key, headEventId],
    );
  }

  /** The head succeeded: the key's parked events may now be released, in order. */
  async headSucceeded(manager: EntityManager, topic: string, key: string): Promise<void> {
    await manager.query(
      `UPDATE messaging_parked_key SET head_event_id = NULL WHERE consumer_group = $1 AND topic = $2 AND event_key = $3`,
      [this.consumerGroup, topic, key],
    );
  }

  /** Keys whose head has succeeded and whose parked events wait to be released. */
  async releasableKeys(manager: EntityManager): Promise<Array<{ topic: string; key: string }>> {
    const rows: Array<{ topic: string; event_key: string }> = await manager.query(
      `SELECT topic, event_key FROM messaging_parked_key WHERE consumer_group = $1 AND head_event_id IS NULL`,
      [this.consumerGroup],
    );
    return rows.map((row) => ({ topic: row.topic, key: row.event_key }));
  }

  /**
   * Locks a releasable key for this transaction (skipping it when another releaser holds it) and
   * returns its next parked event; `'done'` when the queue is empty (the key is then unparked),
   * `'busy'` when it is locked elsewhere or not releasable.
   */
  async nextToRelease(manager: EntityManager, topic: string, key: string): Promise<ParkedEvent | 'done' | 'busy'> {
    const locked: Array<{ head_event_id: string | null }> = await manager.query(
      `SELECT head_event_id FROM messaging_parked_key
       WHERE consumer_group = $1 AND topic = $2 AND event_key = $3 FOR UPDATE SKIP LOCKED`,
      [this.consumerGroup, topic, key],
    );
    if (locked.length === 0 || locked[0].head_event_id !== null) return 'busy';
    const rows: Array<{
      seq: string;
      event_id: string;
      kafka_partition: number;
      kafka_offset: string;
      kafka_timestamp: string;
      value: Buffer | null;
      headers: Record<string, string>;
    }> = await manager.query(
      `SELECT seq, event_id, kafka_partition, kafka_offset, kafka_timestamp, value, headers FROM messaging_parked_event
       WHERE consumer_group = $1 AND topic = $2 AND event_key = $3 ORDER BY seq LIMIT 1`,
      [this.consumerGroup, topic, key],
    );
    if (rows.length === 0) {
      await manager.query(
        `DELETE FROM messaging_parked_key WHERE consumer_group = $1 AND topic = $2 AND event_key = $3`,
        [this.consumerGroup, topic, key],
      );
      return 'done';
    }
    const row = rows[0];
    return {
      seq: row.seq,
      eventId: row.event_id,
      record: {
        topic,
        partition: row.kafka_partition,
        offset: String(row.kafka_offset),
        timestamp: row.kafka_timestamp,
        key,
        value: row.value,
        headers: row.headers,
      },
    };
  }

  async unpark(manager: EntityManager, seq: string): Promise<void> {
    await manager.query(`DELETE FROM messaging_parked_event WHERE seq = $1`, [seq]);
  }

  async parkedCount(manager: EntityManager, topic: string, key: string): Promise<number> {
    const rows: Array<{ count: string }> = await manager.query(
      `SELECT count(*) FROM messaging_parked_event WHERE consumer_group = $1 AND topic = $2 AND event_key = $3`,
      [this.consumerGroup, topic, key],
    );
    return Number(rows[0].count);
  }
}
