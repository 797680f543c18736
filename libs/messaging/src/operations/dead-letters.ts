import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { EventHeaders, FailureHeader, readHeaders } from '../envelope/headers';
import { retryTopicOf } from '../consumer/failure-routing';

/** A record of a dead-letter topic, with what its headers say about the failure. */
export interface DeadLetter {
  /** `<partition>:<offset>` in the dead-letter topic: what `dlq show` and `dlq redrive --id` take. */
  id: string;
  deadLetterTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: EventHeaders;
  eventId?: string;
  eventType?: string;
  originalTopic: string;
  originalPartition: string;
  originalOffset: string;
  consumerGroup: string;
  /** Where a re-drive goes: the group's retry topic. */
  retryTopic: string;
  errorClass: string;
  errorMessage: string;
  errorKind: string;
  attempts: number;
  firstFailureAt?: string;
  lastFailureAt?: string;
  deadLetteredAt: Date;
  /** The handler is sequenced: later events of this key wait parked behind this one in the service database. */
  sequenced: boolean;
  redriven?: { at: Date; by: string };
}

export interface DeadLetterFilter {
  /** Original topic. */
  topic?: string;
  group?: string;
  key?: string;
  /** Case-insensitive substring of the error class or message. */
  error?: string;
  /** Dead-lettered at or after / before. */
  since?: Date;
  until?: Date;
  ids?: string[];
  /** Include records already re-driven (default: only those still waiting). */
  includeRedriven?: boolean;
}

/** `inventory.dlq` → `inventory.retry`: the fallback when an old record has no retry-topic header. */
function retryTopicForDeadLetterTopic(deadLetterTopic: string): string {
  return deadLetterTopic.endsWith('.dlq') ? retryTopicOf(deadLetterTopic.slice(0, -'.dlq'.length)) : `${deadLetterTopic}.retry`;
}

export function toDeadLetter(
  deadLetterTopic: string,
  record: { partition: number; offset: string; timestamp: string; key: string | null; value: Buffer | null; headers: EventHeaders },
): DeadLetter {
  const h = record.headers;
  const deadLetteredAt = h[FailureHeader.deadLetteredAt] ? new Date(h[FailureHeader.deadLetteredAt]) : new Date(Number(record.timestamp));
  return {
    id: `${record.partition}:${record.offset}`,
    deadLetterTopic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers: h,
    eventId: h.ce_id,
    eventType: h.ce_type,
    originalTopic: h[FailureHeader.originalTopic] ?? '?',
    originalPartition: h[FailureHeader.originalPartition] ?? '?',
    originalOffset: h[FailureHeader.originalOffset] ?? '?',
    consumerGroup: h[FailureHeader.consumerGroup] ?? '?',
    retryTopic: h[FailureHeader.retryTopic] ?? retryTopicForDeadLetterTopic(deadLetterTopic),
    errorClass: h[FailureHeader.errorClass] ?? '?',
    errorMessage: h[FailureHeader.errorMessage] ?? '',
    errorKind: h[FailureHeader.errorKind] ?? '?',
    attempts: Number(h[FailureHeader.attempts] ?? 0),
    firstFailureAt: h[FailureHeader.firstFailureAt],
    lastFailureAt: h[FailureHeader.lastFailureAt],
    deadLetteredAt,
    sequenced: h[FailureHeader.sequenced] === 'true',
  };
}

export function filterDeadLetters(deadLetters: DeadLetter[], filter: DeadLetterFilter): DeadLetter[] {
  const error = filter.error?.toLowerCase();
  return deadLetters.filter(
    (dl) =>
      (filter.includeRedriven || !dl.redriven) &&
      (!filter.ids || filter.ids.includes(dl.id)) &&
      (!filter.topic || dl.originalTopic === filter.topic) &&
      (!filter.group || dl.consumerGroup === filter.group) &&
      (filter.key === undefined || dl.key === filter.key) &&
      (!error || dl.errorClass.toLowerCase().includes(error) || dl.errorMessage.toLowerCase().includes(error)) &&
      (!filter.since || dl.deadLetteredAt >= filter.since) &&
      (!filter.until || dl.deadLetteredAt < filter.until),
  );
}

/**
 * Reads a dead-letter topic from its start to its current end with a throwaway consumer group
 * (deleted afterwards), and marks what the operations database says was re-driven.
 */
