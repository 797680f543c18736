import { Kafka, Partitioners, Producer, ProducerConfig, RetryOptions } from 'kafkajs';

/** One send's hold on the producer: the producer is not disconnected while a send holds it. */
export interface ProducerUse {
  producer: Producer;
  /** Still the producer new sends should use (not retired, session not closed). */
  fit(): boolean;
  release(): void;
}

interface Session {
  producer: Producer;
  ready: Promise<Producer>;
  uses: number;
  retired: boolean;
}

/**
 * The relay's idempotent producer, connected on first use and shared by every shard.
 *
 * It is replaced only when a send shows the producer itself is unfit (connection, timeout or
 * sequence errors, see breaksProducer): after a timed-out request its sequence numbers may no longer
 * match the broker's, while a fresh producer gets a fresh producer id. A retired producer takes no
 * new sends and is disconnected once the last send using it has settled or given up (each send is
 * bounded by the relay's deadline), so one shard's failure never cuts the sends of the others.
 */
export class ProducerSession {
  private current?: Session;
  private readonly sessions = new Set<Session>();
  private closed = false;
  /** Producers created so far (the first one included). */
  created = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly retry: RetryOptions,
    /** Filled with each topic's partition count as the producers learn it (see ProduceQueue's merge rule). */
    readonly partitionCounts = new Map<string, number>(),
  ) {}

  /** The current producer, connected, held until `release()`. */
  async acquire(): Promise<ProducerUse> {
    if (this.closed) throw new Error('outbox relay producer is closed');
    const session = (this.current ??= this.open());
    session.uses++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      session.uses--;
      if (session.retired && session.uses === 0) void this.disconnect(session);
    };
    try {
      const producer = await session.ready;
      return { producer, release, fit: () => !session.retired && !this.closed };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** No new sends on this producer; it disconnects once no send uses it. */
  retire(producer: Producer): void {
    for (const session of this.sessions) {
      if (session.producer !== producer || session.retired) continue;
      session.retired = true;
      if (this.current === session) this.current = undefined;
      if (session.uses === 0) void this.disconnect(session);
    }
  }

  /** Disconnects; a connect still in flight (broker unreachable) is abandoned after `waitMs` and cleans up itself. */
  async close(waitMs = 2_000): Promise<void> {
    this.closed = true;
    this.current = undefined;
    const all = [...this.sessions].map((session) => this.disconnect(session));
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([Promise.all(all), abandoned]);
    clearTimeout(timer);
  }

  private open(): Session {
    this.created++;
    const config: ProducerConfig = {
      // Idempotence needs acks=-1 and, with maxInFlightRequests 1, also keeps partition order across retries.
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: this.retry,
      // Kafka's (and kafkajs') default partitioning, recording the partition count it sees per topic.
      createPartitioner: () => {
        const partition = Partitioners.DefaultPartitioner();
        return (args) => {
          this.partitionCounts.set(args.topic, args.partitionMetadata.length);
          return partition(args);
        };
      },
    };
    const producer = this.kafka.producer(config);
    const session: Session = { producer, ready: undefined as unknown as Promise<Producer>, uses: 0, retired: false };
    session.ready = producer.connect().then(
      async () => {
        // The relay may have stopped while we were connecting: do not leave a connection behind.
        if (this.closed) await this.disconnect(session);
        return producer;
      },
      async (error) => {
        if (this.current === session) this.current = undefined;
        session.retired = true;
        await this.disconnect(session);
        throw error;
      },
    );
    session.ready.catch(() => undefined);
    this.sessions.add(session);
    return session;
  }

  private async disconnect(session: Session): Promise<void> {
    if (!this.sessions.delete(session)) return;
    await session.producer.disconnect().catch(() => undefined);
  }
}
