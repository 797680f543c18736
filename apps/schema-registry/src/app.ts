import { createService, RunningService } from '@omnibus/service-kit';
import { registryEnvironment, schemaRegistryService } from './service';

export interface RegistryAppOptions {
  /** postgres://… of the registry database; created when missing, migrated on start. */
  databaseUrl: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Default `silent` (LOG_LEVEL of service-kit). */
  logLevel?: string;
  /** Other settings (service-kit names), e.g. SHUTDOWN_TIMEOUT_MS. */
  env?: Record<string, string>;
}

/** Starts a registry in this process (integration tests, tools); `main.ts` is the process entry. */
export async function createRegistryApp(options: RegistryAppOptions): Promise<RunningService> {
  // The caller's port wins over a SCHEMA_REGISTRY_PORT inherited from this process.
  const inherited = { ...process.env };
  delete inherited.SCHEMA_REGISTRY_PORT;
  return createService(schemaRegistryService, {
    env: registryEnvironment({
      ...inherited,
      ...options.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(options.port),
      LOG_LEVEL: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent',
    }),
  });
}
