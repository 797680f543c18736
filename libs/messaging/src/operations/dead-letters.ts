import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { EventHeaders, FailureHeader, readHeaders } from '../envelope/headers';
import { redriveTopicFor } from '../consumer/failure-routing';

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
  /** What the operations database says: re-driven (`done`), a re-drive that did not finish (`pending`), or `skipped` by `parked skip`. */
  redriven?: { at: Date; by: string; state?: RedriveState };
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
  /** Only the failure records of this event (ce_id). */
  eventId?: string;
  /** Include records already re-driven or skipped (default: only those still waiting, and unfinished re-drives). */
  includeRedriven?: boolean;
}

/** `inventory.dlq` → `inventory.retry`: the fallback when an old record has no retry-topic header. */
function retryTopicForDeadLetterTopic(deadLetterTopic: string): string {
  return deadLetterTopic.endsWith('.dlq') ? redriveTopicFor(deadLetterTopic.slice(0, -'.dlq'.length)) : `${deadLetterTopic}.retry`;
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
      (filter.includeRedriven || !dl.redriven || dl.redriven.state === 'pending') &&
      (!filter.ids || filter.ids.includes(dl.id)) &&
      (!filter.eventId || dl.eventId?.toLowerCase() === filter.eventId.toLowerCase()) &&
      (!filter.topic || dl.originalTopic === filter.topic) &&
      (!filter.group || dl.consumerGroup === filter.group) &&
      (filter.key === undefined || dl.key === filter.key) &&
      (!error || dl.errorClass.toLowerCase().includes(error) || dl.errorMessage.toLowerCase().includes(error)) &&
      (!filter.since || dl.deadLetteredAt >= filter.since) &&
      (!filter.until || dl.deadLetteredAt < filter.until),
  );
}

/** The consumer-group header is missing: nobody can tell which group a re-drive is for. */
export function hasConsumerGroup(dl: DeadLetter): boolean {
  return dl.headers[FailureHeader.consumerGroup] !== undefined && dl.headers[FailureHeader.consumerGroup] !== '';
}

/**
 * Where a re-drive of this dead letter is produced to. The one place that addresses re-drives:
 * today the group's retry topic named in the dead letter (or derived from the dead-letter topic).
 */
export function redriveTopicOf(dl: DeadLetter): string {
  // Re-drives are due at once, so they go to the never-paused re-drive topic, not a delay tier
  // (a dead letter may name the tier it last went through).
  return dl.retryTopic.replace(/\.retry-\d+$/, '.retry');
}

/**
 * Streams a dead-letter topic and keeps only the records that match `filter`, at most `limit`.
 * The end offsets are captured before reading, so records dead-lettered meanwhile are left for the
 * next run, and the topic is read one partition at a time (a throwaway consumer group, deleted
 * afterwards), so memory holds a fetch batch and the matches, never the whole topic. The
 * bookkeeping of the operations database (re-driven, pending, skipped) is joined per batch.
 */
export async function readDeadLetters(
  { kafka, admin, operations }: { kafka: Kafka; admin: Admin; operations: DataSource },
  deadLetterTopic: string,
  filter: DeadLetterFilter = {},
  { limit = Number.POSITIVE_INFINITY, timeoutMs = 30_000 }: { limit?: number; timeoutMs?: number } = {},
): Promise<{ deadLetters: DeadLetter[]; truncated: boolean }> {
  const ends = await admin.fetchTopicOffsets(deadLetterTopic);
  const wanted = filter.ids ? offsetsByPartition(filter.ids) : undefined;
  const ranges: PartitionRange[] = [];
  for (const p of ends.sort((a, b) => a.partition - b.partition)) {
    let from = BigInt(p.low);
    const to = BigInt(p.high);
    if (wanted) {
      const offsets = wanted.get(p.partition);
      if (!offsets) continue;
      const first = offsets.reduce((min, o) => (o < min ? o : min));
      if (first > from) from = first;
    }
    if (from < to) ranges.push({ partition: p.partition, from, to });
  }
  const deadLetters: DeadLetter[] = [];
  let truncated = false;
  await scanPartitions(kafka, admin, deadLetterTopic, ranges, timeoutMs, async (partition, messages) => {
    const batch = messages.map((message) =>
      toDeadLetter(deadLetterTopic, {
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
        key: message.key?.toString('utf8') ?? null,
        value: message.value,
        headers: readHeaders(message.headers),
      }),
    );
    await markBookkeeping(operations, deadLetterTopic, partition, batch);
    for (const dl of filterDeadLetters(batch, filter)) {
      if (deadLetters.length >= limit) {
        truncated = true;
        return 'stop';
      }
      deadLetters.push(dl);
    }
    return 'more';
  });
  deadLetters.sort((a, b) => a.deadLetteredAt.getTime() - b.deadLetteredAt.getTime() || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  return { deadLetters, truncated };
}

function offsetsByPartition(ids: string[]): Map<number, bigint[]> {
  const byPartition = new Map<number, bigint[]>();
  for (const id of ids) {
    const match = /^(\d+):(\d+)$/.exec(id.trim());
    if (!match) throw new Error(`"${id}" is not a dead-letter id: use <partition>:<offset> as dlq list prints it`);
    const partition = Number(match[1]);
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), BigInt(match[2])]);
  }
  return byPartition;
}

