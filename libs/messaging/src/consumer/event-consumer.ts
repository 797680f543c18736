import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { createLogger, Logger } from '@omnibus/observability';
import { watchParkedKeys } from '../operations/parked-keys-metrics';
import type { EventDecoder } from '../codec';
import { readHeaders } from '../envelope/headers';
import type { EventOutbox } from '../publishing/event-outbox';
import type { RunnableHandler } from './delivery';
import { DeliveryAbandoned, DeliveryProcessor, PartitionControl, PartitionRecords } from './delivery-processor';
import { deadLetterTopicOf, defaultRetrySchedule, redriveTopicFor, retryTierTopicsOf, RetrySchedule } from './failure-routing';
import { describeError } from './failures';
import { purgeInbox } from './inbox';
import { consumerMetrics } from './metrics';
import { composeMiddleware, instrumentHandler } from './middleware';
import { ParkedEventReleaser } from './parked-event-releaser';
import type { HandlerRegistration, Middleware } from './types';

export interface EventConsumerOptions {
  kafka: Kafka;
  /**
   * The service: it consumes its retries from `<service>.retry-1` … `-<n>` (one per retry delay),
   * re-drives from `<service>.retry`, and dead-letters to `<service>.dlq`.
   */
  service: string;
  /** Consumer group (default: the service name). Inbox, parking and retries are per group. */
  groupId?: string;
  /** The aggregate streams to consume. The retry-tier and re-drive topics are added automatically. */
  topics: string[];
  /** The service database: inbox, parking tables and the handlers' effects live there (see `inboxMigrations`). */
  dataSource: DataSource;
  decoder: EventDecoder;
  /** Lets handlers stage follow-up events (`context.emit`). */
  outbox?: EventOutbox;
  handlers: HandlerRegistration[];
  /** Extra middlewares, run inside the consume span and the latency measure, outermost first. */
  middlewares?: Middleware[];
  /**
   * The built-in instrumentation: a consume span per event (continuing the producer's trace) and the
   * handler latency histogram. Both on by default; outcome counters and lag are always kept.
   */
  instrumentation?: { tracing?: boolean; handlerLatency?: boolean };
  retry?: Partial<RetrySchedule>;
  /** Upper bound of events handled in one database transaction (default 500). */
  maxEventsPerTransaction?: number;
  /** Partitions processed at once, each in its own transaction (default 3). */
  partitionsConsumedConcurrently?: number;
  /** Where a new consumer group starts (default: the beginning of the retained stream). */
  fromBeginning?: boolean;
  /** Inbox rows older than this are purged (default 35 days: beyond the 30-day dead-letter retention). */
  inboxRetentionMs?: number;
  /** How often the inbox purge runs (default hourly; 0 disables it in this instance). */
  inboxPurgeIntervalMs?: number;
  /** How often keys whose parked events are releasable are looked for (default 30 s). */
  parkedSweepIntervalMs?: number;
  /** Bounds of the pause of a partition whose database or dependency is unavailable. */
  blockedBackoffMs?: { initial: number; max: number };
  /** kafkajs consumer settings (session timeout, fetch sizes…). */
  consumerConfig?: Partial<ConsumerConfig>;
  logger?: Logger;
  hooks?: ConsumerHooks;
}

export interface ConsumerHooks {
  /**
   * Runs after a transaction has committed and before the consumer group offset is committed.
   * Fault-injection tests kill the process here to prove that redelivery does no harm.
   */
  afterTransactionCommit?(info: { topic: string; partition: number; lastOffset: string }): void | Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The consumer runtime: kafkajs `eachBatch` with manual offset commits, partitions in parallel,
 * every batch applied through the inbox in one transaction per partition chunk, failures retried,
 * delayed or dead-lettered, partitions paused while they wait.
 */
const RUN_LOOP_ENDED = 'its run loop ended';

export class EventConsumer {
  readonly groupId: string;
  /** `<service>.retry-<tier>`, one per `retryTopicDelaysMs` entry. */
  readonly retryTierTopics: string[];
  /** `<service>.retry`: operator re-drives, due at once. */
  readonly redriveTopic: string;
  readonly deadLetterTopic: string;
  private readonly logger: Logger;
  private readonly processor: DeliveryProcessor;
  private readonly releaser: ParkedEventReleaser;
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly blockedBackoff = new Map<string, number>();
  private consumer?: Consumer;
  private producer?: Producer;
  private stopping?: Promise<void>;
  private started = false;
  private stopWatchingParked?: () => void;
  /** Why this consumer no longer consumes although nobody stopped it (kafkajs crash without restart, run loop ended). */
  private failure?: string;
  /** Set while kafkajs restarts the consumer after a retriable crash (e.g. the group coordinator still loading). */
  private restarting?: string;

