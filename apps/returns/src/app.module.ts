import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { OutboxRelayModule } from '@omnibus/outbox';
import { KAFKA_CLIENT, ROOT_LOGGER } from '@omnibus/service-kit';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { returnsProviders } from './messaging.providers';
import { watchAwaitingRefunds } from './metrics';
import { OrderFactsHandlers } from './orders/order-facts.handlers';
import { ReturnsController } from './returns/returns.controller';
import { ReturnsService } from './returns/returns.service';
import { SettlementHandlers } from './returns/settlements.handlers';
import { ExchangeOutcomeHandlers } from './returns/exchange-outcome.handlers';

/**
 * Return authorisations, receipt and disposition, refunds. The standard parts come from the service
 * kit; this module adds the returns API, the projection of orders, shipments and payments it judges
 * requests by, the handlers of refund and Odoo answers, and the outbox relay.
 */
@Module({
  imports: [
    OutboxRelayModule.forRootAsync({
      inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
      useFactory: (dataSource: DataSource, kafka: Kafka, logger: Logger) => ({ dataSource, kafka, logger: logger.child({ component: 'outbox-relay' }) }),
    }),
  ],
  controllers: [ReturnsController, OrderFactsHandlers, SettlementHandlers, ExchangeOutcomeHandlers],
  providers: [...returnsProviders, ReturnsService],
  exports: [...returnsProviders],
})
export class AppModule implements OnModuleInit {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    watchAwaitingRefunds(this.dataSource);
  }
}
