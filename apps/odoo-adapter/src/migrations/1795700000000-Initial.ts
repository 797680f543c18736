import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where incremental sync from Odoo stands, per Odoo model. Odoo's write_date is a naive UTC
 * timestamp with one-second resolution, so the cursor is (last_write_date, last_record_id):
 * records changed within the same second are told apart by id.
 */
export class Initial1795700000000 implements MigrationInterface {
  name = 'Initial1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sync_cursors (
        odoo_model      text         PRIMARY KEY,
        last_write_date timestamp,
        last_record_id  integer      NOT NULL DEFAULT 0,
        synced_at       timestamptz,
        version         integer      NOT NULL DEFAULT 1
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sync_cursors`);
  }
}
