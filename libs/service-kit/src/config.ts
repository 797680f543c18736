import { logLevels, traceExporterKinds } from '@omnibus/observability';
import { z } from 'zod';
import {
  defaultKafkaBrokers,
  defaultPostgresServer,
  defaultSchemaRegistryUrl,
  operatorDefaults,
} from './operator-contract';
import { kafkaSaslProblem, kafkaSecuritySettings } from './kafka-client';
import { REQUIRED, setting } from './settings';

/** Signs API tokens on a developer machine only; start-up refuses it when NODE_ENV=production. */
export const DEV_AUTH_SECRET = 'omnibus-development-secret-never-use-in-production';

/**
 * The settings every Omnibus service reads, with the operator-contract defaults of `name`
 * (its port and database). Extend it with the service's own settings:
 * `serviceConfigSchema('odoo-adapter').extend({ ODOO_URL: setting.url({...}) })`.
 */
export function serviceConfigSchema(name: string, defaults: { port?: number; database?: string } = {}) {
  const contract = (operatorDefaults as Record<string, { port: number; database: string }>)[name];
  const port = defaults.port ?? contract?.port;
  const database = defaults.database ?? contract?.database ?? name.replace(/[^a-z0-9_]/gi, '_');
  return z.object({
    NODE_ENV: setting.text({ description: 'deployment mode, e.g. production', default: 'development' }),
    PORT: setting.integer({ description: 'integer TCP port 0-65535', default: port, min: 0, max: 65535 }),
    DATABASE_URL: setting.url({
      description: 'postgres://user[:password]@host:port/database',
      default: `${defaultPostgresServer}/${database}`,
      protocols: ['postgres:', 'postgresql:'],
    }),
    DATABASE_POOL_SIZE: setting.integer({ description: 'PostgreSQL connections the service keeps at most (requests, consumers and relay share them)', default: 10, min: 1, max: 200 }),
    DATABASE_CONNECT_TIMEOUT_MS: setting.integer({
      description: 'how long a query waits for a pooled connection (or a new one) before failing (HTTP 503 + Retry-After)',
      default: 3_000,
      min: 100,
      max: 60_000,
    }),
    KAFKA_BROKERS: setting.hostPortList({ description: 'comma-separated host:port list', default: defaultKafkaBrokers }),
    ...kafkaSecuritySettings,
    SCHEMA_REGISTRY_URL: setting.url({
      description: 'http(s) URL of a Confluent-compatible schema registry',
      default: defaultSchemaRegistryUrl,
      protocols: ['http:', 'https:'],
    }),
    LOG_LEVEL: setting.oneOf(logLevels, { default: 'info' }),
    OMNIBUS_AUTH_SECRET: setting.text({
      description: 'HMAC secret for API tokens, at least 32 characters',
      default: DEV_AUTH_SECRET,
      minLength: 32,
    }),
    OTEL_TRACES_EXPORTER: setting.oneOf(traceExporterKinds, { default: 'none' }),
    SHUTDOWN_TIMEOUT_MS: setting.integer({ description: 'milliseconds, 1-600000', default: 10_000, min: 1, max: 600_000 }),
  });
}

export type ServiceConfigSchema = ReturnType<typeof serviceConfigSchema>;
export type ServiceConfig = z.infer<ServiceConfigSchema>;

/** A setting is missing or malformed. `message` is the one line a service prints before exiting 1. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `env` against `schema`; throws a ConfigError naming every bad setting. */
export function loadServiceConfig<S extends z.ZodType<ServiceConfig, any, any>>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(service, describeProblems(schema, result.error, env));
  const config = result.data as z.infer<S>;
  if (config.NODE_ENV === 'production' && config.OMNIBUS_AUTH_SECRET === DEV_AUTH_SECRET) {
    throw new ConfigError(service, [
      'OMNIBUS_AUTH_SECRET is required when NODE_ENV=production (HMAC secret for API tokens, at least 32 characters)',
    ]);
  }
  const kafkaProblem = kafkaSaslProblem(config);
  if (kafkaProblem) throw new ConfigError(service, [kafkaProblem]);
  return config;
}

export function usesDevAuthSecret(config: ServiceConfig): boolean {
  return config.OMNIBUS_AUTH_SECRET === DEV_AUTH_SECRET;
}

function describeProblems(schema: z.ZodTypeAny, error: z.ZodError, env: Record<string, string | undefined>): string[] {
  const shape: Record<string, z.ZodTypeAny> = schema instanceof z.ZodObject ? schema.shape : {};
  const problems = new Map<string, string>();
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '(environment)');
    if (problems.has(key)) continue;
    const description = shape[key]?.description;
    const value = env[key];
    if (issue.message === REQUIRED || value === undefined || value === '') {
      problems.set(key, `${key} is required${description ? ` (${description})` : ''}`);
    } else {
      const expected = description ? ` (${description})` : `: ${issue.message}`;
      problems.set(key, `${key} is invalid${expected}, got ${shown(key, value)}`);
    }
  }
  return [...problems.values()];
}

// Secrets and passwords never reach the terminal or the logs.
function shown(key: string, value: string): string {
  if (/SECRET|PASSWORD|TOKEN|KEY/i.test(key)) return `a value of ${value.length} characters`;
  return JSON.stringify(value.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'));
}

/** The database name in a postgres:// URL. */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}
