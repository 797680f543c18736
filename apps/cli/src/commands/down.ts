import { Command } from 'commander';
import { downPlatform, platformContext } from '@omnibus/infra';
import { fail, printProgress } from '../output';

export function command(): Command {
  return new Command('down')
    .description('stop what `omnibus up` started (apps, and Kafka/PostgreSQL only if up started them)')
    .action(async () => {
      try {
        await downPlatform(platformContext(), printProgress);
        process.stdout.write('down\n');
      } catch (error) {
        fail(error);
      }
    });
}
