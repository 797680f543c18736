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
  const shardCount = options.shardCount ?? DEFAULT_SHARD_COUNT;
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const shards: number[] = [];
  const topics: string[] = [];
  const keys: string[] = [];
  const values: Buffer[] = [];
  const headers: string[] = [];
  records.forEach((record, index) => {
    assertValidRecord(record, index);
    const size = recordBytes(record);
    if (size > maxRecordBytes) {
      throw new OutboxError(
        `outbox record #${index} (topic ${record.topic}, key ${record.key}) is about ${size} bytes, over the ${maxRecordBytes}-byte limit Kafka would refuse`,
      );
    }
    shards.push(shardOf(record.key, shardCount));
    topics.push(record.topic);
    keys.push(record.key);
    values.push(record.value);
    const stored = { ...record.headers };
    if (!stored.ce_id) stored.ce_id = uuidv7();
    if (!stored.traceparent) injectTraceHeaders(stored);
    headers.push(JSON.stringify(stored));
  });
  const wokenShards = [...new Set(shards)].join(',');
  await manager.query(
    `WITH appended AS (
       INSERT INTO outbox (shard, topic, key, value, headers)
       SELECT * FROM unnest($1::smallint[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[])
     )
     SELECT pg_notify('${APPENDED_CHANNEL}', $6)`,
    [shards, topics, keys, values, headers, wokenShards],
  );
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
