import path from 'node:path';

/** The checkout this code runs from (infra/src/ sits two levels below it). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** Local state of a checkout: jars, Kafka and PostgreSQL data, logs, pids. Ignored by git. */
export function omnibusHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.OMNIBUS_HOME ?? path.join(repoRoot, '.omnibus'));
}

export const runDir = (home: string) => path.join(home, 'run');
export const logsDir = (home: string) => path.join(home, 'logs');
