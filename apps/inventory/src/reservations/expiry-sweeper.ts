import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventOutbox } from '@omnibus/messaging';
import { PeriodicTask, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { InventoryConfig } from '../config';
import { EVENT_OUTBOX } from '../tokens';
import { ReservationService } from './reservation-service';

const BATCH = 200;

/**
 * Releases reservations past their expiry every RESERVATION_SWEEP_INTERVAL_MS (default 1 s), in
 * batches claimed with FOR UPDATE SKIP LOCKED, so several instances sweep side by side without
 * taking the same reservation twice; ReservationExpired is staged in the same transaction.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly reservations: ReservationService,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.task = runPeriodically(
      this.config.RESERVATION_SWEEP_INTERVAL_MS,
      async () => {
        const released = await this.sweep();
        if (released) this.logger.info({ released }, 'expired reservations released');
      },
      (error) => this.logger.error({ err: error }, 'reservation expiry sweep failed; retrying next interval'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true; // ends a sweep between batches
    await this.task?.stop();
  }

  /** One pass: releases everything due (batch after batch). Returns how many were released. */
  async sweep(now = new Date()): Promise<number> {
    let released = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        const events = await this.reservations.expireDue(manager, BATCH, now);
        for (const event of events) await this.outbox.stage(manager, event, { correlationId: event.key });
        return events.length;
      });
      released += count;
      if (count < BATCH || this.stopped) return released;
    }
  }
}
