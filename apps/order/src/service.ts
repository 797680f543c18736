import { connectEventTransport, inboxMigrations } from '@omnibus/messaging';
import { outboxMigrations } from '@omnibus/outbox';
import { defineService, KAFKA_CLIENT, ROOT_LOGGER, topicFor } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { orderConfigSchema } from './config';
import { Initial1795700000000 } from './migrations/1795700000000-Initial';
import { OrderIntake1795700000100 } from './migrations/1795700000100-OrderIntake';
import { OrderSaga1795700000200 } from './migrations/1795700000200-OrderSaga';
import { ReviewQueue1795700000300 } from './migrations/1795700000300-ReviewQueue';
import { Payments1795700000400 } from './migrations/1795700000400-Payments';
import { Shipments1795700000500 } from './migrations/1795700000500-Shipments';
import { PaymentLinks1795700000650 } from './migrations/1795700000650-PaymentLinks';
import { Refunds1795700000700 } from './migrations/1795700000700-Refunds';
import { keepRawWebhookBodies } from './webhooks/raw-body';
import { sagaMigrations } from '@omnibus/saga';
import { EVENT_CODEC, EVENT_OUTBOX } from './tokens';

export const orderService = defineService({
  name: 'order',
  appModule: AppModule,
  configSchema: orderConfigSchema,
  migrations: [...outboxMigrations, ...inboxMigrations, ...sagaMigrations, Initial1795700000000, OrderIntake1795700000100, OrderSaga1795700000200, ReviewQueue1795700000300, Payments1795700000400, Shipments1795700000500, PaymentLinks1795700000650, Refunds1795700000700],
  // The saga's reply consumer runs in this process, beside the intake API.
  configure: (app, config) => {
    keepRawWebhookBodies(app);
    connectEventTransport(app, {
      kafka: app.get(KAFKA_CLIENT),
      service: config.ORDER_CONSUMER_SERVICE,
      // payments.commands: the saga's commands to this service's own gateway connector; retail.payments: its answers;
      // retail.returns: ExchangeRequested (the replacement orders of exchanges).
      topics: [topicFor(config, 'retail.reservations'), topicFor(config, 'odoo.results'), topicFor(config, 'payments.commands'), topicFor(config, 'retail.payments'), topicFor(config, 'retail.returns')],
      dataSource: app.get(DataSource),
      decoder: app.get(EVENT_CODEC),
      outbox: app.get(EVENT_OUTBOX),
      logger: app.get(ROOT_LOGGER),
      // Stopping waits for the fetch in flight: with kafkajs' 5 s wait every shutdown took 5 s.
      // One idle fetch a second instead costs next to nothing; new results still arrive at once.
      consumerConfig: { maxWaitTimeInMs: 1_000, sessionTimeout: config.ORDER_CONSUMER_SESSION_TIMEOUT_MS },
    });
  },
});
