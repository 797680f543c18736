import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ReadStockSnapshot, StockSnapshotPart } from '@omnibus/contracts';
import { DependencyUnavailableError, EventContext, PermanentError } from '@omnibus/messaging';
import { isOutage } from '@omnibus/odoo-client';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import type { OdooAdapterConfig } from '../config';
import { InboundSyncService } from '../inbound/inbound-sync.service';
import { snapshotParts } from '../inbound/stock-snapshot';
import { refusalOf } from './refusals';
import { snapshotPartEventId } from './result-ids';

/**
 * ReadStockSnapshot (inventory's drift check) → Odoo's quants read now → StockSnapshotPart events on
 * odoo.stock-snapshots, staged in the delivery's transaction. An Odoo outage pauses the partition (the
 * command waits); a refusal retrying cannot change dead-letters the command and answers with a part
 * naming the error, so the drift check ends instead of waiting forever.
 */
@Controller()
export class StockSnapshotHandlers {
  constructor(
    private readonly inbound: InboundSyncService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) private readonly config: OdooAdapterConfig,
  ) {}

  @EventPattern(ReadStockSnapshot.type)
  async readStockSnapshot(@Payload() command: ReadStockSnapshot, @Ctx() context: EventContext): Promise<void> {
    const topic = topicFor(this.config, StockSnapshotPart.topic);
    let parts: StockSnapshotPart[];
    try {
      parts = snapshotParts(command.snapshotId, await this.inbound.stockSnapshot(command), new Date());
    } catch (error) {
      if (error instanceof DependencyUnavailableError) throw error;
      if (isOutage(error)) throw new DependencyUnavailableError(`Odoo unavailable: ${(error as Error).message}`, { cause: error });
      const refusal = refusalOf(error);
      if (!refusal) throw error; // transient: retried by the runtime
      this.logger.warn({ snapshotId: command.snapshotId, error: refusal.message }, 'Odoo stock snapshot could not be read');
      const failed: StockSnapshotPart = { snapshotId: command.snapshotId, part: 1, parts: 1, locationIds: command.locationIds, positions: [], takenAt: new Date(), error: refusal.message, occurredAt: new Date() };
      throw new PermanentError(`stock snapshot refused: ${refusal.message}`, {
        cause: error,
        emitOnDeadLetter: [{ id: snapshotPartEventId(context.event.id, 0), topic, type: StockSnapshotPart.type, key: command.snapshotId, payload: failed }],
      });
    }
    this.logger.info({ snapshotId: command.snapshotId, positions: parts.reduce((sum, part) => sum + part.positions.length, 0), parts: parts.length }, 'Odoo stock snapshot read');
    await context.emit(parts.map((part) => ({ id: snapshotPartEventId(context.event.id, part.part), topic, type: StockSnapshotPart.type, key: command.snapshotId, payload: part })));
  }
}
