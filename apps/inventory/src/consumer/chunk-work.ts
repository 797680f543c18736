import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { context as otelContext, Context } from '@opentelemetry/api';
import type { EventContext, EventEncoder, OutgoingEvent } from '@omnibus/messaging';
import { envelopeHeaders } from '@omnibus/messaging';
import { appendToOutbox } from '@omnibus/outbox';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { DataSource as DataSourceToken } from 'typeorm';
import { INVENTORY_EVENT_SOURCE } from '../messaging.providers';
import { inventoryMetrics } from '../metrics';
import { performance } from 'node:perf_hooks';
import { EVENT_CODEC } from '../tokens';

/** An event handed over by a handler, with what its follow-ups need: the cause and the trace. */
export interface DeferredEvent<T> {
  item: T;
  cause: { id: string; correlationId: string };
  trace: Context;
}

/** Work done once per delivery chunk over all the events its handlers handed over, in their order. */
export interface ChunkFlusher<T> {
  readonly name: string;
  /** Does the chunk's work in its transaction; returns the follow-up events of each item (same index). */
  flush(manager: EntityManager, items: T[]): Promise<OutgoingEvent[][]>;
}

const LOCK_CONFLICTS = new Set(['40P01', '40001']); // deadlock, serialization failure
const FLUSH_ATTEMPTS = 3;
const sqlState = (error: unknown): string | undefined => {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = candidate?.code ?? candidate?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * Batches the work of a delivery chunk. The consumer runtime runs up to `maxEventsPerTransaction`
 * events of a partition in one transaction, calling their handlers one by one; a handler that
 * defers its event here returns at once, and the chunk's work is done for all of them together
 * right before that transaction commits (TypeORM's `beforeTransactionCommit`), still inside it:
 * with the inbox records, or not at all. So a chunk of reservation commands takes its locks in ONE
 * statement, in the global (sku, location) order, instead of command by command in an order no
 * other transaction follows (which could wait in a cycle with another instance's chunk).
 *
 * Follow-up events are staged in one outbox insert, each with its own event as the cause and its
 * handler's trace. A deadlock or serialization failure (none is expected with the lock order, but
 * PostgreSQL may still report one) rolls back to a savepoint and runs the chunk's work again; any
 * other error fails the commit, the transaction rolls back and the runtime re-reads the partition.
 */
@Injectable()
export class ChunkWork implements OnModuleInit, EntitySubscriberInterface {
  private readonly pending = new WeakMap<QueryRunner, Map<ChunkFlusher<unknown>, Array<DeferredEvent<unknown>>>>();

  constructor(
    @Inject(DataSourceToken) private readonly dataSource: DataSource,
    @Inject(EVENT_CODEC) private readonly encoder: EventEncoder,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(this);
  }

  /** Hands the event's item to `flusher` for the commit of the handler's transaction. */
  defer<T>(context: EventContext, flusher: ChunkFlusher<T>, item: T): void {
    const queryRunner = context.manager.queryRunner;
    if (!queryRunner?.isTransactionActive) throw new Error(`${flusher.name}: a deferred event needs the delivery's transaction`);
    let byFlusher = this.pending.get(queryRunner);
    if (!byFlusher) this.pending.set(queryRunner, (byFlusher = new Map()));
    const items = byFlusher.get(flusher as ChunkFlusher<unknown>) ?? [];
    byFlusher.set(flusher as ChunkFlusher<unknown>, items);
    items.push({ item, cause: { id: context.event.id, correlationId: context.event.correlationId }, trace: otelContext.active() });
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const queryRunner = event.queryRunner;
    // A nested transaction's commit only releases a savepoint: the chunk's work waits for the real commit.
    if ((queryRunner as unknown as { transactionDepth: number }).transactionDepth > 1) return;
    const byFlusher = this.pending.get(queryRunner);
    if (!byFlusher) return;
    this.pending.delete(queryRunner);
    for (const [flusher, deferred] of byFlusher) await this.flush(queryRunner, flusher, deferred);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if ((event.queryRunner as unknown as { transactionDepth: number }).transactionDepth === 0) this.pending.delete(event.queryRunner);
  }

  private async flush(queryRunner: QueryRunner, flusher: ChunkFlusher<unknown>, deferred: Array<DeferredEvent<unknown>>): Promise<void> {
    const started = performance.now();
    inventoryMetrics.chunkEvents.observe({ work: flusher.name }, deferred.length);
    for (let attempt = 1; ; attempt++) {
      await queryRunner.query('SAVEPOINT inventory_chunk');
      try {
        const answers = await flusher.flush(queryRunner.manager, deferred.map((entry) => entry.item));
        await this.stage(queryRunner.manager, deferred, answers);
        await queryRunner.query('RELEASE SAVEPOINT inventory_chunk');
        inventoryMetrics.chunkSeconds.observe({ work: flusher.name }, (performance.now() - started) / 1000);
        return;
      } catch (error) {
        if (attempt >= FLUSH_ATTEMPTS || !LOCK_CONFLICTS.has(sqlState(error) ?? '')) throw error;
        await queryRunner.query('ROLLBACK TO SAVEPOINT inventory_chunk');
      }
    }
  }

  private async stage(manager: EntityManager, deferred: Array<DeferredEvent<unknown>>, answers: OutgoingEvent[][]): Promise<void> {
    const records = [];
    for (let index = 0; index < deferred.length; index++) {
      const { cause, trace } = deferred[index];
      for (const event of answers[index] ?? []) {
        const { headers } = otelContext.with(trace, () => envelopeHeaders(event, INVENTORY_EVENT_SOURCE, { causedBy: cause }));
        records.push({ topic: event.topic, key: event.key, value: await this.encoder.encode(event.topic, event.type, event.payload), headers });
      }
    }
    await appendToOutbox(manager, records);
  }
}
