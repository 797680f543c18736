import { Command } from 'commander';
import { appStatuses, infraStatus, platformContext } from '@omnibus/infra';
import { fail, infraLines, statusTable } from '../output';

export function command(): Command {
  return new Command('status')
    .description('the apps (URL, ready) and whether Kafka and PostgreSQL are up; exit 1 unless all are')
    .action(async () => {
      try {
        const ctx = platformContext();
        const [infra, apps] = await Promise.all([infraStatus(ctx), appStatuses(ctx)]);
        process.stdout.write(`${infraLines(infra)}\n\n${statusTable(apps)}\n`);
        const allUp = infra.kafka.up && infra.postgres.up && apps.every((app) => app.readiness.ready);
        process.exitCode = allUp ? 0 : 1;
      } catch (error) {
        fail(error);
      }
    });
}
