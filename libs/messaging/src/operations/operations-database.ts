import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ensureDatabase, migrate } from '@omnibus/service-kit';
import { createOperatorAuditTable } from './audit';

/**
 * The `operations` database: what operators did to the platform.
 *
 * - `operator_audit`: one row per operator action (who, what, when, parameters, outcome, result).
 * - `dead_letter_redrive`: which dead-letter records have been re-driven, so a second
 *   `dlq redrive --all` does not send them again (the inbox would absorb it, but the operator
 *   should see what is still waiting); `state` pending/done/skipped (RedriveStates below).
 * - `parked_head_skip`: heads of parked keys an operator dropped with `parked skip`.
 */
export class CreateOperations1767398400000 implements MigrationInterface {
  name = 'CreateOperations1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createOperatorAuditTable(queryRunner);
    await queryRunner.query(`
      CREATE TABLE dead_letter_redrive (
        dead_letter_topic text        NOT NULL,
        kafka_partition   integer     NOT NULL,
        kafka_offset      bigint      NOT NULL,
        event_id          text,
        target_topic      text        NOT NULL,
        consumer_group    text        NOT NULL,
        operator          text        NOT NULL,
        redriven_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dead_letter_topic, kafka_partition, kafka_offset)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dead_letter_redrive`);
    await queryRunner.query(`DROP TABLE operator_audit`);
  }
}

/**
 * Re-drives are booked before they are sent (`pending`, then `done`), and `parked skip` books the
 * head it drops (`skipped`, no target topic).
 */
export class RedriveStates1767484800000 implements MigrationInterface {
  name = 'RedriveStates1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE dead_letter_redrive ADD COLUMN state text NOT NULL DEFAULT 'done' CHECK (state IN ('pending', 'done', 'skipped'))`,
    );
    await queryRunner.query(`ALTER TABLE dead_letter_redrive ALTER COLUMN target_topic DROP NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE parked_head_skip (
        service        text        NOT NULL,
        consumer_group text        NOT NULL,
        topic          text        NOT NULL,
        event_key      text        NOT NULL,
        event_id       uuid        NOT NULL,
        operator       text        NOT NULL,
        skipped_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE parked_head_skip`);
    await queryRunner.query(`ALTER TABLE dead_letter_redrive DROP COLUMN state`);
  }
}

/** Default name of the operations database on the platform's PostgreSQL server. */
export const operationsDatabaseName = 'operations';

export const operationsMigrations: Array<new () => MigrationInterface> = [CreateOperations1767398400000, RedriveStates1767484800000];

/** Opens the operations database, creating it and its tables when missing. */
export async function openOperationsDatabase(url: string): Promise<DataSource> {
  await ensureDatabase(url);
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: operationsMigrations,
    migrationsTableName: 'operations_migrations',
    applicationName: 'omnibus-cli',
    extra: { max: 2 },
  });
  await dataSource.initialize();
  try {
    await migrate(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
