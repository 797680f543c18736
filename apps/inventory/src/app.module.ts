import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '@omnibus/outbox';
import { KAFKA_CLIENT, ROOT_LOGGER } from '@omnibus/service-kit';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AvailabilityPublisher } from './availability/availability-publisher';
import { AvailabilityController } from './availability/availability.controller';
import { AvailabilityProjection } from './availability/availability-projection';
import { ChunkWork } from './consumer/chunk-work';
import { DriftCheck } from './drift/drift-check';
import { DriftController, StockSnapshotHandlers } from './drift/drift.controller';
import { FeedsController } from './feeds/feeds.controller';
import { OdooStockHandlers } from './feeds/odoo-stock.handlers';
import { StockFeeds } from './feeds/stock-feeds.service';
import { LocationsController, OdooLocationHandlers, OdooLocations } from './locations/odoo-locations.service';
import { inventoryProviders } from './messaging.providers';
import { ExpirySweeper } from './reservations/expiry-sweeper';
import { ReservationHandlers } from './reservations/reservation.handlers';
import { ReservationService } from './reservations/reservation-service';
import { ShipmentHandlers } from './reservations/shipment.handlers';
import { ReturnHandlers } from './returns/return.handlers';
import { InvariantMonitor, InvariantsController } from './stock/invariants.controller';

/**
 * Stock positions per location, reservations and available-to-promise. The standard parts come
 * from the service kit; this module adds the reservation commands, the stock feeds (HTTP and
 * Odoo's events), the availability API, the expiry sweeper, the locations learned from Odoo, the drift
 * check against Odoo and the outbox relay.
 */
@Module({
  imports: [
    OutboxRelayModule.forRootAsync({
      inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
      useFactory: (dataSource: DataSource, kafka: Kafka, logger: Logger) => ({ dataSource, kafka, logger: logger.child({ component: 'outbox-relay' }) }),
    }),
  ],
  controllers: [ReservationHandlers, ShipmentHandlers, ReturnHandlers, OdooStockHandlers, FeedsController, AvailabilityController, InvariantsController, OdooLocationHandlers, LocationsController, StockSnapshotHandlers, DriftController],
  providers: [...inventoryProviders, ChunkWork, AvailabilityProjection, ReservationService, ExpirySweeper, StockFeeds, InvariantMonitor, AvailabilityPublisher, OdooLocations, DriftCheck],
  exports: [...inventoryProviders],
})
export class AppModule {}
