export { createRegistryApp } from './app';
export type { RegistryAppOptions } from './app';
export { configureConfluentHttp, registryEnvironment, registryMigrations, schemaRegistryService } from './service';
export { SchemaRegistryModule } from './registry.module';
