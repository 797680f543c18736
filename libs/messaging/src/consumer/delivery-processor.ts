import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '@omnibus/observability';
import type { EventDecoder } from '../codec';
import type { EventEnvelope } from '../envelope/envelope';
import type { EventOutbox, OutgoingEvent } from '../publishing/event-outbox';
import { consumedEventOf, decodePayload, Delivery, prepareDelivery, RunnableHandler, sequencingKey } from './delivery';
import {
  buildFailureRecord,
  chooseEscalation,
  OutgoingRecord,
  readRetryDirective,
  RetrySchedule,
} from './failure-routing';
import { classifyFailure, describeError, EventFailedInChunk, FailureKind, sqlState, TransactionAbortedError } from './failures';

const IN_FAILED_SQL_TRANSACTION = '25P02';
import { Inbox } from './inbox';
import { consumerMetrics, DeliveryOutcome } from './metrics';
import { ParkingLot } from './parking';
import type { ConsumedRecord, HandlerContext } from './types';

/** A handler threw while handling `delivery` inside a transaction (which has been rolled back). */
export class DeliveryFailure extends Error {
  constructor(
    readonly delivery: Delivery,
    override readonly cause: unknown,
  ) {
    super(describeError(cause).message);
  }
}

/**
 * The partition cannot make progress now (database, registry or Kafka unavailable, or a dependency
 * a handler reported down). Nothing is failed; the partition is paused and re-read from its last
 * committed record later.
 */
export class PartitionBlocked extends Error {
  constructor(override readonly cause: unknown) {
    super(`partition blocked: ${describeError(cause).message}`);
  }
}

/**
 * Several handlers shared a transaction that a database error aborted, and none of them threw it
 * (one caught it). PostgreSQL would turn the COMMIT into a rollback; the chunk is re-run event by
 * event to find the one that did it.
 */
class ChunkAborted extends Error {
  constructor(
    override readonly cause: unknown,
    what = 'transaction aborted by a caught database error',
  ) {
    super(`${what}: ${describeError(cause).message}`);
  }
}

/** What a handler gets besides its event: a class, so that no closure is made per event. */
class DeliveryContext implements HandlerContext {
  constructor(
    readonly manager: EntityManager,
    readonly consumerGroup: string,
    private readonly outbox: EventOutbox | undefined,
    private readonly delivery: Delivery,
    private readonly chunkEnd: Array<() => Promise<void>>,
  ) {}

  emit(events: OutgoingEvent | OutgoingEvent[]): Promise<EventEnvelope[]> {
    if (!this.outbox) throw new Error('this consumer has no EventOutbox configured: pass `outbox` to emit follow-up events');
    return this.outbox.stage(this.manager, events, { causedBy: this.delivery.envelope });
  }

  beforeCommit(work: () => Promise<void>): void {
    if (!this.chunkEnd.includes(work)) this.chunkEnd.push(work);
  }
}

/** The consumer is stopping: the rest of the batch is left for the next owner of the partition. */
export class DeliveryAbandoned extends Error {}

export interface AppliedDeliveries {
  outcomes: Array<[Delivery, DeliveryOutcome]>;
  /** Keys whose head event succeeded in this transaction. */
  succeededHeads: Array<{ topic: string; key: string }>;
}

export interface PartitionControl {
  /** False once the consumer stops or the partition was reassigned by a rebalance. */
  isActive(): boolean;
  /** Marks everything up to `offset` done: resolves and commits the consumer group offset. */
  commit(offset: string): Promise<void>;
  heartbeat(): Promise<void>;
}

/**
 * The records of one partition batch. A batch holds thousands: each is made when the processor
 * reaches it, so those of later chunks do not live (and get copied by the GC) through this one.
 */
export interface PartitionRecords {
  readonly topic: string;
  readonly partition: number;
  readonly length: number;
  at(index: number): ConsumedRecord;
}

export type BatchResult =
  | { status: 'done' }
  | { status: 'abandoned' }
  | { status: 'waiting'; until: number }
  | { status: 'blocked'; error: unknown };

