import { Command } from 'commander';
import { appStatuses, platformContext, upApps, upInfrastructure } from '@omnibus/infra';
import { fail, printProgress, statusTable } from '../output';

export function command(): Command {
  return new Command('up')
    .description('start Kafka, PostgreSQL, topics, databases and every app; wait until all are ready')
    .option('--no-apps', 'only the infrastructure (Kafka, PostgreSQL, databases, topics)')
    .option('--only <apps>', 'comma-separated apps to start (default: every app that exists)')
    .option('--timeout <seconds>', 'how long to wait for readiness', (v) => Number(v), 180)
    .action(async (options: { apps: boolean; only?: string; timeout: number }) => {
      try {
        const ctx = platformContext();
        const infra = await upInfrastructure(ctx, printProgress);
        if (!options.apps) return;
        const only = options.only?.split(',').map((name) => name.trim());
        await upApps(ctx, infra, { timeoutMs: options.timeout * 1000, only }, printProgress);
        const apps = await appStatuses(ctx);
        process.stdout.write(`\n${statusTable(apps)}\n`);
        const notReady = apps.filter((app) => (!only || only.includes(app.name)) && !app.readiness.ready);
        if (notReady.length) fail(`not ready: ${notReady.map((a) => a.name).join(', ')}`);
        process.stdout.write(`\nall ready · logs in ${ctx.home}/logs · stop with: npx omnibus down\n`);
      } catch (error) {
        fail(error);
      }
    });
}
