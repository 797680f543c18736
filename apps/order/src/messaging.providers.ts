import { Provider } from '@nestjs/common';
import { AvroEventCodec, AvroSerde, EventOutbox, registerProducedSchemas, SchemaRegistryClient } from '@omnibus/messaging';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import { OrderConfig } from './config';
import { EVENT_CODEC, EVENT_OUTBOX } from './tokens';

/** `ce_source` of everything the order service publishes. */
export const ORDER_EVENT_SOURCE = 'omnibus/order';

/**
 * The Avro codec and the outbox the service stages events in. The schemas it publishes are
 * registered at start-up, so a contract the registry refuses stops the service before it accepts
 * a single order (instead of failing at the first event).
 */
export const messagingProviders: Provider[] = [
  {
    provide: EVENT_CODEC,
    inject: [SERVICE_CONFIG],
    useFactory: async (config: OrderConfig) => {
      const registry = new SchemaRegistryClient({ url: config.SCHEMA_REGISTRY_URL });
      const serde = new AvroSerde({ registry });
      await registerProducedSchemas(registry, 'order', { topicOf: (topic) => topicFor(config, topic), serde });
      return new AvroEventCodec(serde);
    },
  },
  {
    provide: EVENT_OUTBOX,
    inject: [EVENT_CODEC],
    useFactory: (codec: AvroEventCodec) => new EventOutbox({ source: ORDER_EVENT_SOURCE, encoder: codec }),
  },
];
