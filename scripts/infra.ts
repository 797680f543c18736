/**
 * Infrastructure for `npm test` (scripts/test.sh), separate from `omnibus up` so that a test run
 * never stops what a running `npm start` brought up, and vice versa.
 *
 *   infra.ts up                      ensure PostgreSQL (+ databases), Kafka, catalogue topics; prints
 *                                    shell assignments: STARTED_KAFKA, STARTED_POSTGRES, exports
 *   infra.ts stop-kafka|stop-postgres  stop what `up` reported it started
 * Progress goes to stderr; stdout is only the assignments, for `eval`.
 */
import {
  applyCatalogueTopics,
  databaseUrl,
  ensureDatabases,
  ensureKafka,
  ensurePostgres,
  kafkaSettingsFromEnv,
  omnibusHome,
  platformDatabases,
  serviceDatabases,
  stopEmbeddedPostgres,
  stopKafka,
} from '@omnibus/infra';

const say = (message: string) => process.stderr.write(`  ${message}\n`);
const assign = (line: string) => process.stdout.write(`${line}\n`);

async function up(): Promise<void> {
  const pg = await ensurePostgres({
    beforeStart: (server) => {
      say(`postgres: no server answers; starting embedded PostgreSQL on ${server.host}:${server.port}`);
      assign('STARTED_POSTGRES=1'); // printed first, so an interrupted start is still stopped
    },
  });
  if (pg.source === 'embedded') assign(`export DATABASE_URL='${databaseUrl(pg.server, 'postgres')}'`);
  say(`postgres: ${pg.source} ${pg.server.host}:${pg.server.port}`);
  const { created } = await ensureDatabases(pg.server, platformDatabases(serviceDatabases()));
  if (created.length) say(`databases: created ${created.join(', ')}`);

  const settings = kafkaSettingsFromEnv();
  const kafka = await ensureKafka(settings, {
    onLine: (line) => say(line),
    beforeStart: () => assign('STARTED_KAFKA=1'),
  });
  assign(`export KAFKA_BROKERS='${kafka.brokers.join(',')}'`);
  say(`kafka: ${kafka.startedNow ? 'started' : 'using'} ${kafka.brokers.join(',')}`);
  const plans = await applyCatalogueTopics(kafka.brokers);
  say(`topics: ${plans.length} in catalogue, ${plans.filter((p) => p.create).length} created`);
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up':
      return up();
    case 'stop-kafka':
      await stopKafka(kafkaSettingsFromEnv());
      return say('kafka: stopped the broker this run started');
    case 'stop-postgres':
      if (await stopEmbeddedPostgres(omnibusHome())) say('postgres: stopped the embedded server this run started');
      return;
    default:
      throw new Error('usage: infra.ts up | stop-kafka | stop-postgres');
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`infra: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
