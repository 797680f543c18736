import { Provider } from '@nestjs/common';
import { AvroEventCodec, AvroSerde, EventOutbox, registerProducedSchemas, SchemaRegistryClient } from '@omnibus/messaging';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import { InventoryConfig } from './config';
import { loadNetwork } from './domain/network';
import { EVENT_CODEC, EVENT_OUTBOX, NETWORK } from './tokens';

/** `ce_source` of everything inventory publishes. */
export const INVENTORY_EVENT_SOURCE = 'omnibus/inventory';

/**
 * The stock network (validated at start: a bad file stops the service naming the field), the Avro
 * codec (schemas inventory publishes registered at start) and the outbox.
 */
export const inventoryProviders: Provider[] = [
  { provide: NETWORK, inject: [SERVICE_CONFIG], useFactory: (config: InventoryConfig) => loadNetwork(config.INVENTORY_NETWORK_FILE) },
  {
    provide: EVENT_CODEC,
    inject: [SERVICE_CONFIG],
    useFactory: async (config: InventoryConfig) => {
      const registry = new SchemaRegistryClient({ url: config.SCHEMA_REGISTRY_URL });
      const serde = new AvroSerde({ registry });
      await registerProducedSchemas(registry, 'inventory', { topicOf: (topic) => topicFor(config, topic), serde });
      return new AvroEventCodec(serde);
    },
  },
  {
    provide: EVENT_OUTBOX,
    inject: [EVENT_CODEC],
    useFactory: (codec: AvroEventCodec) => new EventOutbox({ source: INVENTORY_EVENT_SOURCE, encoder: codec }),
  },
];
