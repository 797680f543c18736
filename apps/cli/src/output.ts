import { AppStatus, InfraStatus } from '@omnibus/infra';
import { formatTable } from './table';

const started = Date.now();

/** Progress lines for `up`/`down`, with the seconds since the command started: "  kafka   12.3s  started 127.0.0.1:9092". */
export function printProgress(step: string, message: string): void {
  const seconds = `${((Date.now() - started) / 1000).toFixed(1)}s`;
  process.stdout.write(`  ${step.padEnd(16)} ${seconds.padStart(6)}  ${message}\n`);
}

export function statusTable(apps: AppStatus[]): string {
  if (apps.length === 0) return '(no apps with a src/main.ts yet)';
  return formatTable(
    ['app', 'URL', 'ready'],
    apps.map((app) => [app.name, app.url, app.readiness.ready ? 'yes' : `no (${app.pid ? app.readiness.detail : 'not running'})`]),
  );
}

export function infraLines(infra: InfraStatus): string {
  const pg = infra.postgres;
  return [
    `kafka     ${infra.kafka.up ? 'up' : 'DOWN'}  ${infra.kafka.brokers.join(',')}${infra.kafka.ours ? ' (started by omnibus up)' : ''}`,
    `postgres  ${pg.up ? 'up' : 'DOWN'}  ${pg.server.host}:${pg.server.port}${pg.source === 'embedded' ? ' (embedded)' : ''}`,
  ].join('\n');
}

/** Every command reports failure the same way: one line, non-zero exit. */
export function fail(error: unknown): never {
  process.stderr.write(`omnibus: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
