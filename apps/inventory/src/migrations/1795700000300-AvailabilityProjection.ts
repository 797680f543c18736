import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The availability projection: per SKU its locations' parts (formatted) and its available to
 * promise per channel (and per region with its own sourcing rule), rewritten in the transaction of
 * every position change, so `GET /availability` reads one row per SKU. The row is also the SKU-level
 * lock every position writer takes first (`lockSkus`). json, not jsonb: the rows are read far more
 * often than written, and json is sent as stored while jsonb is rendered to text on every read.
 * `sku_availability_network` remembers which
 * stock network the rows were computed with; a service started with another one rebuilds them.
 */
export class AvailabilityProjection1795700000300 implements MigrationInterface {
  name = 'AvailabilityProjection1795700000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sku_availability (
        sku          text        PRIMARY KEY,
        locations    json        NOT NULL DEFAULT '[]',
        location_ids text[]      NOT NULL DEFAULT '{}',
        promise      json        NOT NULL DEFAULT '{}',
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE TABLE sku_availability_network (id smallint PRIMARY KEY CHECK (id = 1), fingerprint text NOT NULL, built_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sku_availability_network`);
    await queryRunner.query(`DROP TABLE sku_availability`);
  }
}
