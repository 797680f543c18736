import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CompatibilityController } from './http/compatibility.controller';
import { RegistryMetrics } from './http/metrics';
import { RootController } from './http/root.controller';
import { SchemasController } from './http/schemas.controller';
import { ConfigController, ModeController } from './http/settings.controller';
import { SubjectsController } from './http/subjects.controller';
import { SchemaRegistry } from './registry/schema-registry';

/**
 * The Confluent-compatible HTTP API over the registry's rules. Health, metrics, logs, the database
 * and shutdown come from service-kit (see service.ts); HTTP details Confluent clients rely on
 * (content types, error envelope) are set up in service.ts too. Every route is @Public(): Confluent
 * clients send no bearer token (basic auth at most), and Confluent's registry is open by default;
 * protect it at the network edge in production.
 */
@Module({
  controllers: [SubjectsController, SchemasController, CompatibilityController, ConfigController, ModeController, RootController],
  providers: [
    RegistryMetrics,
    {
      provide: SchemaRegistry,
      useFactory: (dataSource: DataSource, metrics: RegistryMetrics) => new SchemaRegistry(dataSource, metrics.events),
      inject: [DataSource, RegistryMetrics],
    },
  ],
  exports: [SchemaRegistry],
})
export class SchemaRegistryModule {}
