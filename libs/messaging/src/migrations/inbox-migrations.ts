import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The consumer side of a service database: the inbox and the parking tables of sequenced handlers.
 *
 * - `messaging_inbox`: one row per (consumer group, event id) handled, written in the handler's
 *   transaction. The primary key is what makes a second delivery a no-op; the BRIN index on
 *   `processed_at` serves the retention purge and costs almost nothing per insert because rows
 *   arrive in time order.
 * - `messaging_parked_key`: a key of a sequenced handler whose events must wait. `head_event_id` is
 *   the failed event they wait for (on the retry topic or in dead letters); NULL once it has
 *   succeeded and the parked events are being released.
 * - `messaging_parked_event`: the events waiting behind a parked key, released in `seq` order.
 */
export class CreateInbox1767312000000 implements MigrationInterface {
  name = 'CreateInbox1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE messaging_inbox (
        consumer_group text        NOT NULL,
        event_id       uuid        NOT NULL,
        processed_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX messaging_inbox_processed_at ON messaging_inbox USING brin (processed_at)`);
    await queryRunner.query(`
      CREATE TABLE messaging_parked_key (
        consumer_group text        NOT NULL,
        topic          text        NOT NULL,
        event_key      text        NOT NULL,
        head_event_id  uuid,
        parked_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, event_key)
      )`);
    await queryRunner.query(`
      CREATE TABLE messaging_parked_event (
        seq              bigserial   PRIMARY KEY,
        consumer_group   text        NOT NULL,
        topic            text        NOT NULL,
        event_key        text        NOT NULL,
        event_id         uuid        NOT NULL,
        kafka_partition  integer     NOT NULL,
        kafka_offset     bigint      NOT NULL,
        kafka_timestamp  text        NOT NULL,
        value            bytea,
        headers          jsonb       NOT NULL,
        parked_at        timestamptz NOT NULL DEFAULT now(),
        UNIQUE (consumer_group, event_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX messaging_parked_event_queue ON messaging_parked_event (consumer_group, topic, event_key, seq)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE messaging_parked_event`);
    await queryRunner.query(`DROP TABLE messaging_parked_key`);
    await queryRunner.query(`DROP TABLE messaging_inbox`);
  }
}

/** Add these to the service DataSource's `migrations` (never `synchronize`). */
export const inboxMigrations: Array<new () => MigrationInterface> = [CreateInbox1767312000000];
