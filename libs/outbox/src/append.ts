import { injectTraceHeaders } from '@omnibus/observability';
import { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { APPENDED_CHANNEL } from './schema';
import { DEFAULT_SHARD_COUNT, shardOf } from './shard';
import { MAX_RECORD_BYTES, recordBytes } from './sizes';

export interface OutboxRecord {
  /** Kafka topic, e.g. `retail.orders`. */
  topic: string;
  /** Kafka key (the aggregate id). Events of one key are published in append order. */
  key: string;
  /** The encoded value (Confluent wire format: magic byte, schema id, Avro binary). */
  value: Buffer;
  /** Kafka headers: CloudEvents binding (`ce_id`, `ce_type`, …), `traceparent`, correlation and causation ids. */
  headers: Record<string, string>;
}

export interface AppendOptions {
  /** Must equal the relays' `shardCount` (both default to DEFAULT_SHARD_COUNT). */
  shardCount?: number;
  /**
   * Refuse records bigger than this (estimated encoded size), here, at the source, rather than
   * have the relay fail on them forever. Default MAX_RECORD_BYTES (fits Kafka's default limit).
   */
  maxRecordBytes?: number;
}

export class OutboxError extends Error {
  override name = 'OutboxError';
}

/**
 * Adds records to the outbox inside the caller's transaction (the EntityManager of an open TypeORM
 * transaction): they become visible to the relay when, and only if, that transaction commits.
 *
 * One multi-row INSERT (arrays unnested server-side, so the statement text never changes) plus
 * `pg_notify`, which PostgreSQL delivers only on commit — a rolled-back transaction wakes nobody.
 * A record without `ce_id` gets a UUIDv7 (consumers dedupe on it), and without `traceparent` it gets
 * the active span's trace context.
 */
export async function appendToOutbox(
  manager: EntityManager,
  records: OutboxRecord[],
  options: AppendOptions = {},
): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new OutboxError(
      'appendToOutbox needs the EntityManager of an open transaction (e.g. inside dataSource.transaction(manager => …)); ' +
        'appending outside one would publish events of a state change that may never commit',
    );
  }
  if (records.length === 0) return;
  const rows = outboxRows(records, options);
  const insert = outboxInsert(rows, 1);
  await manager.query(`WITH appended AS (${insert.sql}) SELECT pg_notify('${APPENDED_CHANNEL}', $${insert.params.length + 1})`, [...insert.params, rows.wokenShards]);
}

/** Outbox records as the columns of one multi-row INSERT, checked as `appendToOutbox` checks them. */
export interface OutboxRows {
  shards: number[];
  topics: string[];
  keys: string[];
  values: Buffer[];
  /** JSON of each record's headers, `ce_id` and `traceparent` filled in. */
  headers: string[];
  /** The payload of the NOTIFY that wakes the relays of these shards. */
  wokenShards: string;
}

/** Validates `records` and turns them into outbox rows (a UUIDv7 `ce_id`, the active span's trace context when missing). */
export function outboxRows(records: OutboxRecord[], options: AppendOptions = {}): OutboxRows {
  const shardCount = options.shardCount ?? DEFAULT_SHARD_COUNT;
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const rows: OutboxRows = { shards: [], topics: [], keys: [], values: [], headers: [], wokenShards: '' };
  records.forEach((record, index) => {
    assertValidRecord(record, index);
    const size = recordBytes(record);
    if (size > maxRecordBytes) {
      throw new OutboxError(
        `outbox record #${index} (topic ${record.topic}, key ${record.key}) is about ${size} bytes, over the ${maxRecordBytes}-byte limit Kafka would refuse`,
      );
    }
    rows.shards.push(shardOf(record.key, shardCount));
    rows.topics.push(record.topic);
    rows.keys.push(record.key);
    rows.values.push(record.value);
    const stored = { ...record.headers };
    if (!stored.ce_id) stored.ce_id = uuidv7();
    if (!stored.traceparent) injectTraceHeaders(stored);
    rows.headers.push(JSON.stringify(stored));
  });
  rows.wokenShards = [...new Set(rows.shards)].join(',');
  return rows;
}

/**
 * The INSERT of `rows` (arrays unnested server-side, so the statement text never changes) with its
 * parameters numbered from `firstParam`, for a caller that writes its state change and its outbox
 * rows in ONE statement (a data-modifying CTE): a statement is atomic, so they commit together even
 * without an explicit transaction, and the caller saves the round trips of BEGIN and COMMIT. That
 * statement must also `SELECT pg_notify(OUTBOX_APPENDED_CHANNEL, <rows.wokenShards>)`, as
 * appendToOutbox does. `where` (SQL) makes the insert conditional, e.g. on a row the statement claimed.
 */
export function outboxInsert(rows: OutboxRows, firstParam: number, where?: string): { sql: string; params: unknown[] } {
  const [shard, topic, key, value, headers] = [0, 1, 2, 3, 4].map((offset) => `$${firstParam + offset}`);
  return {
    sql:
      `INSERT INTO outbox (shard, topic, key, value, headers) ` +
      `SELECT * FROM unnest(${shard}::smallint[], ${topic}::text[], ${key}::text[], ${value}::bytea[], ${headers}::jsonb[])${where ? ` WHERE ${where}` : ''}`,
    params: [rows.shards, rows.topics, rows.keys, rows.values, rows.headers],
  };
}

function assertValidRecord(record: OutboxRecord, index: number): void {
  const where = `outbox record #${index}`;
  if (!record || typeof record !== 'object') throw new OutboxError(`${where} is not an object`);
  if (typeof record.topic !== 'string' || record.topic.length === 0) {
    throw new OutboxError(`${where} needs a topic`);
  }
  if (typeof record.key !== 'string' || record.key.length === 0) {
    throw new OutboxError(`${where} (topic ${record.topic}) needs a non-empty key: per-key order depends on it`);
  }
  if (!Buffer.isBuffer(record.value)) {
    throw new OutboxError(`${where} (topic ${record.topic}, key ${record.key}) needs a Buffer value`);
  }
  if (!record.headers || typeof record.headers !== 'object') {
    throw new OutboxError(`${where} (topic ${record.topic}, key ${record.key}) needs headers`);
  }
  for (const [name, value] of Object.entries(record.headers)) {
    if (typeof value !== 'string') {
      throw new OutboxError(`${where} (topic ${record.topic}, key ${record.key}): header ${name} must be a string`);
    }
  }
}
