import 'reflect-metadata';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { DependencyDownFilter } from './http/dependency-down.filter';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { collectNodeMetrics, createLogger, Logger, startTracing, stopTracing } from '@omnibus/observability';
import type { AddressInfo } from 'node:net';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { z } from 'zod';
import { ConfigError, loadServiceConfig, ServiceConfig, serviceConfigSchema, usesDevAuthSecret } from './config';
import type { Migrations } from './database';
import { observeRequests } from './http/observe-requests';
import { JsonNestLogger } from './nest-logger';
import { ServiceKitModule } from './service-kit.module';

/** What makes a service: its name (operator contract), its Nest module, settings and migrations. */
export interface ServiceDefinition<S extends z.ZodType<ServiceConfig, any, any> = z.ZodType<ServiceConfig, any, any>> {
  /** e.g. `order`; names logs, metrics, traces, the Kafka client and the default port / database. */
  name: string;
  appModule: Type<unknown> | DynamicModule;
  /** Default: serviceConfigSchema(name). Extend that schema for service-specific settings. */
  configSchema?: S;
  /** The service's migrations plus those exported by libs (outbox, inbox). */
  migrations?: Migrations;
  /** Whether readiness includes Kafka (default true). */
  kafka?: boolean;
  /**
   * Hot read paths (matched against the request URL) whose successful GETs are logged at debug
   * instead of info: a per-request line costs as much as a small read itself. Failures (4xx, 5xx)
   * are logged as usual, and so are writes and operator actions (the audit trail), which this
   * never matches: only GETs.
   */
  quietReads?: RegExp;
  /**
   * Runs after the app is built and before it listens: connect consumers here
   * (`app.connectMicroservice({ strategy })`); the kit then starts them and, on shutdown, closes them.
   */
  configure?: (app: NestExpressApplication, config: z.infer<S>) => void | Promise<void>;
}

/** Typed identity, so a definition declared in its own file keeps its config type. */
export function defineService<S extends z.ZodType<ServiceConfig, any, any>>(definition: ServiceDefinition<S>): ServiceDefinition<S> {
  return definition;
}

export interface RunningService<C extends ServiceConfig = ServiceConfig> {
  name: string;
  app: NestExpressApplication;
  config: C;
  logger: Logger;
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Stops HTTP, consumers, relays, then the database; resolves when everything is closed. */
  close(): Promise<void>;
}

export interface CreateServiceOptions {
  /** Settings to validate; default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * Builds and starts a service in this process and returns a handle. Throws ConfigError on a bad
 * setting. No signal handling and no process.exit: tests use this; main.ts uses bootstrapService.
 */
export async function createService<S extends z.ZodType<ServiceConfig, any, any>>(
  definition: ServiceDefinition<S>,
  { env = process.env }: CreateServiceOptions = {},
): Promise<RunningService<z.infer<S>>> {
  const { name } = definition;
  const config = loadServiceConfig(name, definition.configSchema ?? serviceConfigSchema(name), env) as z.infer<S>;
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });
  if (usesDevAuthSecret(config)) {
    logger.warn('OMNIBUS_AUTH_SECRET is not set: API tokens use the development secret (refused when NODE_ENV=production)');
  }
  startTracing({ serviceName: name, exporter: config.OTEL_TRACES_EXPORTER });
  collectNodeMetrics({ service: name });

  @Module({
    imports: [
      ServiceKitModule.forRoot({ name, config, logger, migrations: definition.migrations, kafka: definition.kafka, quietReads: definition.quietReads }),
      definition.appModule,
    ],
  })
  class OmnibusService {}

  const app = await NestFactory.create<NestExpressApplication>(OmnibusService, {
    logger: new JsonNestLogger(logger),
    abortOnError: false,
  });
  try {
    app.useLogger(app.get(NestPinoLogger));
    app.use(observeRequests());
    app.useGlobalFilters(new DependencyDownFilter(app.get(HttpAdapterHost).httpAdapter));
    await definition.configure?.(app, config);
    await app.startAllMicroservices();
    await app.listen(config.PORT);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ port }, `${name} listening on ${url}`);
  return { name, app, config, logger, port, url, close: () => app.close() };
}

/**
 * The whole of a service's main.ts: validates settings (a bad one stops the process with one line
 * on stderr and exit code 1), starts the service, and on SIGTERM/SIGINT shuts down gracefully
 * within SHUTDOWN_TIMEOUT_MS and exits 0.
 */
export async function bootstrapService<S extends z.ZodType<ServiceConfig, any, any>>(
  definition: ServiceDefinition<S>,
): Promise<RunningService<z.infer<S>>> {
  let service: RunningService<z.infer<S>>;
  try {
    service = await createService(definition);
  } catch (error) {
    const line = error instanceof ConfigError ? error.message : `${definition.name}: failed to start: ${describe(error)}`;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
  const { logger } = service;
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `${definition.name} shutting down`);
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${service.config.SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, service.config.SHUTDOWN_TIMEOUT_MS);
    try {
      await service.close();
      await stopTracing();
      logger.info(`${definition.name} stopped`);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    } finally {
      clearTimeout(deadline);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return service;
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}
