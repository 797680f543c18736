import { Controller, Get, NotFoundException, Post, Res } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody, ValidParams, ValidQuery } from '@omnibus/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { reportCsv, reportText } from '../domain/reconciliation';
import { ExceptionsMonitor } from '../ledger/exceptions-monitor';
import { ReconciliationRun, ReconciliationService } from './reconciliation.service';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const periodSchema = z
  .object({ from: date, to: date })
  .strict()
  .refine((period) => period.from <= period.to, { message: 'from must not be after to', path: ['to'] });
const formatSchema = z.object({ format: z.enum(['json', 'text', 'csv']).default('json') });
const runIdSchema = z.object({ id: z.string().uuid() });

/** Reconciliation on demand: `POST /reconciliations {from, to}` runs it now; `?format=text|csv` for the readable reports. */
@Controller('reconciliations')
export class ReconciliationController {
  constructor(
    private readonly reconciliations: ReconciliationService,
    private readonly monitor: ExceptionsMonitor,
  ) {}

  @Post()
  @RequireScopes('finance:reconcile')
  async run(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(periodSchema) period: z.infer<typeof periodSchema>,
    @ValidQuery(formatSchema) query: z.infer<typeof formatSchema>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReconciliationRun | string> {
    const run = await this.reconciliations.run(principal.sub, period);
    await this.monitor.refresh();
    return render(run, query.format, response);
  }

  @Get(':id')
  @RequireScopes('finance:read')
  async show(@ValidParams(runIdSchema) params: { id: string }, @ValidQuery(formatSchema) query: z.infer<typeof formatSchema>, @Res({ passthrough: true }) response: Response): Promise<ReconciliationRun | string> {
    const run = await this.reconciliations.find(params.id.toLowerCase());
    if (!run) throw new NotFoundException(`no reconciliation run ${params.id}`);
    return render(run, query.format, response);
  }
}

function render(run: ReconciliationRun, format: 'json' | 'text' | 'csv', response: Response): ReconciliationRun | string {
  if (format === 'json') return run;
  response.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8');
  return format === 'csv' ? reportCsv(run) : reportText(run);
}
