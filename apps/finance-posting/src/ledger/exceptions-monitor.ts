import { Injectable, OnApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { financeMetrics } from '../metrics';
import { openExceptionsByKind } from './ledger-store';

/** Keeps the open-exception gauges (count and oldest age by kind) in step with the table. */
@Injectable()
export class ExceptionsMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), 15_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const open = await openExceptionsByKind(this.dataSource.manager);
    financeMetrics.exceptionsOpen.reset();
    financeMetrics.oldestExceptionSeconds.reset();
    for (const row of open) {
      financeMetrics.exceptionsOpen.set({ kind: row.kind }, row.count);
      financeMetrics.oldestExceptionSeconds.set({ kind: row.kind }, row.oldestSeconds);
    }
  }
}
