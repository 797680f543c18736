import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '@omnibus/outbox';
import { KAFKA_CLIENT, ROOT_LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { OrderConfig } from './config';
import { ShipmentTracker } from './shipments/shipment-tracker';
import { CarrierWebhooksController } from './webhooks/carrier-webhooks.controller';
import { orderSaga } from './domain/saga/order-saga';
import { messagingProviders } from './messaging.providers';
import { OrderIntake } from './orders/order-intake.service';
import { OrdersController } from './orders/orders.controller';
import { OrderCancellationController } from './orders/order-cancellation.controller';
import { OrderCancellation } from './orders/order-cancellation.service';
import { OrderSubstitutionsController } from './substitutions/order-substitutions.controller';
import { OrderSubstitutions } from './substitutions/order-substitutions.service';
import { ReviewController } from './review/review.controller';
import { ReviewQueue } from './review/review-queue.service';
import { PaymentGatewayClient } from './payments/gateway-client';
import { PaymentConnectorHandlers } from './payments/payment-connector.handlers';
import { PaymentRecorder } from './payments/payment-recorder';
import { PAYMENT_GATEWAY } from './payments/tokens';
import { PaymentWebhooksController } from './webhooks/payment-webhooks.controller';
import { SagaReplyHandlers } from './saga/saga-replies.handlers';
import { ExchangeRequestedHandler } from './exchanges/exchange-requested.handler';
import { SagaRunner } from './saga/saga-runner';
import { SagaTimeoutSweeper } from './saga/saga-sweeper';
import { ORDER_SAGA } from './tokens';

/**
 * Order intake for channels and the order saga. The standard parts (config, logs, database, health,
 * metrics, auth) come from the service kit; this module adds the intake API, the saga (its runner,
 * the participants' reply handlers and the timeout sweeper), the manual-review queue and the outbox relay that publishes what
 * the service stages.
 */
@Module({
  imports: [
    OutboxRelayModule.forRootAsync({
      inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
      useFactory: (dataSource: DataSource, kafka: Kafka, logger: Logger) => ({ dataSource, kafka, logger: logger.child({ component: 'outbox-relay' }) }),
    }),
  ],
  controllers: [OrdersController, OrderCancellationController, OrderSubstitutionsController, ReviewController, SagaReplyHandlers, ExchangeRequestedHandler, PaymentConnectorHandlers, PaymentWebhooksController, CarrierWebhooksController],
  providers: [
    ...messagingProviders,
    {
      provide: ORDER_SAGA,
      inject: [SERVICE_CONFIG],
      useFactory: (config: OrderConfig) =>
        orderSaga({
          reservationMs: config.ORDER_RESERVATION_TIMEOUT_MS,
          paymentMs: config.ORDER_PAYMENT_TIMEOUT_MS,
          odooMs: config.ORDER_ODOO_TIMEOUT_MS,
          compensationMs: config.ORDER_COMPENSATION_TIMEOUT_MS,
          reviewSlaMs: config.ORDER_REVIEW_SLA_MS,
          shipmentMs: config.ORDER_SHIPMENT_TIMEOUT_MS,
          deliveryMs: config.ORDER_DELIVERY_TIMEOUT_MS,
          paymentJournalCode: config.ORDER_ODOO_PAYMENT_JOURNAL,
        }),
    },
    {
      provide: PAYMENT_GATEWAY,
      inject: [SERVICE_CONFIG],
      useFactory: (config: OrderConfig) =>
        new PaymentGatewayClient({ url: config.ORDER_PAYMENT_GATEWAY_URL, apiKey: config.ORDER_PAYMENT_GATEWAY_KEY, timeoutMs: config.ORDER_PAYMENT_GATEWAY_TIMEOUT_MS }),
    },
    PaymentRecorder,
    ShipmentTracker,
    SagaRunner,
    SagaTimeoutSweeper,
    OrderIntake,
    OrderCancellation,
    OrderSubstitutions,
    ReviewQueue,
  ],
  exports: [...messagingProviders],
})
export class AppModule {}