export interface DeliveryProcessorOptions {
  consumerGroup: string;
  dataSource: DataSource;
  decoder: EventDecoder;
  handlers: ReadonlyMap<string, RunnableHandler>;
  outbox?: EventOutbox;
  schedule: RetrySchedule;
  /** The delay topics, tier 1 first (`retryTierTopicsOf`): paused while their head record is not due. */
  retryTierTopics: string[];
  /** Operator re-drives (`redriveTopicFor`): due at once, never paused. */
  redriveTopic: string;
  deadLetterTopic: string;
  maxEventsPerTransaction: number;
  /** Produces a retry or dead-letter record and resolves once the broker has acknowledged it. */
  sendFailureRecord(record: OutgoingRecord): Promise<void>;
  /** Heads of parked keys succeeded: their parked events may be released. */
  onHeadsSucceeded(keys: Array<{ topic: string; key: string }>): void;
  afterTransactionCommit?(info: { topic: string; partition: number; lastOffset: string }): void | Promise<void>;
  abortSignal: AbortSignal;
  logger: Logger;
}

/**
 * Runs the deliveries of one partition batch: many events per transaction with their inbox claims,
 * in order; a failing event is split out, retried in place, then escalated to the retry topic or
 * the dead letters while the events behind it go on.
 */
export class DeliveryProcessor {
  readonly inbox: Inbox;
  readonly parking: ParkingLot;

  private readonly retryTierTopicSet: ReadonlySet<string | undefined>;

  constructor(private readonly options: DeliveryProcessorOptions) {
    this.retryTierTopicSet = new Set(options.retryTierTopics);
    this.inbox = new Inbox(options.consumerGroup);
    this.parking = new ParkingLot(options.consumerGroup);
  }

  get consumerGroup(): string {
    return this.options.consumerGroup;
  }

  prepare(record: ConsumedRecord): Delivery | undefined {
    return prepareDelivery(record, this.options.handlers);
  }

  /** Processes the records of one partition, committing offsets as transactions commit. */
  async processBatch(records: PartitionRecords, control: PartitionControl): Promise<BatchResult> {
    const { maxEventsPerTransaction, consumerGroup } = this.options;
    const isTierTopic = this.retryTierTopicSet.has(records.topic);
    const isAddressed = isTierTopic || records.topic === this.options.redriveTopic;
    let index = 0;
    try {
      while (index < records.length) {
        if (!control.isActive()) return { status: 'abandoned' };
        const chunk: Delivery[] = [];
        let coveredOffset: string | undefined;
        let waitUntil: number | undefined;
        while (index < records.length && chunk.length < maxEventsPerTransaction) {
          const record = records.at(index);
          if (isAddressed) {
            const directive = readRetryDirective(record.headers);
            if (directive.consumerGroup !== consumerGroup) {
              coveredOffset = record.offset;
              index++;
              continue;
            }
            // Records of one tier topic share its delay, so they come due in order: the partition
            // waits for its head. The re-drive topic never waits.
            if (isTierTopic && directive.notBefore !== undefined && directive.notBefore > Date.now()) {
              waitUntil = directive.notBefore;
              break;
            }
          }
          const delivery = this.prepare(record);
          if (!delivery) {
            this.count(record.topic, record.headers['ce_type'] ?? 'unknown', 'skipped');
            coveredOffset = record.offset;
            index++;
            continue;
          }
          // An unreadable record is handled alone, after the events before it have committed.
          if (delivery.problem && chunk.length > 0) break;
          chunk.push(delivery);
          coveredOffset = record.offset;
          index++;
          if (delivery.problem) break;
        }
        if (chunk.length > 0) await this.runChunk(chunk);
        if (coveredOffset !== undefined) {
          if (chunk.length > 0) {
            await this.options.afterTransactionCommit?.({ topic: records.topic, partition: records.partition, lastOffset: coveredOffset });
          }
          await control.commit(coveredOffset);
        }
        if (waitUntil !== undefined) return { status: 'waiting', until: waitUntil };
        await control.heartbeat();
      }
      return { status: 'done' };
    } catch (error) {
      if (error instanceof DeliveryAbandoned) return { status: 'abandoned' };
      if (error instanceof PartitionBlocked) return { status: 'blocked', error: error.cause };
      return { status: 'blocked', error };
    }
  }

  /** One transaction for the chunk; on a handler failure, the events before it commit, it goes alone, the rest goes on. */
  private async runChunk(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    try {
      await this.transact(deliveries);
    } catch (error) {
      if (error instanceof ChunkAborted) {
        // Alone, the handler that ran is named (DeliveryFailure); none ran means our own statement broke.
        if (deliveries.length === 1) throw new PartitionBlocked(error.cause);
        for (const delivery of deliveries) await this.runChunk([delivery]);
        return;
      }
      if (!(error instanceof DeliveryFailure)) throw new PartitionBlocked(error);
      const failedAt = deliveries.indexOf(error.delivery);
      if (classifyFailure(error.cause) === 'unavailable') throw new PartitionBlocked(error.cause);
      await this.runChunk(deliveries.slice(0, failedAt));
      await this.runAlone(error.delivery, error.cause);
      await this.runChunk(deliveries.slice(failedAt + 1));
    }
  }

