import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per saga instance, in the owning service's database, so that it changes in the same
 * transaction as the inbox and the outbox.
 *
 * - `state` is the engine's whole state (JSON); the other columns copy what queries need from it.
 * - `version` is the optimistic lock: a save names the version it read, and loses if another wrote first.
 * - `saga_instance_due` covers only rows with a deadline, so the sweeper's scan stays as small as the
 *   number of sagas waiting, however many finished ones the table keeps.
 * - `saga_instance_in_review` serves the review queue.
 */
export class CreateSagaInstance1767398400000 implements MigrationInterface {
  name = 'CreateSagaInstance1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE saga_instance (
        id            text        PRIMARY KEY,
        saga_name     text        NOT NULL,
        saga_version  integer     NOT NULL,
        status        text        NOT NULL,
        current_step  text,
        state         jsonb       NOT NULL,
        next_deadline timestamptz,
        version       integer     NOT NULL DEFAULT 1,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX saga_instance_due ON saga_instance (next_deadline) WHERE next_deadline IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX saga_instance_in_review ON saga_instance (saga_name, updated_at) WHERE status = 'in_review'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE saga_instance`);
  }
}

/** Add these to the service DataSource's `migrations` (never `synchronize`). */
export const sagaMigrations: Array<new () => MigrationInterface> = [CreateSagaInstance1767398400000];
