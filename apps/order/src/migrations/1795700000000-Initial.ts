import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders as the saga sees them. `(channel, channel_order_ref)` is unique so a channel re-posting
 * the same order cannot create a second one; `version` is the optimistic-lock counter.
 */
export class Initial1795700000000 implements MigrationInterface {
  name = 'Initial1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id                uuid         PRIMARY KEY,
        channel           text         NOT NULL,
        channel_order_ref text         NOT NULL,
        status            text         NOT NULL,
        currency          char(3)      NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        total_minor       bigint       NOT NULL CHECK (total_minor >= 0),
        version           integer      NOT NULL DEFAULT 1,
        created_at        timestamptz  NOT NULL DEFAULT now(),
        updated_at        timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT orders_channel_order_ref UNIQUE (channel, channel_order_ref)
      )`);
    await queryRunner.query(`CREATE INDEX orders_status ON orders (status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE orders`);
  }
}
