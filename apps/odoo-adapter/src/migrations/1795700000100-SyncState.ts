import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the adapter last published per canonical key (product SKU, price, customer, stock position):
 * a content hash, so a record read again (overlap window, webhook plus poll, full re-sync) publishes
 * nothing unless its content changed, and the Odoo second it came from, so an older read never
 * overwrites a newer one.
 */
export class SyncState1795700000100 implements MigrationInterface {
  name = 'SyncState1795700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE odoo_sync_state (
        kind          text        NOT NULL,
        key           text        NOT NULL,
        content_hash  text        NOT NULL,
        source_second timestamp   NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE odoo_sync_state`);
  }
}
