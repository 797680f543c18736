import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import type { FinancePostingConfig } from '../config';
import { shiftDay } from '../domain/dual-run';
import type { EventOutbox } from '@omnibus/messaging';
import type { OdooClient } from '@omnibus/odoo-client';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { Difference, LedgerEntry, reconcile, Reconciliation } from '../domain/reconciliation';
import { exceptionRaised } from '../ledger/journal-messages';
import * as store from '../ledger/ledger-store';
import { PostingService, stableId } from '../ledger/posting.service';
import { financeMetrics } from '../metrics';
import { EVENT_OUTBOX, ODOO_CLIENT } from '../tokens';
import { readOdooMoves } from './odoo-moves';

export interface ReconciliationRun extends Reconciliation {
  id: string;
  requestedBy: string;
  startedAt: string;
  finishedAt: string;
}

/** The schema's kinds; an account mismatch is OTHER there, named in the detail. */
const EVENT_KIND = { MISSING_IN_ODOO: 'MISSING_IN_ODOO', DUPLICATE_IN_ODOO: 'DUPLICATE_IN_ODOO', UNEXPECTED_IN_ODOO: 'UNEXPECTED_IN_ODOO', AMOUNT_MISMATCH: 'AMOUNT_MISMATCH', ACCOUNT_MISMATCH: 'OTHER', STATE_MISMATCH: 'STATE_MISMATCH' } as const;

/**
 * Reconciliation on demand: our ledger for the period against Odoo's moves, compared by posting id
 * and daily checksums; each difference not raised before becomes an exception for review and a
 * ReconciliationExceptionRaised, in one transaction with the stored run.
 */
@Injectable()
export class ReconciliationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;

  constructor(
    private readonly dataSource: DataSource,
    private readonly postings: PostingService,
    @Inject(ODOO_CLIENT) private readonly odoo: OdooClient,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: FinancePostingConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.FINANCE_RECONCILE_INTERVAL_MS === 0) return;
    this.task = runPeriodically(
      this.config.FINANCE_RECONCILE_INTERVAL_MS,
      () => this.scheduled(),
      (error) => this.logger.warn({ err: error }, 'scheduled reconciliation failed; next interval'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
    await this.odoo.close();
  }

  /** The recent days, once per interval whatever the number of instances (a second run would only find the same exceptions). */
  private async scheduled(): Promise<void> {
    const [recent] = await this.dataSource.query(`SELECT 1 FROM reconciliation_runs WHERE requested_by = 'schedule' AND started_at > now() - $1 * interval '1 millisecond'`, [
      this.config.FINANCE_RECONCILE_INTERVAL_MS / 2,
    ]);
    if (recent) return;
    const to = new Date().toISOString().slice(0, 10);
    const run = await this.run('schedule', { from: shiftDay(to, 1 - this.config.FINANCE_RECONCILE_DAYS), to });
    this.logger.info({ runId: run.id, from: run.from, to: run.to, clean: run.clean, differences: run.differences.length }, 'scheduled reconciliation');
  }

  async run(principal: string, period: { from: string; to: string }): Promise<ReconciliationRun> {
    const started = new Date();
    const stop = financeMetrics.reconciliationSeconds.startTimer();
    const entries = await store.entriesInPeriod(this.dataSource.manager, period.from, period.to);
    const result = reconcile(period, entries, await readOdooMoves(this.odoo, period));
    const run: ReconciliationRun = { id: uuidv7(), requestedBy: principal, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), ...result };
    const companies = new Map(entries.map((entry) => [entry.id, { companyId: entry.companyId, source: entry.source }]));
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO reconciliation_runs (id, period_from, period_to, requested_by, started_at, finished_at, clean, result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        run.id,
        period.from,
        period.to,
        principal,
        run.startedAt,
        run.finishedAt,
        run.clean,
        JSON.stringify(run),
      ]);
      for (const difference of result.differences) await this.raise(manager, difference, companies.get(difference.journalEntryId ?? ''));
      await store.audit(manager, { principal, action: 'reconcile', journalEntryId: null, detail: { runId: run.id, ...period, clean: run.clean, differences: result.differences.length } });
    });
    stop();
    financeMetrics.reconciliations.inc({ result: run.clean ? 'clean' : 'differences' });
    financeMetrics.reconciliationDifferences.reset();
    for (const difference of result.differences) financeMetrics.reconciliationDifferences.inc({ kind: difference.kind });
    return run;
  }

  private async raise(manager: EntityManager, difference: Difference, entry: Pick<LedgerEntry, 'companyId' | 'source'> | undefined): Promise<void> {
    const exceptionId = stableId(`reconciliation|${difference.kind}|${difference.journalEntryId}|${difference.odooMoveId}|${difference.expectedMinor}|${difference.actualMinor}`);
    const companyId = entry?.companyId ?? '';
    const detail = `${difference.kind}: ${difference.detail}`;
    if (!(await store.raiseException(manager, { id: exceptionId, kind: difference.kind, companyId, journalEntryId: difference.journalEntryId, detail }))) return;
    const money = (amount: number | null) => (amount === null || difference.currency === null ? null : { amountMinor: amount, currency: difference.currency });
    await this.outbox.stage(
      manager,
      exceptionRaised(
        this.postings.topicOf,
        {
          exceptionId,
          companyId,
          kind: EVENT_KIND[difference.kind],
          journalEntryId: difference.journalEntryId,
          source: entry ? { kind: entry.source.kind as never, id: entry.source.id, orderId: entry.source.orderId } : null,
          odooMoveId: difference.odooMoveId,
          expected: money(difference.expectedMinor),
          actual: money(difference.actualMinor),
          detail,
        },
        new Date(),
      ),
    );
  }

  async find(id: string): Promise<ReconciliationRun | undefined> {
    const [row] = await this.dataSource.query(`SELECT result FROM reconciliation_runs WHERE id = $1`, [id]);
    return row?.result;
  }
}
