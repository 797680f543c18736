import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '@omnibus/outbox';
import { KAFKA_CLIENT, ROOT_LOGGER } from '@omnibus/service-kit';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { messagingProviders } from './messaging.providers';
import { OdooResultHandlers } from './odoo-results/odoo-results.handlers';
import { OrderIntake } from './orders/order-intake.service';
import { OrdersController } from './orders/orders.controller';

/**
 * Order intake for channels and the order saga. The standard parts (config, logs, database, health,
 * metrics, auth) come from the service kit; this module adds the intake API, the Odoo-result handlers
 * and the outbox relay that publishes what the service stages.
 */
@Module({
  imports: [
    OutboxRelayModule.forRootAsync({
      inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
      useFactory: (dataSource: DataSource, kafka: Kafka, logger: Logger) => ({ dataSource, kafka, logger: logger.child({ component: 'outbox-relay' }) }),
    }),
  ],
  controllers: [OrdersController, OdooResultHandlers],
  providers: [...messagingProviders, OrderIntake],
  exports: [...messagingProviders],
})
export class AppModule {}
