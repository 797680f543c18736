import { Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { StockSnapshotPart } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { CurrentPrincipal, Principal, RequireScopes } from '@omnibus/service-kit';
import { DriftCheck, DriftReport } from './drift-check';

/** The drift check on demand: `omnibus inventory drift` starts a run and polls it. */
@Controller('stock/drift')
export class DriftController {
  constructor(private readonly drift: DriftCheck) {}

  /** Starts a run (202): the adapter is asked for a snapshot of Odoo; GET the run until it is no longer `requested`. */
  @Post()
  @HttpCode(202)
  @RequireScopes('ops:read')
  start(@CurrentPrincipal() principal: Principal): Promise<DriftReport> {
    return this.drift.request(principal.sub);
  }

  /** The latest run. */
  @Get()
  @RequireScopes('ops:read')
  async latest(): Promise<DriftReport> {
    const report = await this.drift.latest();
    if (!report) throw new NotFoundException('no drift check has run yet');
    return report;
  }

  @Get(':runId')
  @RequireScopes('ops:read')
  async run(@Param('runId') runId: string): Promise<DriftReport> {
    const report = await this.drift.report(runId);
    if (!report) throw new NotFoundException(`no drift check run ${runId}`);
    return report;
  }
}

/** The odoo-adapter's answers (StockSnapshotPart on odoo.stock-snapshots). */
@Controller()
export class StockSnapshotHandlers {
  constructor(private readonly drift: DriftCheck) {}

  @EventPattern(StockSnapshotPart.type)
  async snapshotPart(@Payload() part: StockSnapshotPart, @Ctx() context: EventContext): Promise<void> {
    await this.drift.receivePart(context.manager, part);
  }
}