export async function readDeadLetters(
  { kafka, admin, operations }: { kafka: Kafka; admin: Admin; operations: DataSource },
  deadLetterTopic: string,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<DeadLetter[]> {
  const ends = await admin.fetchTopicOffsets(deadLetterTopic);
  const remaining = new Map<number, bigint>();
  for (const p of ends) if (BigInt(p.high) > BigInt(p.low)) remaining.set(p.partition, BigInt(p.high) - 1n);
  const deadLetters: DeadLetter[] = [];
  if (remaining.size > 0) {
    const groupId = `omnibus-cli-dlq-${randomBytes(6).toString('hex')}`;
    const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await reader.connect();
    try {
      await reader.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${deadLetterTopic} took longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
        reader
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const last = remaining.get(batch.partition);
              if (last === undefined) return;
              for (const message of batch.messages) {
                if (BigInt(message.offset) > last) break;
                deadLetters.push(
                  toDeadLetter(deadLetterTopic, {
                    partition: batch.partition,
                    offset: message.offset,
                    timestamp: message.timestamp,
                    key: message.key?.toString('utf8') ?? null,
                    value: message.value,
                    headers: readHeaders(message.headers),
                  }),
                );
                if (BigInt(message.offset) >= last) {
                  remaining.delete(batch.partition);
                  break;
                }
              }
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await reader.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }
  const redriven: Array<{ kafka_partition: number; kafka_offset: string; redriven_at: Date; operator: string }> =
    await operations.query(
      `SELECT kafka_partition, kafka_offset, redriven_at, operator FROM dead_letter_redrive WHERE dead_letter_topic = $1`,
      [deadLetterTopic],
    );
  const byId = new Map(redriven.map((row) => [`${row.kafka_partition}:${row.kafka_offset}`, row]));
  for (const dl of deadLetters) {
    const row = byId.get(dl.id);
    if (row) dl.redriven = { at: row.redriven_at, by: row.operator };
  }
  return deadLetters.sort((a, b) => a.deadLetteredAt.getTime() - b.deadLetteredAt.getTime() || a.id.localeCompare(b.id));
}

/**
 * Re-drives dead letters: each record goes to its consumer group's retry topic, due now and
 * addressed to that group only, with its original key, value and envelope, its origin, and fresh
 * retry rounds. Records are sent in dead-letter order (which per key is failure order) and each is
 * marked re-driven once the broker has it.
 *
 * Why the retry topic and not the original topic: several groups consume an aggregate stream
 * (retail.orders feeds five services) and only the owner publishes to it. Republishing there would
 * hand the event to every group again — harmless thanks to their inboxes, but noisy, against topic
 * ownership, and a group that dead-lettered it too would silently process it without its own
 * operator deciding to. The retry topic reaches exactly the group that failed.
 */
export async function redriveDeadLetters(
  { producer, operations }: { producer: Producer; operations: DataSource },
  deadLetters: DeadLetter[],
  operator: string,
): Promise<Array<{ id: string; targetTopic: string }>> {
  const done: Array<{ id: string; targetTopic: string }> = [];
  const now = new Date();
  for (const dl of deadLetters) {
    const headers = redriveHeaders(dl, operator, now);
    await producer.send({ topic: dl.retryTopic, acks: -1, messages: [{ key: dl.key, value: dl.value, headers }] });
    await operations.query(
      `INSERT INTO dead_letter_redrive (dead_letter_topic, kafka_partition, kafka_offset, event_id, target_topic, consumer_group, operator)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (dead_letter_topic, kafka_partition, kafka_offset)
       DO UPDATE SET redriven_at = now(), operator = EXCLUDED.operator, target_topic = EXCLUDED.target_topic`,
      [dl.deadLetterTopic, dl.partition, dl.offset, dl.eventId ?? null, dl.retryTopic, dl.consumerGroup, operator],
    );
    done.push({ id: dl.id, targetTopic: dl.retryTopic });
  }
  return done;
}

export function redriveHeaders(dl: DeadLetter, operator: string, now: Date): EventHeaders {
  const h = dl.headers;
  const headers: EventHeaders = {};
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith('omnibus-')) headers[name] = value;
  }
  const keep = [
    FailureHeader.originalTopic,
    FailureHeader.originalPartition,
    FailureHeader.originalOffset,
    FailureHeader.originalTimestamp,
    FailureHeader.consumerGroup,
    FailureHeader.firstFailureAt,
    FailureHeader.sequenced,
  ];
  for (const name of keep) if (h[name] !== undefined) headers[name] = h[name];
  headers[FailureHeader.notBefore] = now.toISOString();
  headers[FailureHeader.redrivenAt] = now.toISOString();
  headers[FailureHeader.redrivenBy] = operator;
  headers[FailureHeader.redriveCount] = String(Number(h[FailureHeader.redriveCount] ?? 0) + 1);
  return headers;
}