async function markBookkeeping(operations: DataSource, deadLetterTopic: string, partition: number, batch: DeadLetter[]): Promise<void> {
  if (batch.length === 0) return;
  const rows: Array<{ kafka_offset: string; redriven_at: Date; operator: string; state: RedriveState }> = await operations.query(
    `SELECT kafka_offset, redriven_at, operator, state FROM dead_letter_redrive
     WHERE dead_letter_topic = $1 AND kafka_partition = $2 AND kafka_offset = ANY($3::bigint[])`,
    [deadLetterTopic, partition, batch.map((dl) => dl.offset)],
  );
  const byOffset = new Map(rows.map((row) => [String(row.kafka_offset), row]));
  for (const dl of batch) {
    const row = byOffset.get(dl.offset);
    if (row) dl.redriven = { at: row.redriven_at, by: row.operator, state: row.state };
  }
}

export interface PartitionRange {
  partition: number;
  /** First offset to read. */
  from: bigint;
  /** End offset captured at the start (exclusive). */
  to: bigint;
}

/**
 * Reads `ranges` of a topic one partition after the other: the other partitions stay paused, each
 * partition is sought to its first offset, and its records are handed to `visit` batch by batch
 * until its captured end (or until `visit` says stop). kafkajs has no manual assignment, hence the
 * throwaway group with pause/seek/resume.
 */
