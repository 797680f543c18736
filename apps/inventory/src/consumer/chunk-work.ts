import { Inject, Injectable } from '@nestjs/common';
import { context as otelContext, Context } from '@opentelemetry/api';
import type { EventContext, EventEncoder, OutgoingEvent } from '@omnibus/messaging';
import { envelopeHeaders, sqlState } from '@omnibus/messaging';
import { appendToOutbox } from '@omnibus/outbox';
import { performance } from 'node:perf_hooks';
import type { EntityManager } from 'typeorm';
import { INVENTORY_EVENT_SOURCE } from '../messaging.providers';
import { inventoryMetrics } from '../metrics';
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

/**
 * Batches the work of a delivery chunk. The consumer runtime runs up to `maxEventsPerTransaction`
 * events of a partition in one transaction, calling their handlers one by one; a handler that
 * defers its event here returns at once, and the chunk's work is done for all of them together
 * after the last handler and before the commit (the runtime's `beforeCommit`), in that transaction:
 * with the inbox records, or not at all. So a chunk of reservation commands takes its locks in ONE
 * statement, in the global (sku, location) order, instead of command by command in an order no
 * other transaction follows (which could wait in a cycle with another instance's chunk).
 *
 * Follow-up events are staged in one outbox insert, each with its own event as the cause and its
 * handler's trace. A deadlock or serialization failure (none is expected with the lock order, but
 * PostgreSQL may still report one) rolls back to a savepoint and runs the chunk's work again; any
 * other error fails the chunk, and the runtime runs its events again one by one.
 */
@Injectable()
export class ChunkWork {
  private readonly pending = new WeakMap<EntityManager, Map<ChunkFlusher<unknown>, Array<DeferredEvent<unknown>>>>();

  constructor(@Inject(EVENT_CODEC) private readonly encoder: EventEncoder) {}

  /** Hands the event's item to `flusher`, for the end of the handler's delivery chunk. */
  defer<T>(context: EventContext, flusher: ChunkFlusher<T>, item: T): void {
    const manager = context.manager;
    let byFlusher = this.pending.get(manager);
    if (!byFlusher) {
      this.pending.set(manager, (byFlusher = new Map()));
      context.beforeCommit(() => this.flushAll(manager));
    }
    const items = byFlusher.get(flusher as ChunkFlusher<unknown>) ?? [];
    byFlusher.set(flusher as ChunkFlusher<unknown>, items);
    items.push({ item, cause: { id: context.event.id, correlationId: context.event.correlationId }, trace: otelContext.active() });
  }

  private async flushAll(manager: EntityManager): Promise<void> {
    const byFlusher = this.pending.get(manager);
    this.pending.delete(manager);
    for (const [flusher, deferred] of byFlusher ?? []) await this.flush(manager, flusher, deferred);
  }

  private async flush(manager: EntityManager, flusher: ChunkFlusher<unknown>, deferred: Array<DeferredEvent<unknown>>): Promise<void> {
    const started = performance.now();
    inventoryMetrics.chunkEvents.observe({ work: flusher.name }, deferred.length);
    for (let attempt = 1; ; attempt++) {
      await manager.query('SAVEPOINT inventory_chunk');
      try {
        const answers = await flusher.flush(manager, deferred.map((entry) => entry.item));
        await this.stage(manager, deferred, answers);
        await manager.query('RELEASE SAVEPOINT inventory_chunk');
        inventoryMetrics.chunkSeconds.observe({ work: flusher.name }, (performance.now() - started) / 1000);
        return;
      } catch (error) {
        if (attempt >= FLUSH_ATTEMPTS || !LOCK_CONFLICTS.has(sqlState(error) ?? '')) throw error;
        await manager.query('ROLLBACK TO SAVEPOINT inventory_chunk');
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