  /**
   * Runs deliveries in one transaction: parks those whose key waits behind a failed event, claims
   * the rest in the inbox, runs the handlers of the new ones in order. Counts outcomes after commit.
   */
  async transact(deliveries: Delivery[], attemptOffset = 1): Promise<void> {
    const applied = await this.options.dataSource.transaction((manager) =>
      this.apply(manager, deliveries, attemptOffset, { parkWaiting: true }),
    );
    this.committed(applied);
  }

  /**
   * The body of `transact` within a transaction the caller owns. `parkWaiting: false` is for the
   * releaser, which runs events that were parked and holds their key's lock.
   */
  async apply(
    manager: EntityManager,
    deliveries: Delivery[],
    attemptOffset: number,
    { parkWaiting }: { parkWaiting: boolean },
  ): Promise<AppliedDeliveries> {
    const applied: AppliedDeliveries = { outcomes: [], succeededHeads: [] };
    const toRun = parkWaiting ? await this.parkWaitingDeliveries(manager, deliveries, applied) : deliveries;
    // The same event twice in one chunk (a producer retry upstream): the second is a duplicate.
    const ids = new Set<string>();
    const repeated = new Set<Delivery>();
    for (const delivery of toRun) {
      if (delivery.problem) continue;
      const id = delivery.envelope!.id.toLowerCase();
      if (ids.has(id)) repeated.add(delivery);
      else ids.add(id);
    }
    const handledBefore = await this.inbox.claim(manager, [...ids]);
    const chunkEnd: Array<() => Promise<void>> = [];
    for (const delivery of toRun) {
      if (delivery.problem) throw new DeliveryFailure(delivery, delivery.problem);
      if (repeated.has(delivery) || handledBefore.has(delivery.envelope!.id.toLowerCase())) {
        applied.outcomes.push([delivery, 'duplicate']);
        continue;
      }
      // An undecodable value fails like a handler (it goes alone, then to dead letters); a
      // registry that cannot be reached blocks the partition.
      let payload: unknown;
      try {
        payload = decodePayload(delivery, this.options.decoder);
        if (payload instanceof Promise) payload = await payload;
      } catch (error) {
        if (delivery.problem) throw new DeliveryFailure(delivery, error);
        throw error;
      }
      // Awaited here rather than in a helper: one async layer less per event.
      try {
        await delivery.handler!.handle(
          consumedEventOf(delivery, payload, delivery.history.attempts + attemptOffset),
          new DeliveryContext(manager, this.options.consumerGroup, this.options.outbox, delivery, chunkEnd),
        );
      } catch (error) {
        // A handler that first finished earlier events' chunk work may name one of them as the failure.
        if (error instanceof EventFailedInChunk) throw new DeliveryFailure(this.named(error, applied) ?? delivery, error.cause);
        throw new DeliveryFailure(delivery, error);
      }
      applied.outcomes.push([delivery, 'handled']);
    }
    await this.runChunkEnd(chunkEnd, applied);
    for (const head of applied.succeededHeads) await this.parking.headSucceeded(manager, head.topic, head.key);
    await this.assertNotAborted(manager, applied);
    return applied;
  }

  /** The handlers' `beforeCommit` work; its failure is the chunk's, like a caught database error's. */
  private async runChunkEnd(chunkEnd: Array<() => Promise<void>>, applied: AppliedDeliveries): Promise<void> {
    for (const work of chunkEnd) {
      try {
        await work();
      } catch (error) {
        const handled = applied.outcomes.filter(([, outcome]) => outcome === 'handled').map(([delivery]) => delivery);
        if (error instanceof EventFailedInChunk) {
          const failed = this.named(error, applied);
          if (failed) throw new DeliveryFailure(failed, error.cause);
        }
        // A dependency that is down blocks the partition; running the events one by one would not help.
        if (handled.length === 1 || (handled.length > 0 && classifyFailure(error) === 'unavailable')) throw new DeliveryFailure(handled[0], error);
        throw new ChunkAborted(error, "the chunk's before-commit work failed");
      }
    }
  }

