export * from './audit';
export * from './dead-letters';
export * from './lag';
export * from './replay';
export * from './operator-console';
export { operationsMigrations, openOperationsDatabase, operationsDatabaseName } from './operations-database';
export * from './operator-input';
export * from './parked-keys';
export * from './parked-keys-metrics';
