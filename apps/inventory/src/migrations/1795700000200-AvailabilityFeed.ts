import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SKUs whose stock moved since their availability was last published (marked in the movement's
 * transaction), and what was last published per SKU and channel, for coalescing.
 */
export class AvailabilityFeed1795700000200 implements MigrationInterface {
  name = 'AvailabilityFeed1795700000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE availability_dirty (sku text PRIMARY KEY, since timestamptz NOT NULL DEFAULT now())`);
    await queryRunner.query(`
      CREATE TABLE availability_published (
        sku          text        NOT NULL,
        channel_id   text        NOT NULL,
        available    bigint      NOT NULL,
        published_at timestamptz NOT NULL,
        PRIMARY KEY (sku, channel_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE availability_published`);
    await queryRunner.query(`DROP TABLE availability_dirty`);
  }
}
