import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox, the shard leases of the relays and the relays' heartbeats.
 *
 * - `outbox.id` is a bigserial: within a shard, the relay publishes in id order. Rows of one key are
 *   in commit order as long as the writers of one key serialise (they do: appending happens in the
 *   same transaction as the aggregate update, which locks the aggregate's row).
 * - `outbox_unpublished` is the relay's only read path: (shard, id) over unpublished rows, so it
 *   stays as small as the backlog however big the table grows.
 * - `outbox_published` serves the retention purge.
 */
export class CreateOutbox1767225600000 implements MigrationInterface {
  name = 'CreateOutbox1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        id           bigserial    PRIMARY KEY,
        shard        smallint     NOT NULL,
        topic        text         NOT NULL,
        key          text         NOT NULL,
        value        bytea        NOT NULL,
        headers      jsonb        NOT NULL DEFAULT '{}'::jsonb,
        created_at   timestamptz  NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX outbox_unpublished ON outbox (shard, id) WHERE published_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE outbox_shard_leases (
        shard       smallint     PRIMARY KEY,
        holder      text,
        lease_until timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE outbox_relays (
        instance_id text         PRIMARY KEY,
        alive_until timestamptz  NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE outbox_relays`);
    await queryRunner.query(`DROP TABLE outbox_shard_leases`);
    await queryRunner.query(`DROP TABLE outbox`);
  }
}

/**
 * Every published row leaves a dead tuple (the mark is an UPDATE) and a dead entry in the
 * unpublished index. The default autovacuum trigger (20% of a table that holds days of retention)
 * would let millions pile up; vacuum the outbox after 1% instead, so the relay's index scans stay short.
 */
export class VacuumOutboxOften1767225600001 implements MigrationInterface {
  name = 'VacuumOutboxOften1767225600001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)`);
  }
}

/**
 * A lease epoch, incremented on every takeover of a shard: a batch renews its lease and commits only
 * under the epoch its pump started with (`holder = me AND epoch = myEpoch`), so a relay that lost a
 * shard, even one that took it back later, can never mark rows under a lease it no longer holds.
 */
export class OutboxLeaseEpoch1767225600002 implements MigrationInterface {
  name = 'OutboxLeaseEpoch1767225600002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_shard_leases ADD COLUMN epoch bigint NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_shard_leases DROP COLUMN epoch`);
  }
}

/** Add these to the service DataSource's `migrations` (never `synchronize`). */
export const outboxMigrations: Array<new () => MigrationInterface> = [
  CreateOutbox1767225600000,
  VacuumOutboxOften1767225600001,
  OutboxLeaseEpoch1767225600002,
];
