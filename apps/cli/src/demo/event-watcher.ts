import { CloudEventHeader, JourneyHeader, readHeaders } from '@omnibus/messaging';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';

/** Per topic, per partition: an offset (the next one to read, or the end of the log). */
export type Offsets = Map<string, Map<number, string>>;

/** One record as the demo shows it: where it is, its envelope, and its bytes. */
export interface SeenEvent {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  type: string;
  id: string;
  /** ce_time: when the event happened (ISO 8601). */
  time: string;
  correlationId: string | undefined;
  causationId: string | undefined;
  traceId: string | undefined;
  value: Buffer | null;
}

/** The end of each partition's log now: what is published later lies beyond it. */
export async function endOffsets(admin: Admin, topics: string[]): Promise<Offsets> {
  const offsets: Offsets = new Map();
  for (const topic of topics) {
    const partitions = await admin.fetchTopicOffsets(topic);
    offsets.set(topic, new Map(partitions.map((p) => [p.partition, p.high])));
  }
  return offsets;
}

/**
 * Reads topics from given offsets on (a throwaway consumer group that commits nothing, deleted on
 * stop) and keeps every record, so the demo can wait for the one it expects and show a journey's events in order.
 */
export class EventWatcher {
  readonly events: SeenEvent[] = [];
  private readonly positions = new Map<string, bigint>();

  private constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly groupId: string,
  ) {}

  static async start(kafka: Kafka, admin: Admin, from: Offsets): Promise<EventWatcher> {
    const groupId = `omnibus-demo.${randomBytes(4).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const watcher = new EventWatcher(consumer, admin, groupId);
    for (const [topic, partitions] of from) for (const [partition, offset] of partitions) watcher.positions.set(`${topic}:${partition}`, BigInt(offset));
    await consumer.connect();
    await consumer.subscribe({ topics: [...from.keys()] });
    const running = consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const headers = readHeaders(message.headers as never);
        watcher.events.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          type: headers[CloudEventHeader.type] ?? '(no ce_type)',
          id: headers[CloudEventHeader.id] ?? '(no ce_id)',
          time: headers[CloudEventHeader.time] ?? '',
          correlationId: headers[JourneyHeader.correlationId],
          causationId: headers[JourneyHeader.causationId],
          traceId: headers.traceparent?.split('-')[1],
          value: message.value,
        });
        watcher.positions.set(`${topic}:${partition}`, BigInt(message.offset) + 1n);
      },
    });
    // Seeks given before the group is joined decide where the first fetch starts: where the demo began.
    for (const [topic, partitions] of from) for (const [partition, offset] of partitions) consumer.seek({ topic, partition, offset });
    await running;
    return watcher;
  }

  /** True once every partition has been read up to `offsets`. */
  caughtUp(offsets: Offsets): boolean {
    for (const [topic, partitions] of offsets) {
      for (const [partition, end] of partitions) {
        if ((this.positions.get(`${topic}:${partition}`) ?? 0n) < BigInt(end)) return false;
      }
    }
    return true;
  }

  /** Polls `find` over what has been read until it returns something, or fails after `timeoutMs` saying `what`. */
  async until<T>(find: (events: SeenEvent[]) => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await find(this.events);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
  }
}
