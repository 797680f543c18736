/**
 * The operator contract (ARCHITECTURE.md): each service's default HTTP port and database.
 * Scripts and the CLI read the same table, so a default changes in one place.
 */
export const operatorDefaults = {
  order: { port: 3001, database: 'order' },
  inventory: { port: 3002, database: 'inventory' },
  returns: { port: 3003, database: 'returns' },
  'finance-posting': { port: 3004, database: 'finance' },
  'odoo-adapter': { port: 3005, database: 'odoo_adapter' },
  webhooks: { port: 3006, database: 'webhooks' },
  'schema-registry': { port: 8081, database: 'registry' },
} as const satisfies Record<string, { port: number; database: string }>;

export type OmnibusServiceName = keyof typeof operatorDefaults;

export const defaultKafkaBrokers = '127.0.0.1:9092';
export const defaultSchemaRegistryUrl = 'http://127.0.0.1:8081';
export const defaultPostgresServer = 'postgres://postgres@127.0.0.1:5432';
