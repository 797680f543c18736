/**
 * A relay in a process of its own, for tests where two relays must really be separate processes.
 * Usage: node -r @swc-node/register relay-process.ts '<json: { url, brokers, instanceId, options }>'
 * Prints one JSON line per event: {"event":"started"}, {"event":"published","shard":n,"ids":[…]},
 * {"event":"log",…}; stops gracefully on SIGTERM. With `"dieBeforeCommit": true` it kills itself
 * (SIGKILL) right after the broker acknowledged its first batch, before the batch's COMMIT.
 */
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxRelayOptions } from '../relay';

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const { url, brokers, instanceId, options, kafkaConfig, dieBeforeCommit } = JSON.parse(process.argv[2]) as {
    dieBeforeCommit?: boolean;
    url: string;
    brokers: string[];
    instanceId: string;
    options: Partial<OutboxRelayOptions>;
    kafkaConfig?: Partial<KafkaConfig>;
  };
  if (dieBeforeCommit) {
    // The batch's commit is the statement that re-checks the lease: reaching it means the broker acked.
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].includes('$fence$')) {
        say({ event: 'dying' });
        process.kill(process.pid, 'SIGKILL');
      }
      return query.apply(this, args);
    } as typeof Client.prototype.query;
  }
  const dataSource = await new DataSource({ type: 'postgres', url }).initialize();
  const kafka = new Kafka({ clientId: instanceId, brokers, logLevel: logLevel.NOTHING, ...kafkaConfig });
  const log = (level: string) => (details: object, message: string) => say({ event: 'log', level, message, details });
  const relay = new OutboxRelay({
    ...options,
    dataSource,
    kafka,
    instanceId,
    registry: new Registry(),
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    onPublished: (batch) => say({ event: 'published', shard: batch.shard, ids: batch.records.map((r) => r.id) }),
  });
  await relay.start();
  say({ event: 'started', shards: relay.heldShards });
  process.on('SIGTERM', () => {
    void relay
      .stop()
      .then(() => dataSource.destroy())
      .then(() => process.exit(0));
  });
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
