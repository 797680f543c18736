import { CompressionTypes, Message, Producer, TopicMessages } from 'kafkajs';
import { breaksProducer } from './kafka-errors';

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

interface Submission {
  messages: OutgoingMessage[];
  bytes: number;
  /** The partitions ("topic/partition") its messages go to, or undefined when not known yet. */
  partitions?: Set<string>;
  resolve(): void;
  reject(error: unknown): void;
}

/** Submissions waiting for one producer, drained one request at a time. */
interface Lane {
  queue: Submission[];
  draining: boolean;
}

/**
 * Group commit for produce requests. The idempotent producer has one request in flight per broker,
 * so shards publishing at the same time would queue request after request; instead, what the shards
 * submit while a request is in flight goes out together in the next one (up to maxMergedBytes).
 * Per-key order holds: a shard submits its next batch only after the previous one was acknowledged,
 * and a submission's messages keep their order inside the merged request.
 *
 * If a merged request is refused (a missing topic, a record too large for its topic), each
 * submission is retried alone on the same, still healthy producer, so only the shard whose records
 * the broker refuses fails. The broker may have written the other partitions of the failed request,
 * and kafkajs then rewinds their sequence numbers; so submissions are merged only when they go to
 * different partitions (and their partitions are known): the retry alone then repeats exactly the
 * batch each written partition already has, which the idempotent broker acknowledges without
 * writing it twice. If the producer itself broke (connection, timeout, sequence), every
 * submission of the request fails at once: their shards retry on the fresh producer that replaces it.
 * Each producer has its own lane, so a request hanging on a retired producer never holds back the
 * sends of its replacement.
 */
export class ProduceQueue {
  private readonly lanes = new Map<Producer, Lane>();

  constructor(
    /**
     * Most bytes of one merged request. The broker's limit that matters (message.max.bytes) is per
     * partition, and merged submissions never share a partition, so this may be several times the
     * size of one submission: one request then carries every waiting shard's batch.
     */
    private readonly maxMergedBytes: number,
    /** Broker-side acknowledgement timeout of a produce request. */
    private readonly ackTimeoutMs = 30_000,
  ) {}

  send(producer: Producer, messages: OutgoingMessage[], bytes: number, partitions?: Set<string>): Promise<void> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(producer);
      if (!lane) this.lanes.set(producer, (lane = { queue: [], draining: false }));
      lane.queue.push({ messages, bytes, partitions, resolve, reject });
      if (!lane.draining) void this.drain(producer, lane);
    });
  }

  private async drain(producer: Producer, lane: Lane): Promise<void> {
    lane.draining = true;
    try {
      while (lane.queue.length > 0) {
        const merged = this.takeRequest(lane);
        try {
          await this.produce(producer, merged);
          merged.forEach((submission) => submission.resolve());
        } catch (error) {
          if (merged.length === 1 || breaksProducer(error)) {
            merged.forEach((submission) => submission.reject(error));
            continue;
          }
          for (const submission of merged) {
            await this.produce(producer, [submission]).then(() => submission.resolve(), submission.reject);
          }
        }
      }
    } finally {
      lane.draining = false;
      if (this.lanes.get(producer) === lane && lane.queue.length === 0) this.lanes.delete(producer);
    }
  }

  /** The oldest submissions that fit one request and share no partition. */
  private takeRequest(lane: Lane): Submission[] {
    const first = lane.queue.shift()!;
    const merged = [first];
    if (!first.partitions) return merged;
    const partitions = new Set(first.partitions);
    let bytes = first.bytes;
    for (;;) {
      const next = lane.queue[0];
      if (!next?.partitions || bytes + next.bytes > this.maxMergedBytes) break;
      if ([...next.partitions].some((partition) => partitions.has(partition))) break;
      lane.queue.shift();
      merged.push(next);
      next.partitions.forEach((partition) => partitions.add(partition));
      bytes += next.bytes;
    }
    return merged;
  }

  private produce(producer: Producer, submissions: Submission[]): Promise<unknown> {
    const byTopic = new Map<string, Message[]>();
    for (const { messages } of submissions) {
      for (const { topic, message } of messages) {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push(message);
      }
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    return producer.sendBatch({ acks: -1, timeout: this.ackTimeoutMs, compression: CompressionTypes.None, topicMessages });
  }
}
