import { connectEventTransport, inboxMigrations } from '@omnibus/messaging';
import { defineService, KAFKA_CLIENT, ROOT_LOGGER, topicFor } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { webhooksConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';
import { EVENT_CODEC } from './tokens';

/** The canonical streams partners are told about (the catalogue lists webhooks as their consumer). */
export const CONSUMED_TOPICS = ['retail.orders', 'retail.shipments', 'retail.inventory', 'retail.returns'] as const;

export const webhooksService = defineService({
  name: 'webhooks',
  appModule: AppModule,
  configSchema: webhooksConfigSchema,
  migrations: [...inboxMigrations, Initial1795700000000],
  configure: (app, config) => {
    connectEventTransport(app, {
      kafka: app.get(KAFKA_CLIENT),
      service: config.WEBHOOKS_CONSUMER_SERVICE,
      topics: CONSUMED_TOPICS.map((topic) => topicFor(config, topic)),
      dataSource: app.get(DataSource),
      decoder: app.get(EVENT_CODEC),
      logger: app.get(ROOT_LOGGER),
      consumerConfig: { maxWaitTimeInMs: 1_000 },
    });
  },
});
