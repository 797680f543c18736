import { Module } from '@nestjs/common';
import { AvroEventCodec, AvroSerde, SchemaRegistryClient } from '@omnibus/messaging';
import { SERVICE_CONFIG } from '@omnibus/service-kit';
import type { WebhooksConfig } from './config';
import { DeliveryDispatcher } from './delivery/dispatcher';
import { EndpointClient } from './delivery/endpoint-client';
import { FanOutHandlers } from './delivery/fan-out.handlers';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { Subscriptions } from './subscriptions/subscriptions.service';
import { ENDPOINT_CLIENT, EVENT_CODEC } from './tokens';

/**
 * Outbound webhooks to partners. The standard parts come from the service kit; this module adds the
 * subscriptions API, the consumer that turns canonical events into queued deliveries, and the
 * dispatcher that sends them (signed, ordered per aggregate, retried, dead-lettered). The service
 * publishes no events, so it has no outbox.
 */
@Module({
  controllers: [SubscriptionsController, FanOutHandlers],
  providers: [
    {
      provide: EVENT_CODEC,
      inject: [SERVICE_CONFIG],
      useFactory: (config: WebhooksConfig) => new AvroEventCodec(new AvroSerde({ registry: new SchemaRegistryClient({ url: config.SCHEMA_REGISTRY_URL }) })),
    },
    {
      provide: ENDPOINT_CLIENT,
      inject: [SERVICE_CONFIG],
      useFactory: (config: WebhooksConfig) =>
        new EndpointClient({
          connectTimeoutMs: config.WEBHOOKS_CONNECT_TIMEOUT_MS,
          responseTimeoutMs: config.WEBHOOKS_RESPONSE_TIMEOUT_MS,
          breakerFailures: config.WEBHOOKS_BREAKER_FAILURES,
          breakerHalfOpenMs: config.WEBHOOKS_BREAKER_HALF_OPEN_MS,
          egress: { allowHttp: config.WEBHOOKS_ALLOW_HTTP && config.NODE_ENV !== 'production', allowed: config.WEBHOOKS_EGRESS_ALLOW },
        }),
    },
    Subscriptions,
    DeliveryDispatcher,
  ],
})
export class AppModule {}