  /** The handled delivery of this chunk that an EventFailedInChunk names. */
  private named(error: EventFailedInChunk, applied: AppliedDeliveries): Delivery | undefined {
    const id = error.eventId.toLowerCase();
    for (const [delivery, outcome] of applied.outcomes) if (outcome === 'handled' && delivery.envelope!.id.toLowerCase() === id) return delivery;
    return undefined;
  }

  /**
   * A handler may catch a database error and return normally; the transaction is then aborted and
   * its COMMIT silently rolls back, while the offsets would move on. One cheap statement per chunk
   * tells: in an aborted transaction it fails with 25P02 (in_failed_sql_transaction).
   */
  private async assertNotAborted(manager: EntityManager, applied: AppliedDeliveries): Promise<void> {
    try {
      await manager.query('SELECT 1');
    } catch (error) {
      if (sqlState(error) !== IN_FAILED_SQL_TRANSACTION) throw error;
      const handled = applied.outcomes.filter(([, outcome]) => outcome === 'handled').map(([delivery]) => delivery);
      if (handled.length === 1) throw new DeliveryFailure(handled[0], new TransactionAbortedError(error));
      throw new ChunkAborted(error);
    }
  }

  /** What to do once the transaction of `apply` has committed. */
  committed(applied: AppliedDeliveries): void {
    // Counted per run of equal (topic, type, outcome) rather than per event: label lookups are not free.
    const counts: Array<{ topic: string; type: string; outcome: DeliveryOutcome; n: number }> = [];
    let last: (typeof counts)[number] | undefined;
    for (const [delivery, outcome] of applied.outcomes) {
      const topic = delivery.origin.topic;
      const type = delivery.envelope!.type;
      if (last && last.topic === topic && last.type === type && last.outcome === outcome) last.n++;
      else counts.push((last = { topic, type, outcome, n: 1 }));
    }
    for (const { topic, type, outcome, n } of counts) this.count(topic, type, outcome, n);
    if (applied.succeededHeads.length > 0) this.options.onHeadsSucceeded(applied.succeededHeads);
  }

  private async parkWaitingDeliveries(
    manager: EntityManager,
    deliveries: Delivery[],
    applied: AppliedDeliveries,
  ): Promise<Delivery[]> {
    const keys = deliveries.map(sequencingKey).filter((k): k is { topic: string; key: string } => !!k);
    if (keys.length === 0) return deliveries;
    const parked = await this.parking.lockParkedKeys(manager, keys);
    if (parked.size === 0) return deliveries;
    const toRun: Delivery[] = [];
    const toPark: Delivery[] = [];
    for (const delivery of deliveries) {
      const key = sequencingKey(delivery);
      const state = key && ParkingLot.lookup(parked, key.topic, key.key);
      if (!state) toRun.push(delivery);
      else if (state.headEventId === delivery.envelope!.id) {
        // The event its key waits for is back (retry round or re-drive): it runs, and if it
        // succeeds the events parked behind it are released.
        toRun.push(delivery);
        if (!delivery.problem) applied.succeededHeads.push(key);
      } else toPark.push(delivery);
    }
    await this.parking.park(
      manager,
      toPark.map((d) => ({ eventId: d.envelope!.id, key: d.record.key!, origin: d.origin, record: d.record })),
    );
    for (const delivery of toPark) applied.outcomes.push([delivery, 'parked']);
    return toRun;
  }

  /**
   * A delivery that failed in a batch, run again on its own: transient failures are retried in
   * place with exponential backoff and jitter; what still fails is escalated.
   */
  async runAlone(
    delivery: Delivery,
    firstError: unknown,
    {
      run = (attempt: number) => this.transact([delivery], attempt),
      alsoOnEscalation,
    }: {
      run?: (attempt: number) => Promise<void>;
      /** Extra work in the transaction that records the escalation (the releaser unparks the event). */
      alsoOnEscalation?: (manager: EntityManager) => Promise<void>;
    } = {},
  ): Promise<void> {
    let attempts = 1;
    let lastError = firstError;
    let kind = classifyFailure(lastError);
    if (kind === 'transient' && this.options.schedule.inPlaceRetries > 0) {
      // The first retry runs at once: alone, the event no longer shares a transaction with the
      // batch that failed. Those after it wait with exponential backoff and jitter.
      const policy = retry(
        handleWhen((error) => error instanceof DeliveryFailure && classifyFailure(error.cause) === 'transient'),
        {
          maxAttempts: this.options.schedule.inPlaceRetries - 1,
          backoff: new ExponentialBackoff({
            initialDelay: this.options.schedule.initialDelayMs,
            maxDelay: this.options.schedule.maxDelayMs,
          }),
        },
      );
      policy.onRetry(() =>
        consumerMetrics.retries.inc({
          consumer_group: this.options.consumerGroup,
          event_type: delivery.envelope?.type ?? 'unknown',
          stage: 'in_place',
        }),
      );
      try {
        await policy.execute(() => {
          attempts++;
          return run(attempts);
        }, this.options.abortSignal);
        return;
      } catch (error) {
        if (this.options.abortSignal.aborted || error instanceof DeliveryAbandoned) throw new DeliveryAbandoned();
        if (!(error instanceof DeliveryFailure)) throw new PartitionBlocked(error);
        lastError = error.cause;
        kind = classifyFailure(lastError);
      }
    }
    if (kind === 'unavailable') throw new PartitionBlocked(lastError);
    await this.escalate(delivery, lastError, kind, delivery.history.attempts + attempts, alsoOnEscalation);
  }

