import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { createService, RunningService, ServiceDefinition } from '../bootstrap';
import type { ServiceConfig } from '../config';

export interface TestService<C extends ServiceConfig = ServiceConfig> extends RunningService<C> {
  database: TestDatabase;
  /** fetch() against the service: `await service.request('/health/ready')`. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Closes the service and drops its database. */
  stop(): Promise<void>;
}

/** Settings for a service under test: a free port, quiet logs (TEST_LOG_LEVEL to see them). */
export function testServiceEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string | undefined> {
  return { ...process.env, PORT: '0', DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...overrides };
}

/**
 * Starts a service in this process on a free port, against a fresh database on the real
 * PostgreSQL and the real Kafka (KAFKA_BROKERS). `env` overrides single settings.
 */
export async function startTestService<S extends z.ZodType<ServiceConfig, any, any>>(
  definition: ServiceDefinition<S>,
  env: Record<string, string> = {},
): Promise<TestService<z.infer<S>>> {
  const database = await createTestDatabase(definition.name.replace(/-/g, '_'));
  try {
    const service = await createService(definition, { env: testServiceEnv(database.url, env) });
    return {
      ...service,
      database,
      request: (requestPath, init) => fetch(`${service.url}${requestPath}`, init),
      async stop() {
        await service.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

export const repositoryRoot = path.resolve(__dirname, '../../../..');

export interface ServiceProcess {
  pid: number;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  stdout(): string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs a service's main.ts the way the start scripts do
 * (`node -r @swc-node/register apps/<name>/src/main.ts`) with the given environment.
 */
export function spawnService(main: string, env: Record<string, string | undefined>): ServiceProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: repositoryRoot,
    env: { ...env, SWC_NODE_PROJECT: path.join(repositoryRoot, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    pid: child.pid!,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}
