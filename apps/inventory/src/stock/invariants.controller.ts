import { Controller, Get, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StockInvariantViolated } from '@omnibus/contracts';
import type { EventOutbox } from '@omnibus/messaging';
import { PeriodicTask, RequireScopes, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { InventoryConfig } from '../config';
import { inventoryMetrics } from '../metrics';
import { Network } from '../domain/network';
import { EVENT_OUTBOX, NETWORK } from '../tokens';
import { announceViolations } from './invariant-alerts';
import { checkInvariants, InvariantViolation } from './invariants';

export interface InvariantReport {
  checkedAt: string;
  ok: boolean;
  violations: InvariantViolation[];
}

/**
 * Runs the invariant check on demand and every INVARIANT_CHECK_INTERVAL_MS; a violation is an error log
 * line, the `inventory_invariant_violations` gauge (alert on > 0) and, once per violation, a
 * StockInvariantViolated event on inventory.checks.
 */
@Injectable()
export class InvariantMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(NETWORK) private readonly network: Network,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.INVARIANT_CHECK_INTERVAL_MS === 0) return;
    this.task = runPeriodically(
      this.config.INVARIANT_CHECK_INTERVAL_MS,
      () => this.check(),
      (error) => this.logger.warn({ err: error }, 'stock invariant check could not run; next interval'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  async check(): Promise<InvariantReport> {
    const violations = await this.dataSource.transaction(async (manager) => {
      const found = await checkInvariants(manager, [...this.network.locations.keys()]);
      await announceViolations(manager, found, topicFor(this.config, StockInvariantViolated.topic), (events) => this.outbox.stage(manager, events));
      return found;
    });
    inventoryMetrics.invariantViolations.set(violations.length);
    if (violations.length) this.logger.error({ violations: violations.slice(0, 20), count: violations.length }, 'stock invariants violated');
    return { checkedAt: new Date().toISOString(), ok: violations.length === 0, violations };
  }
}

@Controller('stock/invariants')
export class InvariantsController {
  constructor(private readonly monitor: InvariantMonitor) {}

  /** The stock invariants now: `omnibus inventory check` calls this. */
  @Get()
  @RequireScopes('ops:read')
  check(): Promise<InvariantReport> {
    return this.monitor.check();
  }
}
