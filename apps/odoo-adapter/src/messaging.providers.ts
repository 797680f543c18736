import { Provider } from '@nestjs/common';
import { AvroEventCodec, AvroSerde, EventOutbox, SchemaRegistryClient } from '@omnibus/messaging';
import { metricsRegistry } from '@omnibus/observability';
import { OutboxRelay } from '@omnibus/outbox';
import { KAFKA_CLIENT, ROOT_LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { OdooAdapterConfig } from './config';
import { EVENT_CODEC, EVENT_OUTBOX, OUTBOX_RELAY, SCHEMA_REGISTRY } from './tokens';

/** Avro codec against the schema registry, the outbox events are staged in, and its relay to Kafka. */
export const messagingProviders: Provider[] = [
  {
    provide: SCHEMA_REGISTRY,
    inject: [SERVICE_CONFIG],
    useFactory: (config: OdooAdapterConfig) => new SchemaRegistryClient({ url: config.SCHEMA_REGISTRY_URL }),
  },
  {
    provide: EVENT_CODEC,
    inject: [SCHEMA_REGISTRY],
    useFactory: (registry: SchemaRegistryClient) => new AvroEventCodec(new AvroSerde({ registry, autoRegister: true })),
  },
  {
    provide: EVENT_OUTBOX,
    inject: [EVENT_CODEC],
    useFactory: (codec: AvroEventCodec) => new EventOutbox({ source: 'omnibus/odoo-adapter', encoder: codec }),
  },
  {
    provide: OUTBOX_RELAY,
    inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
    useFactory: (dataSource: DataSource, kafka: Kafka, logger: Logger) =>
      new OutboxRelay({ dataSource, kafka, registry: metricsRegistry, logger: logger.child({ component: 'outbox-relay' }) }),
  },
];
