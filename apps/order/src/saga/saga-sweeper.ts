import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventOutbox } from '@omnibus/messaging';
import { dueTimeouts } from '@omnibus/saga';
import { PeriodicTask, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { OrderConfig } from '../config';
import type { OrderSagaData } from '../domain/saga/order-saga-data';
import { EVENT_OUTBOX } from '../tokens';
import { watchOpenOrders } from './open-orders-metric';
import { SagaRunner } from './saga-runner';

const BATCH = 100;

/**
 * Fires the order sagas' step timeouts every ORDER_SAGA_SWEEP_INTERVAL_MS: due deadlines are read from
 * `saga_instance` (so a timeout fires after a restart too), claimed with FOR UPDATE SKIP LOCKED (several
 * instances sweep side by side, never firing one timeout twice) and fed to the runner as ordinary inputs,
 * one transaction per batch with the commands they lead to.
 */
@Injectable()
export class SagaTimeoutSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: SagaRunner,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    watchOpenOrders(this.dataSource);
    this.task = runPeriodically(
      this.config.ORDER_SAGA_SWEEP_INTERVAL_MS,
      async () => {
        const fired = await this.sweep();
        if (fired) this.logger.info({ fired }, 'order saga timeouts fired');
      },
      (error) => this.logger.error({ err: error }, 'order saga timeout sweep failed; retrying next interval'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true; // ends a sweep between batches
    await this.task?.stop();
  }

  /** One pass: every timeout due at `now`, batch after batch. Returns how many fired. */
  async sweep(now = new Date()): Promise<number> {
    let fired = 0;
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        let advanced = 0;
        const due = await dueTimeouts<OrderSagaData>(manager, BATCH, now);
        for (const stored of due) {
          const emit = (events: Parameters<EventOutbox['stage']>[1]) => this.outbox.stage(manager, events, { correlationId: stored.state.sagaId });
          // A savepoint per saga: one that fails (a bug) is logged and left due, and the others fire.
          await manager.query('SAVEPOINT saga_timeout');
          try {
            await this.runner.advanceStored(manager, stored, stored.input, { type: 'timeout', eventId: null }, emit);
            await manager.query('RELEASE SAVEPOINT saga_timeout');
            advanced += 1;
          } catch (error) {
            await manager.query('ROLLBACK TO SAVEPOINT saga_timeout');
            this.logger.error({ err: error, orderId: stored.state.sagaId }, 'order saga timeout failed; it stays due and is tried again next pass');
          }
        }
        return { due: due.length, advanced };
      });
      fired += batch.advanced;
      // A full batch may have more behind it, unless all of it failed (then the same ones come first again).
      if (batch.due < BATCH || batch.advanced === 0 || this.stopped) return fired;
    }
  }
}
