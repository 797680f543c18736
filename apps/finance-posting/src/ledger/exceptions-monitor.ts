import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask, runPeriodically } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { financeMetrics } from '../metrics';
import { openExceptionsByKind, parkedFacts } from './ledger-store';

/** Keeps the open-exception gauges (count and oldest age by kind) and the parked-facts gauges in step with the tables. */
@Injectable()
export class ExceptionsMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    // A failed refresh keeps the last values; the next one catches up.
    this.task = runPeriodically(15_000, () => this.refresh(), () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  async refresh(): Promise<void> {
    const open = await openExceptionsByKind(this.dataSource.manager);
    financeMetrics.exceptionsOpen.reset();
    financeMetrics.oldestExceptionSeconds.reset();
    for (const row of open) {
      financeMetrics.exceptionsOpen.set({ kind: row.kind }, row.count);
      financeMetrics.oldestExceptionSeconds.set({ kind: row.kind }, row.oldestSeconds);
    }
    const parked = await parkedFacts(this.dataSource.manager);
    financeMetrics.parkedFacts.set(parked.count);
    financeMetrics.oldestParkedSeconds.set(parked.oldestSeconds);
  }
}
