import type { DataSource } from 'typeorm';
import type { Logger } from '@omnibus/observability';
import { DeliveryAbandoned, DeliveryFailure, DeliveryProcessor, PartitionBlocked } from './delivery-processor';
import { classifyFailure, describeError } from './failures';

/**
 * Releases the events parked behind a key once the event they waited for has succeeded: one by one,
 * in the order they were parked, each in its own transaction that holds the key's row lock, so new
 * events of the key keep parking behind them until the queue is empty. A released event that fails
 * becomes the key's new head and the rest keep waiting behind it.
 */
export class ParkedEventReleaser {
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly processor: DeliveryProcessor,
    private readonly logger: Logger,
  ) {}

  release(keys: Array<{ topic: string; key: string }>): void {
    for (const { topic, key } of keys) {
      const id = `${topic}\u0000${key}`;
      if (this.stopped || this.running.has(id)) continue;
      const run = this.drain(topic, key)
        .catch((error) =>
          this.logger.warn({ topic, key, error: describeError(error).message }, 'releasing parked events paused; the sweep resumes it'),
        )
        .finally(() => this.running.delete(id));
      this.running.set(id, run);
    }
  }

  /** Picks up keys left releasable (a crash between a head's success and its release, or another instance's work). */
  async sweep(): Promise<void> {
    if (this.stopped) return;
    const keys = await this.processor.parking.releasableKeys(this.dataSource.manager);
    this.release(keys);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running.values()]);
  }

  private async drain(topic: string, key: string): Promise<void> {
    const { parking } = this.processor;
    while (!this.stopped) {
      let released: { seq: string } | undefined;
      try {
        const step = await this.dataSource.transaction(async (manager) => {
          const next = await parking.nextToRelease(manager, topic, key);
          if (next === 'done' || next === 'busy') return next;
          released = next;
          const delivery = this.processor.prepare(next.record);
          const applied = delivery && (await this.processor.apply(manager, [delivery], 1, { parkWaiting: false }));
          await parking.unpark(manager, next.seq);
          return applied ?? 'released';
        });
        if (step === 'done' || step === 'busy') return;
        if (step !== 'released') this.processor.committed(step);
      } catch (error) {
        if (!(error instanceof DeliveryFailure) || !released) throw error;
        await this.retryOrPark(error, released.seq);
      }
    }
  }

  /**
   * In-place retries of a released event, each holding the key's lock; if it still fails it goes to
   * the retry topic or the dead letters and becomes the head its key now waits for.
   */
  private async retryOrPark(failure: DeliveryFailure, seq: string): Promise<void> {
    const { delivery } = failure;
    const { parking } = this.processor;
    if (classifyFailure(failure.cause) === 'unavailable') throw new PartitionBlocked(failure.cause);
    try {
      await this.processor.runAlone(delivery, failure.cause, {
        run: async (attempt) => {
          const applied = await this.dataSource.transaction(async (manager) => {
            const next = await parking.nextToRelease(manager, delivery.origin.topic, delivery.record.key!);
            // Another instance released it meanwhile: nothing left to do here.
            if (next === 'done' || next === 'busy' || next.seq !== seq) throw new DeliveryAbandoned();
            const result = await this.processor.apply(manager, [delivery], attempt, { parkWaiting: false });
            await parking.unpark(manager, seq);
            return result;
          });
          this.processor.committed(applied);
        },
        alsoOnEscalation: (manager) => parking.unpark(manager, seq),
      });
    } catch (error) {
      if (error instanceof DeliveryAbandoned) return;
      throw error;
    }
  }
}
