import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import {
  applyAcls,
  AclBinding,
  cataloguePath,
  catalogueAcls,
  describeBrokerAcls,
  kafkaSettingsFromEnv,
  loadCatalogue,
  planAcls,
  platformKafkaConfig,
} from '@omnibus/infra';
import { fail } from '../output';
import { formatTable } from '../table';

export function command(): Command {
  return new Command('acls')
    .description('the Kafka ACLs the catalogue implies against the broker (missing, ok, stale); --apply creates the missing ones')
    .option('--apply', 'create missing ACLs (never touches other principals)')
    .option('--prune', "with --apply: also remove stale ACLs of the catalogue's own identities")
    .action(async (options: { apply?: boolean; prune?: boolean }) => {
      try {
        const wanted = catalogueAcls(loadCatalogue(cataloguePath()));
        const { brokers } = kafkaSettingsFromEnv();
        // Reading and changing ACLs needs the cluster's ACL rights: locally, the broker identity.
        const admin = new Kafka(platformKafkaConfig('broker', { clientId: 'omnibus-cli', brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } })).admin();
        await admin.connect().catch((error: Error) => {
          throw new Error(`Kafka at ${brokers.join(',')} refused or did not answer (${error.message})`);
        });
        try {
          const plan = options.apply ? await applyAcls(admin, wanted, { prune: options.prune }) : planAcls(wanted, await describeBrokerAcls(admin));
          const row = (binding: AclBinding, status: string) => [
            binding.principal,
            `${binding.resource}:${binding.pattern === 'prefixed' ? `${binding.name}*` : binding.name}`,
            binding.operation,
            status,
            binding.reason,
          ];
          const rows = [
            ...plan.missing.map((b) => row(b, options.apply ? 'created' : 'missing')),
            ...plan.present.map((b) => row(b, 'ok')),
            ...plan.stale.map((b) => row(b, options.apply && options.prune ? 'removed' : 'stale')),
          ].sort((a, b) => `${a[0]} ${a[1]} ${a[2]}`.localeCompare(`${b[0]} ${b[1]} ${b[2]}`));
          process.stdout.write(`${formatTable(['principal', 'resource', 'operation', 'status', 'why'], rows)}\n`);
          if (!options.apply && (plan.missing.length || plan.stale.length)) process.exitCode = 1;
        } finally {
          await admin.disconnect();
        }
      } catch (error) {
        fail(error);
      }
    });
}
