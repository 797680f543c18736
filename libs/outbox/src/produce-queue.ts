import { CompressionTypes, Message, Producer, TopicMessages } from 'kafkajs';

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

interface Submission {
  producer: Producer;
  messages: OutgoingMessage[];
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for produce requests. The idempotent producer has one request in flight per broker,
 * so shards publishing at the same time would queue request after request; instead, what the shards
 * submit while a request is in flight goes out together in the next one (up to maxRequestBytes).
 * Per-key order holds: a shard submits its next batch only after the previous one was acknowledged,
 * and a submission's messages keep their order inside the merged request.
 *
 * If a merged request fails, each submission is retried alone, so one shard whose records the
 * broker refuses (a missing topic) does not fail the shards it happened to be merged with.
 */
export class ProduceQueue {
  private queue: Submission[] = [];
  private draining = false;

  constructor(private readonly maxRequestBytes: number) {}

  send(producer: Producer, messages: OutgoingMessage[], bytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ producer, messages, bytes, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const merged = this.takeRequest();
        try {
          await produce(merged[0].producer, merged);
          merged.forEach((submission) => submission.resolve());
        } catch (error) {
          if (merged.length === 1) {
            merged[0].reject(error);
            continue;
          }
          for (const submission of merged) {
            await produce(submission.producer, [submission]).then(() => submission.resolve(), submission.reject);
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** The oldest submissions that fit one request and share its producer. */
  private takeRequest(): Submission[] {
    const first = this.queue.shift()!;
    const merged = [first];
    let bytes = first.bytes;
    while (
      this.queue.length > 0 &&
      this.queue[0].producer === first.producer &&
      bytes + this.queue[0].bytes <= this.maxRequestBytes
    ) {
      const next = this.queue.shift()!;
      merged.push(next);
      bytes += next.bytes;
    }
    return merged;
  }
}

function produce(producer: Producer, submissions: Submission[]): Promise<unknown> {
  const byTopic = new Map<string, Message[]>();
  for (const { messages } of submissions) {
    for (const { topic, message } of messages) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(message);
    }
  }
  const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  return producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages });
}
