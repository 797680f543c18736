import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { kafkaLogCreator, Logger } from '@omnibus/observability';
import { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AuthGuard } from './auth/auth.guard';
import type { ServiceConfig } from './config';
import { ensureDatabase, isConnectionError, migrate, Migrations, postgresOptions } from './database';
import { kafkaClientConfig } from './kafka-client';
import { DependencyProbe } from './health/dependency-probe';
import { HealthController, READINESS_PROBES, ReadinessProbes } from './health/health.controller';
import { kafkaProbe } from './health/kafka-probe';
import { MetricsController } from './http/metrics.controller';
import { OpenApiController, RouteCatalogue } from './http/openapi';
import { KAFKA_CLIENT, ROOT_LOGGER, SERVICE_CONFIG, SERVICE_NAME } from './tokens';

export interface ServiceKitOptions {
  name: string;
  config: ServiceConfig;
  logger: Logger;
  migrations?: Migrations;
  /** Include Kafka in readiness (default true). A service that never talks to Kafka passes false. */
  kafka?: boolean;
  /** Paths of hot reads whose successful GETs are logged at debug, not info (see ServiceDefinition.quietReads). */
  quietReads?: RegExp;
}

const QUIET_PATHS = /^\/(health\/|metrics)/;

/**
 * The standard parts of an Omnibus service as one global module: validated config, JSON logs
 * with request ids, the service's TypeORM DataSource (database created if missing, migrations run),
 * health and metrics endpoints, and the API auth guard. bootstrapService() imports it for you.
 */
@Module({})
export class ServiceKitModule {
  static forRoot({ name, config, logger, migrations = [], kafka = true, quietReads }: ServiceKitOptions): DynamicModule {
    return {
      module: ServiceKitModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            genReqId: requestId,
            autoLogging: { ignore: (req) => QUIET_PATHS.test(req.url ?? '') },
            // Who made an authenticated request (the AuthGuard's principal): the audit trail of the API.
            customProps: (req) => {
              const principal = (req as { principal?: { sub: string } }).principal;
              return principal ? { principal: principal.sub } : {};
            },
            customLogLevel: (req, res, error) =>
              error || res.statusCode >= 500
                ? 'error'
                : res.statusCode >= 400
                  ? 'warn'
                  : req.method === 'GET' && quietReads?.test(req.url ?? '')
                    ? // 'silent' when debug is off: pino-http then stops before building the line.
                      logger.isLevelEnabled('debug')
                      ? 'debug'
                      : 'silent'
                    : 'info',
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
        TerminusModule.forRoot({ logger: false }),
        DiscoveryModule,
        TypeOrmModule.forRootAsync({
          useFactory: (): TypeOrmModuleOptions => ({
            ...postgresOptions(name, config.DATABASE_URL, migrations, logger, { poolSize: config.DATABASE_POOL_SIZE, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS }),
            autoLoadEntities: true,
            retryAttempts: 5,
            retryDelay: 1_000,
            toRetry: isConnectionError,
          }),
          dataSourceFactory: async (options) => {
            await ensureDatabase(config.DATABASE_URL, logger);
            const dataSource = await new DataSource(options!).initialize();
            await migrate(dataSource, logger);
            return dataSource;
          },
        }),
      ],
      controllers: [HealthController, MetricsController, OpenApiController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: SERVICE_NAME, useValue: name },
        { provide: ROOT_LOGGER, useValue: logger },
        {
          provide: KAFKA_CLIENT,
          useFactory: () => new Kafka(kafkaClientConfig(config, { clientId: name, logCreator: kafkaLogCreator(logger) })),
        },
        {
          provide: READINESS_PROBES,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new ReadinessProbes([
              new DependencyProbe('database', () => dataSource.query('SELECT 1'), { logger }),
              ...(kafka ? [kafkaProbe(config, logger)] : []),
            ]),
        },
        { provide: APP_GUARD, useClass: AuthGuard },
        RouteCatalogue,
      ],
      // READINESS_PROBES: modules add their own readiness (the outbox relay) to /health/ready.
      exports: [SERVICE_CONFIG, SERVICE_NAME, ROOT_LOGGER, KAFKA_CLIENT, READINESS_PROBES],
    };
  }
}

/** Keeps a caller's X-Request-Id (so one id follows a request across systems) or makes one. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}
