import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ReturnDispositioned } from '@omnibus/contracts';
import { EventContext, OutgoingEvent } from '@omnibus/messaging';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { refreshAvailability } from '../availability/availability-projection';
import { ChunkFlusher, ChunkWork } from '../consumer/chunk-work';
import { Network } from '../domain/network';
import { restockOf } from '../domain/returns';
import { StockFeeds } from '../feeds/stock-feeds.service';
import { inventoryMetrics } from '../metrics';
import { applyChanges, byPositionKey, lockPosition, lockSkus, markAvailabilityDirty, PositionChange } from '../stock/stock-store';
import { NETWORK } from '../tokens';

interface Disposition {
  eventId: string;
  returnId: string;
  locationId: string;
  lines: ReturnDispositioned['lines'];
  occurredAt: Date;
}

/**
 * `retail.returns` → RESTOCK units back into on-hand at the disposition's location (`restockOf`), once: the
 * event's inbox record commits with the movement (a `delta` of source `returns`, the event id in the
 * ledger). Applied with the chunk's other dispositions, SKU locks then positions in (sku, location) order
 * like every writer. Where Odoo reports the location's stock, Odoo's count brings the units instead.
 */
@Controller()
export class ReturnHandlers {
  private readonly restock: ChunkFlusher<Disposition> = { name: 'returns', flush: (manager, items) => this.apply(manager, items) };

  constructor(
    private readonly chunks: ChunkWork,
    private readonly feeds: StockFeeds,
    @Inject(NETWORK) private readonly network: Network,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(ReturnDispositioned.type)
  dispositioned(@Payload() event: ReturnDispositioned, @Ctx() context: EventContext): void {
    this.chunks.defer(context, this.restock, { eventId: context.event.id, returnId: event.returnId, locationId: event.location.locationId, lines: event.lines, occurredAt: event.occurredAt });
  }

  private async apply(manager: EntityManager, dispositions: Disposition[]): Promise<OutgoingEvent[][]> {
    const answers: OutgoingEvent[][] = dispositions.map(() => []);
    const fedByOdoo = await this.locationsOdooReports(manager, dispositions.map((d) => d.locationId));
    const changes: Array<PositionChange & { index: number }> = [];
    for (const [index, disposition] of dispositions.entries()) {
      if (!this.network.location(disposition.locationId)) {
        inventoryMetrics.feedUpdates.inc({ source: 'returns', outcome: 'unknown_location' });
        this.logger.warn({ returnId: disposition.returnId, locationId: disposition.locationId }, 'return dispositioned at a location not in the stock network: nothing restocked');
        continue;
      }
      const decision = restockOf(disposition.lines, fedByOdoo.has(disposition.locationId));
      if (decision.leftToOdoo.length) inventoryMetrics.feedUpdates.inc({ source: 'returns', outcome: 'left_to_odoo' }, decision.leftToOdoo.length);
      for (const { sku, quantity } of decision.apply) {
        changes.push({ index, sku, locationId: disposition.locationId, movement: 'delta', onHand: quantity, source: 'returns', sourceEventId: disposition.eventId, occurredAt: disposition.occurredAt });
      }
    }
    if (changes.length === 0) return answers;
    const skus = [...new Set(changes.map((change) => change.sku))];
    await lockSkus(manager, skus);
    // Positions in (sku, location) order; a chunk's changes of one position add up in chunk order.
    const ordered = [...changes].sort((a, b) => byPositionKey(a, b) || a.index - b.index);
    const onHand = new Map<string, { onHand: number; inbound: number }>();
    for (const change of ordered) {
      const key = `${change.sku}\u0000${change.locationId}`;
      const before = onHand.get(key) ?? (await lockPosition(manager, change.sku, change.locationId));
      const after = { onHand: before.onHand + (change.onHand as number), inbound: before.inbound };
      onHand.set(key, after);
      const observation = { eventId: change.sourceEventId, sku: change.sku, locationId: change.locationId, kind: 'delta' as const, quantity: change.onHand as number, observedAt: change.occurredAt };
      answers[change.index].push(this.feeds.positionChanged(observation, after.onHand, after.inbound, 'other'));
      inventoryMetrics.feedUpdates.inc({ source: 'returns', outcome: 'applied' });
    }
    await applyChanges(manager, ordered.map(({ index: _index, ...change }) => change));
    await refreshAvailability(manager, this.network, skus);
    await markAvailabilityDirty(manager, skus);
    return answers;
  }

  /** Locations whose stock Odoo reports: learned from Odoo's warehouses, or fed by Odoo's stock events. */
  private async locationsOdooReports(manager: EntityManager, locationIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(locationIds)];
    const fed: Array<{ locationId: string }> = await manager.query(`SELECT location_id AS "locationId" FROM stock_freshness WHERE source = 'odoo' AND location_id = ANY($1)`, [ids]);
    return new Set([...fed.map((row) => row.locationId), ...ids.filter((id) => this.network.location(id) && !this.network.isConfigured(id))]);
  }
}