  /**
   * Hands a failed delivery to the retry topic (transient, rounds left) or the dead letters, and
   * parks its key when the handler is sequenced. The record is acknowledged by the broker before the
   * key is parked and before the offset moves past it, so a crash in between only repeats the hand-over.
   */
  async escalate(
    delivery: Delivery,
    error: unknown,
    kind: FailureKind,
    attempts: number,
    alsoInTransaction?: (manager: EntityManager) => Promise<void>,
  ): Promise<void> {
    const now = new Date();
    const escalation = chooseEscalation(kind, delivery.history, this.options.schedule, now);
    const key = sequencingKey(delivery);
    const record = buildFailureRecord(
      {
        record: delivery.record,
        origin: delivery.origin,
        consumerGroup: this.options.consumerGroup,
        error,
        kind,
        attempts,
        history: delivery.history,
        sequenced: !!key,
      },
      escalation,
      {
        retryTopicOfRound: (round) => this.options.retryTierTopics[round - 1],
        deadLetterTopic: this.options.deadLetterTopic,
        redriveTopic: this.options.redriveTopic,
      },
      now,
    );
    try {
      await this.options.sendFailureRecord(record);
    } catch (sendError) {
      throw new PartitionBlocked(sendError);
    }
    // A PermanentError's `emitOnDeadLetter`, staged with the parking of the key, in the key's order.
    const announcements = escalation.to === 'dead-letter' ? ((error as { emitOnDeadLetter?: OutgoingEvent[] } | null)?.emitOnDeadLetter ?? []) : [];
    if (announcements.length > 0 && !this.options.outbox) throw new PartitionBlocked(new Error('this consumer has no EventOutbox configured: pass `outbox` to emit events on dead letter'));
    if (key || alsoInTransaction || announcements.length > 0) {
      try {
        await this.options.dataSource.transaction(async (manager) => {
          if (key) await this.parking.parkKey(manager, key.topic, key.key, delivery.envelope!.id);
          await alsoInTransaction?.(manager);
          if (announcements.length > 0) await this.options.outbox!.stage(manager, announcements, { causedBy: delivery.envelope });
        });
      } catch (parkError) {
        throw new PartitionBlocked(parkError);
      }
    }
    const eventType = delivery.envelope?.type ?? 'unknown';
    const { errorClass, message } = describeError(error);
    const logFields = {
      consumerGroup: this.options.consumerGroup,
      eventId: delivery.envelope?.id,
      eventType,
      topic: delivery.origin.topic,
      partition: delivery.origin.partition,
      offset: delivery.origin.offset,
      key: delivery.record.key,
      errorClass,
      error: message,
      attempts,
      sequenced: !!key,
    };
    if (escalation.to === 'retry-topic') {
      consumerMetrics.retries.inc({ consumer_group: this.options.consumerGroup, event_type: eventType, stage: 'retry_topic' });
      this.count(delivery.origin.topic, eventType, 'retry_scheduled');
      this.options.logger.warn({ ...logFields, notBefore: escalation.notBefore.toISOString() }, 'event handed to the retry topic');
    } else {
      consumerMetrics.deadLetters.inc({ consumer_group: this.options.consumerGroup, topic: delivery.origin.topic, kind });
      this.count(delivery.origin.topic, eventType, 'dead_lettered');
      this.options.logger.error(logFields, 'event dead-lettered');
    }
  }

  count(topic: string, eventType: string, outcome: DeliveryOutcome, n = 1): void {
    consumerMetrics.outcomes.inc({ consumer_group: this.options.consumerGroup, topic, event_type: eventType, outcome }, n);
  }
}