export async function scanPartitions(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  ranges: PartitionRange[],
  timeoutMs: number,
  visit: (partition: number, messages: KafkaMessage[]) => Promise<'more' | 'stop'>,
): Promise<void> {
  if (ranges.length === 0) return;
  const groupId = `omnibus-cli-read-${randomBytes(6).toString('hex')}`;
  const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  let reading: { range: PartitionRange; next: bigint; done: (stop: boolean) => void; fail: (error: unknown) => void } | undefined;
  await reader.connect();
  try {
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    const running = reader.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const current = reading;
        if (!current || batch.partition !== current.range.partition) return;
        try {
          // Only what lies between where this range has got to and the captured end: a batch
          // fetched before the seek, or records appended since the start, are not read twice or at all.
          const messages = batch.messages.filter((m) => BigInt(m.offset) >= current.next && BigInt(m.offset) < current.range.to);
          if (messages.length > 0) current.next = BigInt(messages[messages.length - 1].offset) + 1n;
          if (!batch.isEmpty() && BigInt(batch.lastOffset()) + 1n > current.next) current.next = BigInt(batch.lastOffset()) + 1n;
          const verdict = messages.length > 0 ? await visit(current.range.partition, messages) : 'more';
          if (verdict === 'stop' || current.next >= current.range.to) current.done(verdict === 'stop');
        } catch (error) {
          current.fail(error);
        }
      },
    });
    await running;
    reader.pause([{ topic }]);
    const deadline = Date.now() + timeoutMs;
    for (const range of ranges) {
      const stop = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading partition ${range.partition} of ${topic} took longer than ${timeoutMs} ms in all`)),
          Math.max(0, deadline - Date.now()),
        );
        reading = {
          range,
          next: range.from,
          done: (stopped) => {
            clearTimeout(timer);
            resolve(stopped);
          },
          fail: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        reader.seek({ topic, partition: range.partition, offset: range.from.toString() });
        reader.resume([{ topic, partitions: [range.partition] }]);
      });
      reader.pause([{ topic, partitions: [range.partition] }]);
      reading = undefined;
      if (stop) break;
    }
  } finally {
    reading = undefined;
    await reader.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

export type RedriveState = 'pending' | 'done' | 'skipped';

export interface RedriveOutcome {
  redriven: Array<{ id: string; targetTopic: string }>;
  /** Dead letters not sent, with the reason (no consumer-group header). */
  refused: Array<{ id: string; reason: string }>;
}

/**
 * Re-drives dead letters: each record goes to its consumer group's retry topic, due now and
 * addressed to that group only, with its original key, value and envelope, its origin, and fresh
 * retry rounds. Records are sent in dead-letter order (which per key is failure order).
 *
 * Why the retry topic and not the original topic: several groups consume an aggregate stream
 * (retail.orders feeds five services) and only the owner publishes to it. Republishing there would
 * hand the event to every group again — harmless thanks to their inboxes, but noisy, against topic
 * ownership, and a group that dead-lettered it too would silently process it without its own
 * operator deciding to. The retry topic reaches exactly the group that failed.
 *
 * Bookkeeping and record cannot share a transaction (PostgreSQL and Kafka), so the bookkeeping
 * comes first, keyed by the dead letter's own position (deterministic, one row per dead letter):
 * `pending`, then the send, then `done`. A crash before the send leaves `pending`, which `dlq list`
 * shows and `redrive` picks up again: the re-drive is not lost. A crash after the send but before
 * `done` makes the next `redrive` send it once more: the same event id, which the group's inbox
 * absorbs. The other order (send, then write) would lose the record of a re-drive that happened
 * and make a failing bookkeeping write invisible.
 *
 * A dead letter without `omnibus-consumer-group` is refused: a retry record without it reaches no
 * group (every group skips it), so marking it re-driven would silently drop it.
 */
export async function redriveDeadLetters(
  { producer, operations }: { producer: Producer; operations: DataSource },
  deadLetters: DeadLetter[],
  operator: string,
): Promise<RedriveOutcome> {
  const outcome: RedriveOutcome = { redriven: [], refused: [] };
  const now = new Date();
  for (const dl of deadLetters) {
    if (!hasConsumerGroup(dl)) {
      outcome.refused.push({ id: dl.id, reason: missingGroupReason(dl) });
      continue;
    }
    const targetTopic = redriveTopicOf(dl);
    await operations.query(
      `INSERT INTO dead_letter_redrive (dead_letter_topic, kafka_partition, kafka_offset, event_id, target_topic, consumer_group, operator, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')
       ON CONFLICT (dead_letter_topic, kafka_partition, kafka_offset)
       DO UPDATE SET redriven_at = now(), operator = EXCLUDED.operator, target_topic = EXCLUDED.target_topic, state = 'pending'`,
      [dl.deadLetterTopic, dl.partition, dl.offset, dl.eventId ?? null, targetTopic, dl.consumerGroup, operator],
    );
    await sendRedrive(producer, dl, operator, now);
    await operations.query(
      `UPDATE dead_letter_redrive SET state = 'done' WHERE dead_letter_topic = $1 AND kafka_partition = $2 AND kafka_offset = $3`,
      [dl.deadLetterTopic, dl.partition, dl.offset],
    );
    outcome.redriven.push({ id: dl.id, targetTopic });
  }
  return outcome;
}

/** Produces the re-drive record of a dead letter (or of a retry record): to its group, due now. */
export async function sendRedrive(producer: Producer, dl: DeadLetter, operator: string, now = new Date()): Promise<string> {
  const topic = redriveTopicOf(dl);
  await producer.send({ topic, acks: -1, messages: [{ key: dl.key, value: dl.value, headers: redriveHeaders(dl, operator, now) }] });
  return topic;
}

export function missingGroupReason(dl: DeadLetter): string {
  return (
    `dead letter ${dl.id} of ${dl.deadLetterTopic} has no ${FailureHeader.consumerGroup} header, so no consumer group would take a re-drive of it ` +
    '(it was not written by the messaging runtime, or by a version without that header): not re-driven. ' +
    'Republish its event from the owning service, or leave it out with --id'
  );
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
