import { Provider } from '@nestjs/common';
import { AvroEventCodec, AvroSerde, EventOutbox, registerProducedSchemas, SchemaRegistryClient } from '@omnibus/messaging';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import { ReturnsConfig } from './config';
import { loadPolicies } from './domain/policy';
import { EVENT_CODEC, EVENT_OUTBOX, RETURN_POLICIES } from './tokens';

/** `ce_source` of everything the returns service publishes. */
export const RETURNS_EVENT_SOURCE = 'omnibus/returns';

/**
 * The return policies (a bad file stops the service naming the file and field), the Avro codec (the
 * schemas returns publishes registered at start, so a refused contract stops it before its first
 * request) and the outbox.
 */
export const returnsProviders: Provider[] = [
  { provide: RETURN_POLICIES, inject: [SERVICE_CONFIG], useFactory: (config: ReturnsConfig) => loadPolicies(config.RETURNS_POLICY_DIR) },
  {
    provide: EVENT_CODEC,
    inject: [SERVICE_CONFIG],
    useFactory: async (config: ReturnsConfig) => {
      const registry = new SchemaRegistryClient({ url: config.SCHEMA_REGISTRY_URL });
      const serde = new AvroSerde({ registry });
      await registerProducedSchemas(registry, 'returns', { topicOf: (topic) => topicFor(config, topic), serde });
      return new AvroEventCodec(serde);
    },
  },
  {
    provide: EVENT_OUTBOX,
    inject: [EVENT_CODEC],
    useFactory: (codec: AvroEventCodec) => new EventOutbox({ source: RETURNS_EVENT_SOURCE, encoder: codec }),
  },
];
