import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { StockPositionChanged } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { Network } from '../domain/network';
import { inventoryMetrics } from '../metrics';
import { NETWORK } from '../tokens';
import { ChunkFlusher, ChunkWork } from '../consumer/chunk-work';
import { OdooLocations } from '../locations/odoo-locations.service';
import { StockFeeds, StockObservation } from './stock-feeds.service';

/**
 * Odoo's stock, as the adapter's canonical StockPositionChanged events on retail.inventory: absolute
 * counts, applied only when newer (observedAt) than what the position reflects from Odoo. Positions
 * inventory itself published from HTTP feeds share the topic and are passed over.
 */
@Controller()
export class OdooStockHandlers {
  private readonly odooStock: ChunkFlusher<StockObservation> = {
    name: 'odoo-stock',
    flush: async (manager, observations) => {
      await this.feeds.apply(manager, 'odoo', observations);
      return observations.map(() => []);
    },
  };

  constructor(
    private readonly feeds: StockFeeds,
    private readonly chunks: ChunkWork,
    @Inject(NETWORK) private readonly network: Network,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly odooLocations: OdooLocations,
  ) {}

  @EventPattern(StockPositionChanged.type)
  async positionChanged(@Payload() change: StockPositionChanged, @Ctx() context: EventContext): Promise<void> {
    if (change.source !== 'ODOO') return;
    if (!this.network.location(change.location.locationId)) {
      inventoryMetrics.feedUpdates.inc({ source: 'odoo', outcome: 'unknown_location' });
      this.logger.debug({ sku: change.sku, locationId: change.location.locationId, eventId: context.event.id }, 'Odoo stock for a location not in the stock network; parked until the location is known');
      await this.odooLocations.park(context.manager, context.event.id, change);
      return;
    }
    // Applied with the chunk's other Odoo events at once (ChunkWork), SKU locks in one ordered statement.
    this.chunks.defer(context, this.odooStock, {
      eventId: context.event.id,
        sku: change.sku,
        locationId: change.location.locationId,
        kind: 'absolute',
        quantity: change.onHand.milli,
        inbound: change.inbound.milli,
        observedAt: change.observedAt,
    });
  }
}