  constructor(private readonly options: EventConsumerOptions) {
    this.groupId = options.groupId ?? options.service;
    const schedule = { ...defaultRetrySchedule, ...options.retry };
    this.retryTierTopics = retryTierTopicsOf(options.service, schedule.retryTopicDelaysMs.length);
    this.redriveTopic = redriveTopicFor(options.service);
    this.deadLetterTopic = deadLetterTopicOf(options.service);
    this.logger = (options.logger ?? createLogger({ service: options.service })).child({ consumerGroup: this.groupId });
    const { tracing = true, handlerLatency = true } = options.instrumentation ?? {};
    const handlers = new Map<string, RunnableHandler>();
    for (const registration of options.handlers) {
      if (handlers.has(registration.eventType)) {
        throw new Error(`two handlers for ${registration.eventType} in consumer group ${this.groupId}: combine them`);
      }
      handlers.set(registration.eventType, {
        eventType: registration.eventType,
        sequenced: registration.sequenced ?? false,
        handle: instrumentHandler(composeMiddleware(options.middlewares ?? [], registration.handle), { tracing, handlerLatency }),
      });
    }
    this.processor = new DeliveryProcessor({
      consumerGroup: this.groupId,
      dataSource: options.dataSource,
      decoder: options.decoder,
      handlers,
      outbox: options.outbox,
      schedule,
      retryTierTopics: this.retryTierTopics,
      redriveTopic: this.redriveTopic,
      deadLetterTopic: this.deadLetterTopic,
      maxEventsPerTransaction: options.maxEventsPerTransaction ?? 500,
      sendFailureRecord: (record) => this.sendFailureRecord(record),
      onHeadsSucceeded: (keys) => this.releaser.release(keys),
      afterTransactionCommit: options.hooks?.afterTransactionCommit,
      abortSignal: this.abort.signal,
      logger: this.logger,
    });
    this.releaser = new ParkedEventReleaser(options.dataSource, this.processor, this.logger);
  }

