import fs from 'node:fs';
import path from 'node:path';
import { databaseUrl, PostgresServer } from './postgres';
import { repoRoot } from './paths';
import type { WebhookSecrets } from './webhook-secrets';

/**
 * The apps `omnibus up` starts, in start order (lower tier first: what others need at start-up).
 * An app is started only once apps/<name>/src/main.ts exists. Ports follow the operator contract;
 * each one is overridable by its `portEnv` variable.
 */
export interface ServiceDefinition {
  /** Folder under apps/. */
  name: string;
  port: number;
  /** Environment variable that overrides the port; the app gets the port as PORT and under this name. */
  portEnv: string;
  /** Its own PostgreSQL database (created by `up`), if it has one. */
  database?: string;
  /** 0 = infrastructure-like apps others call at start-up, 1 = services, 2 = simulators of the outside world. */
  tier: 0 | 1 | 2;
  /** Extra variables this app reads, beyond the common ones. */
  extraEnv?: (platform: PlatformEndpoints) => Record<string, string>;
  /** Only under Docker (docker-compose.yml), e.g. listening on all interfaces of the container. */
  dockerEnv?: Record<string, string>;
}

export const SERVICES: readonly ServiceDefinition[] = [
  { name: 'schema-registry', port: 8081, portEnv: 'SCHEMA_REGISTRY_PORT', database: 'registry', tier: 0 },
  { name: 'odoo-sim', port: 8069, portEnv: 'ODOO_SIM_PORT', tier: 0, dockerEnv: { ODOO_SIM_HOST: '0.0.0.0' } },
  // The order service's gateway connector calls retail-sim's payment gateway (locally its default,
  // 127.0.0.1:3010); it accepts the gateway's and the carrier's webhooks signed with the platform's secrets.
  {
    name: 'order',
    port: 3001,
    portEnv: 'ORDER_PORT',
    database: 'order',
    tier: 1,
    extraEnv: (platform) => ({
      ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [platform.webhookSecrets.payments] }),
      ORDER_CARRIER_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [platform.webhookSecrets.carrier] }),
    }),
    dockerEnv: { ORDER_PAYMENT_GATEWAY_URL: 'http://retail-sim:3010' },
  },
  { name: 'inventory', port: 3002, portEnv: 'INVENTORY_PORT', database: 'inventory', tier: 1 },
  { name: 'returns', port: 3003, portEnv: 'RETURNS_PORT', database: 'returns', tier: 1 },
  // finance-posting reads Odoo's journal entries for reconciliation.
  { name: 'finance-posting', port: 3004, portEnv: 'FINANCE_POSTING_PORT', database: 'finance', tier: 1, extraEnv: (platform) => ({ ODOO_URL: platform.odooUrl }) },
  {
    name: 'odoo-adapter',
    port: 3005,
    portEnv: 'ODOO_ADAPTER_PORT',
    database: 'odoo_adapter',
    tier: 1,
    extraEnv: (platform) => ({ ODOO_URL: platform.odooUrl }),
  },
  { name: 'webhooks', port: 3006, portEnv: 'WEBHOOKS_PORT', database: 'webhooks', tier: 1 },
  {
    name: 'retail-sim',
    port: 3010,
    portEnv: 'RETAIL_SIM_PORT',
    tier: 2,
    // Its gateway and its carrier report to the order service, each signing with its own secret.
    extraEnv: (platform) => ({
      RETAIL_SIM_WEBHOOK_URL: `${platform.orderUrl}/webhooks/payments/retail-sim`,
      RETAIL_SIM_WEBHOOK_SECRET: platform.webhookSecrets.payments,
      RETAIL_SIM_CARRIER_WEBHOOK_URL: `${platform.orderUrl}/webhooks/carriers/retail-sim`,
      RETAIL_SIM_CARRIER_WEBHOOK_SECRET: platform.webhookSecrets.carrier,
    }),
    dockerEnv: { RETAIL_SIM_HOST: '0.0.0.0' },
  },
];

/** Where the apps find the platform: loopback addresses locally, service names under Docker. */
export interface PlatformEndpoints {
  kafkaBrokers: string;
  /** URL of a database on the platform's PostgreSQL server. */
  databaseUrl: (database: string) => string;
  schemaRegistryUrl: string;
  odooUrl: string;
  /** Where retail-sim's webhooks reach the order service. */
  orderUrl: string;
  /** What retail-sim signs its webhooks with and the order service checks them against. */
  webhookSecrets: WebhookSecrets;
}

export function servicePort(service: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[service.portEnv];
  if (value === undefined || value === '') return service.port;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${service.portEnv} must be a port number, got "${value}"`);
  return port;
}

export function serviceUrl(service: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): string {
  return `http://127.0.0.1:${servicePort(service, env)}`;
}

export function localEndpoints(kafkaBrokers: string[], postgres: PostgresServer, webhookSecrets: WebhookSecrets, env: NodeJS.ProcessEnv = process.env): PlatformEndpoints {
  const byName = (name: string) => SERVICES.find((s) => s.name === name)!;
  return {
    kafkaBrokers: kafkaBrokers.join(','),
    databaseUrl: (database) => databaseUrl(postgres, database),
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL ?? serviceUrl(byName('schema-registry'), env),
    odooUrl: env.ODOO_URL ?? serviceUrl(byName('odoo-sim'), env),
    orderUrl: serviceUrl(byName('order'), env),
    webhookSecrets,
  };
}

/**
 * The environment an app gets (the settings of libs/service-kit). docker-compose.yml sets the same
 * variable names (a unit test keeps them in step), so an app cannot tell how it was started.
 */
export function serviceEnvironment(service: ServiceDefinition, platform: PlatformEndpoints, port: number): Record<string, string> {
  return {
    PORT: String(port),
    [service.portEnv]: String(port),
    KAFKA_BROKERS: platform.kafkaBrokers,
    SCHEMA_REGISTRY_URL: platform.schemaRegistryUrl,
    ...(service.database ? { DATABASE_URL: platform.databaseUrl(service.database) } : {}),
    ...(service.extraEnv?.(platform) ?? {}),
  };
}

export function serviceEntryPoint(service: ServiceDefinition, root = repoRoot): string {
  return path.join(root, 'apps', service.name, 'src', 'main.ts');
}

/** The apps of the table that exist in this checkout (a service being built is skipped until it has a main.ts). */
export function availableServices(root = repoRoot): ServiceDefinition[] {
  return SERVICES.filter((service) => fs.existsSync(serviceEntryPoint(service, root)));
}

export function serviceDatabases(): string[] {
  return SERVICES.flatMap((service) => (service.database ? [service.database] : []));
}
