import { BadRequestException, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { RequireScopes, SERVICE_CONFIG, ValidBody } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import type { FinancePostingConfig } from '../config';
import { compareCheckpoints, DailyTotal, DualRunReport, LegacyTotalsError, parseLegacyTotals } from '../domain/dual-run';

const checkpointSchema = z
  .object({
    /** The legacy system's export: `date,channel,account,amount` (amount = debit − credit, decimal). */
    legacyCsv: z.string().min(1),
    cleanDaysRequired: z.number().int().min(1).max(366).optional(),
    roundingToleranceMinor: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();

/**
 * Dual-run checkpoints: `POST /dual-run/checkpoints` with the legacy daily totals compares them with
 * ours (Σ debit − credit per day, channel and account of our ledger) and says per day whether the
 * checkpoint is clean, and whether cut-over is ready.
 */
@Controller('dual-run')
export class DualRunController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: FinancePostingConfig,
  ) {}

  @Post('checkpoints')
  @HttpCode(200)
  @RequireScopes('finance:read')
  async checkpoints(@ValidBody(checkpointSchema) body: z.infer<typeof checkpointSchema>): Promise<DualRunReport> {
    let legacy: DailyTotal[];
    try {
      legacy = parseLegacyTotals(body.legacyCsv);
    } catch (error) {
      if (error instanceof LegacyTotalsError) throw new BadRequestException(`legacyCsv: ${error.message}`);
      throw error;
    }
    const dates = legacy.map((total) => total.date).sort();
    const ours = dates.length === 0 ? [] : await ourDailyTotals(this.dataSource, dates[0], dates[dates.length - 1]);
    return compareCheckpoints(legacy, ours, {
      roundingToleranceMinor: body.roundingToleranceMinor ?? this.config.FINANCE_DUAL_RUN_TOLERANCE_MINOR,
      cleanDaysRequired: body.cleanDaysRequired ?? this.config.FINANCE_DUAL_RUN_CLEAN_DAYS,
    });
  }
}

/** Σ debit − credit per accounting day, channel (of the entry's order) and account. */
async function ourDailyTotals(dataSource: DataSource, from: string, to: string): Promise<DailyTotal[]> {
  const rows: Array<{ date: string; channel: string; account: string; amount: string }> = await dataSource.query(
    `SELECT to_char(e.entry_date, 'YYYY-MM-DD') AS date, coalesce(f.facts->>'channel', '') AS channel, l.account_code AS account, sum(l.debit_minor - l.credit_minor) AS amount
       FROM journal_entries e JOIN journal_entry_lines l ON l.entry_id = e.id LEFT JOIN order_facts f ON f.order_id = e.source->>'orderId'
      WHERE e.entry_date BETWEEN $1 AND $2 GROUP BY 1, 2, 3`,
    [from, to],
  );
  return rows.map((row) => ({ date: row.date, channel: row.channel, account: row.account, amountMinor: Number(row.amount) }));
}
