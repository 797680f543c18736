import { connectEventTransport, inboxMigrations } from '@omnibus/messaging';
import { outboxMigrations } from '@omnibus/outbox';
import { defineService, KAFKA_CLIENT, ROOT_LOGGER, topicFor } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { returnsConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';
import { Returns1795700000100 } from './migrations/1795700000100-Returns';
import { Exchanges1795700000200 } from './migrations/1795700000200-Exchanges';
import { EVENT_CODEC, EVENT_OUTBOX } from './tokens';

export const returnsService = defineService({
  name: 'returns',
  appModule: AppModule,
  configSchema: returnsConfigSchema,
  migrations: [...outboxMigrations, ...inboxMigrations, Initial1795700000000, Returns1795700000100, Exchanges1795700000200],
  // The consumer of orders, shipments, payments and Odoo results runs in this process, beside the API.
  configure: (app, config) => {
    connectEventTransport(app, {
      kafka: app.get(KAFKA_CLIENT),
      service: config.RETURNS_CONSUMER_SERVICE,
      topics: [topicFor(config, 'retail.orders'), topicFor(config, 'retail.shipments'), topicFor(config, 'retail.payments'), topicFor(config, 'odoo.results')],
      dataSource: app.get(DataSource),
      decoder: app.get(EVENT_CODEC),
      outbox: app.get(EVENT_OUTBOX),
      logger: app.get(ROOT_LOGGER),
      consumerConfig: { maxWaitTimeInMs: 1_000 },
    });
  },
});
