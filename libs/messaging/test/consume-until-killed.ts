// A consumer process that SIGKILLs itself right after its first transaction commits, before the
// consumer group offset is committed: the worst moment for a crash. Run by the crash test.
import { DataSource } from 'typeorm';
import { createLogger } from '@omnibus/observability';
import { testKafka } from '@omnibus/testing';
import { EventConsumer, EventHandler } from '../src';
import { FramedJsonCodec, reserveStock, StockReservationRequested } from './harness';

async function main() {
  const { DATABASE_URL, SERVICE, TOPIC } = process.env as Record<string, string>;
  const dataSource = new DataSource({ type: 'postgres', url: DATABASE_URL });
  await dataSource.initialize();
  const consumer = new EventConsumer({
    kafka: testKafka('doomed-consumer'),
    service: SERVICE,
    topics: [TOPIC],
    dataSource,
    decoder: new FramedJsonCodec(),
    handlers: [{ eventType: StockReservationRequested, handle: reserveStock('doomed') as EventHandler }],
    maxEventsPerTransaction: 5,
    // Short, so that the group notices the dead member quickly and the test stays fast.
    consumerConfig: { sessionTimeout: 6_000, rebalanceTimeout: 6_000, heartbeatInterval: 500 },
    logger: createLogger({ service: SERVICE, level: 'silent' }),
    hooks: {
      afterTransactionCommit: () => {
        process.kill(process.pid, 'SIGKILL');
      },
    },
  });
  await consumer.start();
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
