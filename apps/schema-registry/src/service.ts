import type { NestExpressApplication } from '@nestjs/platform-express';
import { defineService, serviceConfigSchema } from '@omnibus/service-kit';
import type { NextFunction, Request, Response } from 'express';
import { RegistrySchema1760000000000 } from './database/migrations/1760000000000-registry-schema';
import { registryAuthSettings, useRegistryAuth } from './http/basic-auth';
import { RegistryErrorFilter, toErrorResponse } from './http/error.filter';
import { SCHEMA_REGISTRY_V1_JSON } from './http/media-type';
import { SchemaRegistryModule } from './registry.module';

export const registryMigrations = [RegistrySchema1760000000000];

/** Schemas are JSON strings inside JSON; Confluent's own default limit is in this range. */
const BODY_LIMIT = '10mb';

/**
 * The schema registry as a standard Omnibus service: port 8081 and database `registry` by the
 * operator contract, readiness = its database (it never talks to Kafka).
 */
export const schemaRegistryService = defineService({
  name: 'schema-registry',
  appModule: SchemaRegistryModule,
  configSchema: serviceConfigSchema('schema-registry').extend(registryAuthSettings),
  migrations: registryMigrations,
  kafka: false,
  configure: (app, config) => {
    useRegistryAuth(app, config);
    configureConfluentHttp(app);
  },
});

/**
 * The kit reads PORT and DATABASE_URL. The registry also honours the operator contract's
 * SCHEMA_REGISTRY_PORT (it wins: it names this service) and, without DATABASE_URL, the PG* variables
 * (database `registry`, or SCHEMA_REGISTRY_DATABASE).
 */
export function registryEnvironment(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const result = { ...env };
  if (env.SCHEMA_REGISTRY_PORT) result.PORT = env.SCHEMA_REGISTRY_PORT;
  const usesPgVariables = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD'].some((key) => env[key]);
  if (!env.DATABASE_URL && usesPgVariables) {
    const url = new URL('postgres://localhost');
    url.hostname = env.PGHOST || '127.0.0.1';
    url.port = env.PGPORT || '5432';
    url.username = env.PGUSER || 'postgres';
    if (env.PGPASSWORD) url.password = env.PGPASSWORD;
    url.pathname = `/${env.SCHEMA_REGISTRY_DATABASE || 'registry'}`;
    result.DATABASE_URL = url.toString();
  }
  return result;
}

/**
 * Confluent clients send `application/vnd.schemaregistry.v1+json`, `application/vnd.schemaregistry+json`,
 * `application/json` or octet-stream: every body is read as JSON. Responses are v1 JSON, and every
 * error, including a malformed body, is `{error_code, message}`.
 */
export function configureConfluentHttp(app: NestExpressApplication): void {
  app.use((_request: Request, response: Response, next: NextFunction) => {
    response.type(SCHEMA_REGISTRY_V1_JSON);
    next();
  });
  app.useBodyParser('json', { type: () => true, limit: BODY_LIMIT });
  // Body-parser failures happen before any route, where Nest's exception filters do not reach.
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const { status, body } = toErrorResponse(error);
    response.status(status).type(SCHEMA_REGISTRY_V1_JSON).send(JSON.stringify(body));
  });
  app.useGlobalFilters(new RegistryErrorFilter());
}
