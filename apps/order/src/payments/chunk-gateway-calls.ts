import { Context, context as otelContext } from '@opentelemetry/api';
import { EventContext, EventFailedInChunk } from '@omnibus/messaging';
import pLimit from 'p-limit';
import type { EntityManager } from 'typeorm';

interface PendingCall {
  context: EventContext;
  trace: Context;
  call: () => Promise<unknown>;
  record: (answer: unknown) => Promise<void>;
}

/**
 * The gateway calls of one delivery chunk, made side by side instead of one after the other.
 *
 * Why: a chunk's commands are handled in order in one transaction, so an HTTP call per command makes a
 * partition as slow as the gateway (50 ms a call is 20 authorisations a second per partition). The
 * calls of a chunk are for different orders (an order has one authorisation in flight) and each is
 * idempotent by its command id, so they may overlap; what each answer means is then recorded in the
 * chunk's order, on the chunk's one connection, before it commits. A call that fails fails its own
 * event alone (EventFailedInChunk): the runtime runs the others again, and the gateway answers their
 * repeated calls from their idempotency keys.
 */
export class ChunkGatewayCalls {
  private readonly pending = new Map<EntityManager, PendingCall[]>();
  private readonly limit: ReturnType<typeof pLimit>;

  constructor(concurrency: number) {
    this.limit = pLimit(concurrency);
  }

  /** Queues `call` for the chunk's end; `record` stages what it answered, in the chunk's transaction. */
  add<T>(context: EventContext, call: () => Promise<T>, record: (answer: T) => Promise<void>): void {
    const manager = context.manager;
    let calls = this.pending.get(manager);
    if (!calls) {
      calls = [];
      this.pending.set(manager, calls);
      context.beforeCommit(() => this.flush(manager));
    }
    calls.push({ context, trace: otelContext.active(), call, record: record as (answer: unknown) => Promise<void> });
  }

  /** Makes the chunk's queued calls now (another command of the chunk must not overtake them). */
  async flush(manager: EntityManager): Promise<void> {
    const calls = this.pending.get(manager);
    if (!calls || calls.length === 0) return;
    this.pending.delete(manager);
    const answers = await Promise.allSettled(calls.map((pending) => this.limit(() => otelContext.with(pending.trace, pending.call))));
    for (const [index, pending] of calls.entries()) {
      const answer = answers[index];
      if (answer.status === 'rejected') throw new EventFailedInChunk(pending.context.event.id, answer.reason);
      await otelContext.with(pending.trace, () => pending.record(answer.value));
    }
  }
}
