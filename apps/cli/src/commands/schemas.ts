import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  LOCK_FILE,
  checkSchemas,
  diffSubject,
  findRepositoryRoot,
  formatCheckReport,
  formatDiff,
  formatLock,
  loadRepository,
  readSchemaSource,
  registrationPlan,
  releaseSchemas,
} from '@omnibus/contracts/tooling';
import { SchemaRegistryClient, registerSubjects } from '@omnibus/messaging/serde';
import { fail } from '../output';
import { formatTable } from '../table';

const DEFAULT_REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081';

function schemasDir(options: { schemas?: string }): string {
  return options.schemas ?? join(findRepositoryRoot(), 'schemas');
}

export function command(): Command {
  const schemas = new Command('schemas').description('event contract governance: check, release, register, diff (schemas/)');

  schemas
    .command('check')
    .description('validate every schema and judge changed ones against the released versions at their compatibility level')
    .option('--schemas <dir>', 'schemas directory (default: schemas/ of this checkout)')
    .option('--verbose', 'show every note')
    .action((options: { schemas?: string; verbose?: boolean }) => {
      try {
        const report = checkSchemas(loadRepository(readSchemaSource(schemasDir(options))));
        process.stdout.write(`${formatCheckReport(report, options)}\n`);
        if (!report.ok) process.exitCode = 1;
      } catch (error) {
        fail(error);
      }
    });

  schemas
    .command('release')
    .description(`record new and changed subjects as their next version in schemas/${LOCK_FILE} (refused while check fails)`)
    .option('--schemas <dir>', 'schemas directory (default: schemas/ of this checkout)')
    .option('--dry-run', 'say what would be released, write nothing')
    .action((options: { schemas?: string; dryRun?: boolean }) => {
      try {
        const dir = schemasDir(options);
        const { report, lock, released } = releaseSchemas(loadRepository(readSchemaSource(dir)));
        if (!lock) {
          process.stdout.write(`${formatCheckReport(report)}\nnothing released: fix the errors above first\n`);
          process.exitCode = 1;
          return;
        }
        if (!options.dryRun) writeFileSync(join(dir, LOCK_FILE), formatLock(lock));
        if (released.length === 0) process.stdout.write('nothing to release: every subject matches its latest released version\n');
        for (const { subject, version } of released) process.stdout.write(`${options.dryRun ? 'would release' : 'released'} ${subject} v${version}\n`);
      } catch (error) {
        fail(error);
      }
    });

  schemas
    .command('register')
    .description('push the released versions (the lock) to a Confluent-compatible registry, with each subject\'s compatibility level')
    .option('--registry <url>', 'registry URL', DEFAULT_REGISTRY)
    .option('--schemas <dir>', 'schemas directory (default: schemas/ of this checkout)')
    .option('--subject <subject...>', 'only these subjects')
    .action(async (options: { registry: string; schemas?: string; subject?: string[] }) => {
      try {
        const repository = loadRepository(readSchemaSource(schemasDir(options)));
        const plan = registrationPlan(repository.lock, options.subject);
        if (plan.length === 0) throw new Error('nothing to register: the lock has no released subjects (run omnibus schemas release)');
        const registry = new SchemaRegistryClient({ url: options.registry });
        const registered = await registerSubjects(
          registry,
          plan.map(({ subject, compatibility, versions }) => ({ subject, compatibility, schemas: versions.map((version) => version.schema) })),
        );
        const rows = registered.map(({ subject, compatibility, ids }) => [
          subject,
          compatibility,
          ids.map((id, index) => `v${plan.find((entry) => entry.subject === subject)!.versions[index].version}=${id}`).join(' '),
        ]);
        process.stdout.write(`${formatTable(['subject', 'compatibility', 'versions (lock version=registry id)'], rows)}\n`);
        process.stdout.write(`${registered.length} subjects registered at ${registry.url}\n`);
      } catch (error) {
        fail(error);
      }
    });

  schemas
    .command('diff')
    .description('what changed in a subject between two versions: released numbers (1, v2) or "current" (default: latest released → current)')
    .argument('<subject>', 'subject, event type (com.omnibus.order.OrderPlaced) or event name (OrderPlaced)')
    .argument('[from]', 'version to compare from')
    .argument('[to]', 'version to compare to')
    .option('--schemas <dir>', 'schemas directory (default: schemas/ of this checkout)')
    .action((subject: string, from: string | undefined, to: string | undefined, options: { schemas?: string }) => {
      try {
        const diff = diffSubject(loadRepository(readSchemaSource(schemasDir(options))), subject, from, to);
        process.stdout.write(`${formatDiff(diff)}\n`);
      } catch (error) {
        fail(error);
      }
    });

  return schemas;
}