  async start(): Promise<void> {
    const { kafka } = this.options;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      ...this.options.consumerConfig,
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ error: payload.error?.message, restart: payload.restart }, 'kafka consumer crashed');
      if (!payload.restart) {
        this.failure = `crashed and will not restart: ${payload.error?.message ?? 'unknown error'}`;
        return;
      }
      // kafkajs stops the consumer (STOP comes first) and starts it again: down only until it has rejoined.
      if (this.failure === RUN_LOOP_ENDED) this.failure = undefined;
      this.restarting = `restarting after a crash: ${payload.error?.message ?? 'unknown error'}`;
    });
    this.consumer.on(this.consumer.events.STOP, () => {
      if (!this.stopping) this.failure ??= RUN_LOOP_ENDED;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.restarting = undefined;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.options.topics, ...this.retryTierTopics, this.redriveTopic],
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
    this.started = true;
    // parked_keys gauges on /metrics, counted at scrape time from this group's parking tables.
    this.stopWatchingParked = watchParkedKeys(this.options.dataSource, this.groupId, this.logger);
    this.every(this.options.parkedSweepIntervalMs ?? 30_000, () => this.releaser.sweep());
    const purgeInterval = this.options.inboxPurgeIntervalMs ?? 60 * 60 * 1000;
    if (purgeInterval > 0) {
      const retention = this.options.inboxRetentionMs ?? 35 * DAY_MS;
      this.every(purgeInterval, async () => {
        const purged = await purgeInbox(this.options.dataSource, retention);
        if (purged > 0) this.logger.info({ purged }, 'inbox purged');
      });
    }
    void this.releaser.sweep().catch((error) => this.logger.warn({ error: describeError(error).message }, 'parked-key sweep failed'));
    this.logger.info({ topics: this.options.topics, retryTierTopics: this.retryTierTopics, redriveTopic: this.redriveTopic }, 'event consumer started');
  }

  /** For readiness: whether this consumer is consuming, and if not why (its group is named by the probe). */
  health(): { up: boolean; message?: string } {
    if (this.failure) return { up: false, message: this.failure };
    if (this.restarting) return { up: false, message: this.restarting };
    if (this.stopping) return { up: false, message: 'stopped' };
    if (!this.started) return { up: false, message: 'not started yet' };
    return { up: true };
  }

  /**
   * Graceful shutdown: no new batch starts, the in-flight chunk finishes its transaction and
   * commits its offset (or, if it is waiting on a retry backoff, is abandoned uncommitted and will
   * be redelivered to the partition's next owner), then the group is left.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      this.stopWatchingParked?.();
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      await this.consumer?.disconnect();
      await this.releaser.stop();
      await this.producer?.disconnect();
      this.logger.info('event consumer stopped');
    })();
    return this.stopping;
  }

  private async consumeBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) {
    const { topic, partition } = batch;
    const { messages } = batch;
    const records: PartitionRecords = {
      topic,
      partition,
      length: messages.length,
      at: (index) => {
        const message = messages[index];
        return {
          topic,
          partition,
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key ? message.key.toString('utf8') : null,
          value: message.value,
          headers: readHeaders(message.headers),
        };
      },
    };
    let lastCommitted: string | undefined;
    const control: PartitionControl = {
      isActive: () => isRunning() && !isStale() && !this.abort.signal.aborted,
      commit: async (offset) => {
        resolveOffset(offset);
        try {
          await commitOffsetsIfNecessary({
            topics: [{ topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] }],
          });
        } catch (error) {
          // Typically a rebalance took the partition away. The work is committed in the database,
          // so the next owner's redelivery is absorbed by the inbox; stop this batch here.
          this.logger.info({ topic, partition, offset, error: describeError(error).message }, 'offset commit refused');
          throw new DeliveryAbandoned();
        }
        lastCommitted = offset;
      },
      heartbeat,
    };
    const result = await this.processor.processBatch(records, control);
    if (lastCommitted !== undefined) {
      const lag = Number(BigInt(batch.highWatermark) - BigInt(lastCommitted) - 1n);
      consumerMetrics.lag.set({ consumer_group: this.groupId, topic, partition: String(partition) }, Math.max(0, lag));
    }
    const partitionId = `${topic}:${partition}`;
    if (result.status === 'waiting') {
      // A retry record not due yet: this partition of the retry topic sleeps, the others go on.
      this.pauseUntil(topic, partition, result.until);
    } else if (result.status === 'blocked') {
      const delay = this.nextBlockedDelay(partitionId);
      consumerMetrics.blockedPartitions.inc({ consumer_group: this.groupId, topic });
      this.logger.warn({ topic, partition, retryInMs: delay, error: describeError(result.error).message }, 'partition paused: cannot make progress');
      this.pauseUntil(topic, partition, Date.now() + delay);
    } else if (result.status === 'done') {
      this.blockedBackoff.delete(partitionId);
    }
  }

  private pauseUntil(topic: string, partition: number, until: number): void {
    if (this.abort.signal.aborted || !this.consumer) return;
    const consumer = this.consumer;
    consumer.pause([{ topic, partitions: [partition] }]);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Unconsumed records behind the last committed offset are fetched again on resume.
      if (!this.abort.signal.aborted) consumer.resume([{ topic, partitions: [partition] }]);
    }, Math.max(0, until - Date.now()));
    this.timers.add(timer);
  }

  private nextBlockedDelay(partitionId: string): number {
    const { initial, max } = this.options.blockedBackoffMs ?? { initial: 1_000, max: 30_000 };
    const previous = this.blockedBackoff.get(partitionId);
    const delay = previous === undefined ? initial : Math.min(max, previous * 2);
    this.blockedBackoff.set(partitionId, delay);
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  private async sendFailureRecord(record: { topic: string; key: string | null; value: Buffer | null; headers: Record<string, string> }) {
    if (!this.producer) throw new Error('event consumer not started');
    await this.producer.send({ topic: record.topic, acks: -1, messages: [{ key: record.key, value: record.value, headers: record.headers }] });
  }

  private every(intervalMs: number, work: () => Promise<void>): void {
    const schedule = () => {
      const timer = setTimeout(async () => {
        this.timers.delete(timer);
        try {
          await work();
        } catch (error) {
          this.logger.warn({ error: describeError(error).message }, 'background consumer task failed');
        }
        if (!this.abort.signal.aborted) schedule();
      }, intervalMs);
      timer.unref();
      this.timers.add(timer);
    };
    schedule();
  }
}
