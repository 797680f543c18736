import { Kafka, Producer, ProducerConfig, RetryOptions } from 'kafkajs';

/**
 * The relay's idempotent producer, connected on first use and replaced after any failed send.
 *
 * Replacing it matters: after a timed-out request the old producer's sequence numbers may no longer
 * match the broker's, while a fresh producer gets a fresh producer id. Events of a failed batch stay
 * unpublished in the outbox and are re-sent by the next producer (the at-least-once edge the inbox
 * absorbs).
 */
export class ProducerSession {
  private current?: Promise<Producer>;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly retry: RetryOptions,
  ) {}

  get(): Promise<Producer> {
    if (this.closed) return Promise.reject(new Error('outbox relay producer is closed'));
    if (!this.current) {
      const config: ProducerConfig = {
        // Idempotence needs acks=-1 and, with maxInFlightRequests 1, also keeps partition order across retries.
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: this.retry,
      };
      const producer = this.kafka.producer(config);
      const connecting = producer.connect().then(
        async () => {
          // The relay may have stopped while we were connecting: do not leave a connection behind.
          if (this.closed) await producer.disconnect().catch(() => undefined);
          return producer;
        },
        async (error) => {
          if (this.current === connecting) this.current = undefined;
          await producer.disconnect().catch(() => undefined);
          throw error;
        },
      );
      connecting.catch(() => undefined);
      this.current = connecting;
    }
    return this.current;
  }

  /** Drops the producer after a failure so the next batch starts a fresh idempotent session. */
  async reset(failed: Producer): Promise<void> {
    const current = this.current;
    if (!current) return;
    const producer = await current.catch(() => undefined);
    if (producer !== failed) return;
    this.current = undefined;
    await producer.disconnect().catch(() => undefined);
  }

  /** Disconnects; a connect still in flight (broker unreachable) is abandoned after `waitMs` and cleans up itself. */
  async close(waitMs = 2_000): Promise<void> {
    this.closed = true;
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    const disconnected = current.then(
      (producer) => producer.disconnect().catch(() => undefined),
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([disconnected, abandoned]);
    clearTimeout(timer);
  }
}
