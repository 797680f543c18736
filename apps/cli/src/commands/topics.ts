import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import {
  applyTopics,
  cataloguePath,
  describeBrokerTopics,
  describePlan,
  kafkaSettingsFromEnv,
  loadCatalogue,
  planTopics,
  platformKafkaConfig,
  topicSpecOptionsFromEnv,
  topicSpecs,
} from '@omnibus/infra';
import { fail } from '../output';
import { formatTable } from '../table';

export function command(): Command {
  return new Command('topics')
    .description('catalogue topics against the broker (missing, ok, drift); --apply makes the broker match')
    .option('--apply', 'create missing topics, add partitions, correct configs (never deletes)')
    .action(async (options: { apply?: boolean }) => {
      try {
        const specs = topicSpecs(loadCatalogue(cataloguePath()), topicSpecOptionsFromEnv());
        const { brokers } = kafkaSettingsFromEnv();
        const admin = new Kafka(platformKafkaConfig('admin', { clientId: 'omnibus-cli', brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } })).admin();
        await admin.connect().catch(() => {
          throw new Error(`Kafka at ${brokers.join(',')} is not reachable (start it with npx omnibus up)`);
        });
        try {
          const plans = options.apply
            ? await applyTopics(admin, specs)
            : planTopics(specs, await describeBrokerTopics(admin, specs.map((s) => s.name)));
          const broker = await describeBrokerTopics(admin, specs.map((s) => s.name));
          const rows = plans.map((plan) => {
            const now = broker.get(plan.spec.name);
            const detail = plan.status === 'missing' && !options.apply ? '' : describePlan(plan);
            return [
              plan.spec.name,
              `${plan.spec.partitions}/${now?.partitions ?? '-'}`,
              plan.spec.configs['retention.ms'],
              plan.spec.configs['cleanup.policy'],
              options.apply ? (plan.create ? 'created' : plan.status === 'ok' ? 'ok' : 'updated') : plan.status,
              detail === 'ok' ? '' : detail,
            ];
          });
          process.stdout.write(
            `${formatTable(['topic', 'partitions (want/have)', 'retention.ms', 'cleanup', 'status', 'detail'], rows)}\n`,
          );
          if (!options.apply && plans.some((p) => p.status !== 'ok')) process.exitCode = 1;
        } finally {
          await admin.disconnect();
        }
      } catch (error) {
        fail(error);
      }
    });
}
