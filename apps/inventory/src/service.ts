import { connectEventTransport, inboxMigrations } from '@omnibus/messaging';
import { outboxMigrations } from '@omnibus/outbox';
import { defineService, KAFKA_CLIENT, ROOT_LOGGER, topicFor } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { inventoryConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';
import { StockLedger1795700000100 } from './migrations/1795700000100-StockLedger';
import { AvailabilityFeed1795700000200 } from './migrations/1795700000200-AvailabilityFeed';
import { AvailabilityProjection1795700000300 } from './migrations/1795700000300-AvailabilityProjection';
import { OdooLocationsDriftAlerts1795700000500 } from './migrations/1795700000500-OdooLocationsDriftAlerts';
import { AvailabilityRenderedParts1795700000600 } from './migrations/1795700000600-AvailabilityRenderedParts';
import { ChannelHoldings1795700000700 } from './migrations/1795700000700-ChannelHoldings';
import { Shipments1795700000800 } from './migrations/1795700000800-Shipments';
import { EVENT_CODEC, EVENT_OUTBOX } from './tokens';

export const inventoryService = defineService({
  name: 'inventory',
  appModule: AppModule,
  configSchema: inventoryConfigSchema,
  // Availability reads are the hot path for channels and carry no operator action to audit; their
  // failures are still logged.
  quietReads: /^\/availability(\?|$)/,
  migrations: [...outboxMigrations, ...inboxMigrations, Initial1795700000000, StockLedger1795700000100, AvailabilityFeed1795700000200, AvailabilityProjection1795700000300, OdooLocationsDriftAlerts1795700000500, AvailabilityRenderedParts1795700000600, ChannelHoldings1795700000700, Shipments1795700000800],
  // The command and stock-event consumer runs in this process, beside the HTTP API.
  configure: (app, config) => {
    connectEventTransport(app, {
      kafka: app.get(KAFKA_CLIENT),
      service: config.INVENTORY_CONSUMER_SERVICE,
      topics: [topicFor(config, 'inventory.commands'), topicFor(config, 'retail.inventory'), topicFor(config, 'retail.locations'), topicFor(config, 'odoo.stock-snapshots'), topicFor(config, 'retail.shipments'), topicFor(config, 'retail.returns')],
      dataSource: app.get(DataSource),
      decoder: app.get(EVENT_CODEC),
      outbox: app.get(EVENT_OUTBOX),
      logger: app.get(ROOT_LOGGER),
      // A chunk of commands is decided together (ChunkWork): its locks in one statement, in (sku,
      // location) order, then its commands one after the other in memory.
      maxEventsPerTransaction: 250,
      consumerConfig: { maxWaitTimeInMs: 1_000 },
    });
  },
});
