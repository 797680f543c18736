import { connectEventTransport, inboxMigrations } from '@omnibus/messaging';
import { outboxMigrations } from '@omnibus/outbox';
import { defineService, KAFKA_CLIENT, ROOT_LOGGER, topicFor } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { financePostingConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';
import { Ledger1795700000100 } from './migrations/1795700000100-Ledger';
import { OdooDocuments1795700000200 } from './migrations/1795700000200-OdooDocuments';
import { EVENT_CODEC, EVENT_OUTBOX } from './tokens';

/** The topics whose facts post (or feed postings), and the adapter's answers. */
const CONSUMED = ['retail.orders', 'retail.payments', 'retail.shipments', 'retail.returns', 'retail.catalog', 'odoo.results'];

export const financePostingService = defineService({
  name: 'finance-posting',
  appModule: AppModule,
  configSchema: financePostingConfigSchema,
  migrations: [...outboxMigrations, ...inboxMigrations, Initial1795700000000, Ledger1795700000100, OdooDocuments1795700000200],
  // The operational-event consumer runs in this process, beside the HTTP API.
  configure: (app, config) => {
    connectEventTransport(app, {
      kafka: app.get(KAFKA_CLIENT),
      service: config.FINANCE_CONSUMER_SERVICE,
      topics: CONSUMED.map((topic) => topicFor(config, topic)),
      dataSource: app.get(DataSource),
      decoder: app.get(EVENT_CODEC),
      outbox: app.get(EVENT_OUTBOX),
      logger: app.get(ROOT_LOGGER),
      consumerConfig: { maxWaitTimeInMs: 1_000 },
    });
  },
});
