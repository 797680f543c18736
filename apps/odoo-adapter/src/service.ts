import { connectEventTransport, inboxMigrations } from '@omnibus/messaging';
import { outboxMigrations } from '@omnibus/outbox';
import { defineService, KAFKA_CLIENT, ROOT_LOGGER, topicFor } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { odooAdapterConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';
import { SyncState1795700000100 } from './migrations/1795700000100-SyncState';
import { EVENT_CODEC, EVENT_OUTBOX } from './tokens';

export const odooAdapterService = defineService({
  name: 'odoo-adapter',
  appModule: AppModule,
  configSchema: odooAdapterConfigSchema,
  migrations: [...outboxMigrations, ...inboxMigrations, Initial1795700000000, SyncState1795700000100],
  // odoo.commands are consumed in this process, next to the HTTP endpoints (webhooks, health).
  configure: (app, config) => {
    if (!config.ODOO_COMMANDS_ENABLED) return;
    connectEventTransport(app, {
      kafka: app.get(KAFKA_CLIENT),
      service: config.ODOO_CONSUMER_SERVICE,
      topics: [topicFor(config, 'odoo.commands')],
      dataSource: app.get(DataSource),
      decoder: app.get(EVENT_CODEC),
      outbox: app.get(EVENT_OUTBOX),
      logger: app.get(ROOT_LOGGER),
      // A chunk's sale orders are one batch in Odoo, and a chunk is what one fetch brought: the broker
      // holds a fetch until ODOO_BATCH_MIN_BYTES of commands are there or ODOO_BATCH_LINGER_MS passed, so
      // under a steady flow batches are full-sized (fewer Odoo calls per order) and a lone order waits
      // at most the linger.
      maxEventsPerTransaction: config.ODOO_BATCH_SIZE,
      // Linger 0: a fetch answers as soon as any command is there (minBytes 1; the wait bound then only
      // paces empty fetches, so it must not be small, or the consumer spins on empty answers).
      consumerConfig:
        config.ODOO_BATCH_LINGER_MS > 0 ? { minBytes: config.ODOO_BATCH_MIN_BYTES, maxWaitTimeInMs: config.ODOO_BATCH_LINGER_MS } : { minBytes: 1, maxWaitTimeInMs: 500 },
      partitionsConsumedConcurrently: config.ODOO_COMMANDS_CONCURRENCY,
      blockedBackoffMs: { initial: Math.min(500, config.ODOO_COMMANDS_PAUSE_MAX_MS), max: config.ODOO_COMMANDS_PAUSE_MAX_MS },
    });
  },
});
