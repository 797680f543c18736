/**
 * Fixture for the crash test: commits events to the outbox, then dies by SIGKILL before any relay
 * could publish them (no graceful shutdown, no finally blocks).
 * Usage: node -r @swc-node/register append-then-crash.ts <database url> <topic> <count>
 */
import { DataSource } from 'typeorm';
import { appendToOutbox } from '../append';

async function main(): Promise<void> {
  const [url, topic, count] = process.argv.slice(2);
  const dataSource = new DataSource({ type: 'postgres', url });
  await dataSource.initialize();
  await dataSource.transaction((manager) =>
    appendToOutbox(
      manager,
      Array.from({ length: Number(count) }, (_, i) => ({
        topic,
        key: `order-${i}`,
        value: Buffer.from(`OrderPlaced ${i}`),
        headers: { ce_id: `crash-${i}`, ce_type: 'OrderPlaced' },
      })),
    ),
  );
  process.stdout.write('committed\n');
  process.kill(process.pid, 'SIGKILL');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
