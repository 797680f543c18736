import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock per SKU and location. Quantities are numeric (decimal-safe: weights, lengths); `source`
 * and `source_updated_at` say which feed last set the position and when, for stock freshness.
 */
export class Initial1795700000000 implements MigrationInterface {
  name = 'Initial1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE stock_positions (
        sku               text           NOT NULL,
        location_id       text           NOT NULL,
        location_type     text           NOT NULL CHECK (location_type IN ('store', 'warehouse', 'drop_ship', 'in_transit')),
        on_hand           numeric(18, 4) NOT NULL DEFAULT 0,
        reserved          numeric(18, 4) NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        source            text           NOT NULL,
        source_updated_at timestamptz    NOT NULL,
        version           integer        NOT NULL DEFAULT 1,
        updated_at        timestamptz    NOT NULL DEFAULT now(),
        PRIMARY KEY (sku, location_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE stock_positions`);
  }
}
