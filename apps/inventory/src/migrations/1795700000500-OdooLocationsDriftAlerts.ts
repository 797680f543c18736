import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Locations learned from Odoo's warehouses (and Odoo stock parked until its location is known), the drift check against Odoo (runs, the snapshot's parts
 * and positions, the lines found), and the invariant violations already announced (published once).
 */
export class OdooLocationsDriftAlerts1795700000500 implements MigrationInterface {
  name = 'OdooLocationsDriftAlerts1795700000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE odoo_locations (
        location_id       text        PRIMARY KEY,
        fact              jsonb       NOT NULL,
        source_updated_at timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    // Odoo stock for a location not (yet) known: kept, latest per position, until the location is learned
    // (a StockPositionChanged may overtake its location's StockLocationUpserted: they are on different topics).
    await queryRunner.query(`
      CREATE TABLE odoo_stock_parked (
        sku         text        NOT NULL,
        location_id text        NOT NULL,
        event_id    text        NOT NULL,
        on_hand     bigint      NOT NULL,
        inbound     bigint      NOT NULL,
        observed_at timestamptz NOT NULL,
        PRIMARY KEY (location_id, sku)
      )`);
    await queryRunner.query(`
      CREATE TABLE drift_runs (
        run_id            text        PRIMARY KEY,
        requested_by      text        NOT NULL,
        requested_at      timestamptz NOT NULL DEFAULT now(),
        status            text        NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'complete', 'failed')),
        location_ids      text[]      NOT NULL DEFAULT '{}',
        snapshot_taken_at timestamptz,
        parts             int,
        completed_at      timestamptz,
        error             text
      )`);
    await queryRunner.query(`CREATE INDEX drift_runs_requested ON drift_runs (requested_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE drift_snapshot_parts (
        run_id text NOT NULL REFERENCES drift_runs (run_id) ON DELETE CASCADE,
        part   int  NOT NULL,
        PRIMARY KEY (run_id, part)
      )`);
    await queryRunner.query(`
      CREATE TABLE drift_snapshot_positions (
        run_id          text        NOT NULL REFERENCES drift_runs (run_id) ON DELETE CASCADE,
        sku             text        NOT NULL,
        location_id     text        NOT NULL,
        on_hand         bigint      NOT NULL,
        odoo_updated_at timestamptz NOT NULL,
        PRIMARY KEY (run_id, location_id, sku)
      )`);
    await queryRunner.query(`
      CREATE TABLE drift_lines (
        run_id            text        NOT NULL REFERENCES drift_runs (run_id) ON DELETE CASCADE,
        location_id       text        NOT NULL,
        sku               text        NOT NULL,
        inventory_on_hand bigint      NOT NULL,
        odoo_on_hand      bigint      NOT NULL,
        odoo_updated_at   timestamptz,
        status            text        NOT NULL CHECK (status IN ('drift', 'pending')),
        reason            text,
        PRIMARY KEY (run_id, location_id, sku)
      )`);
    // The drift check reads the movements after the snapshot's time to see positions as of it.
    await queryRunner.query(`CREATE INDEX stock_ledger_recorded ON stock_ledger (recorded_at)`);
    await queryRunner.query(`
      CREATE TABLE invariant_violations (
        violation_id  text        PRIMARY KEY,
        rule          text        NOT NULL,
        sku           text        NOT NULL,
        location_id   text        NOT NULL,
        detail        text        NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at  timestamptz NOT NULL,
        resolved_at   timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX invariant_violations_open ON invariant_violations (rule, sku, location_id) WHERE resolved_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE invariant_violations`);
    await queryRunner.query(`DROP INDEX stock_ledger_recorded`);
    await queryRunner.query(`DROP TABLE drift_lines`);
    await queryRunner.query(`DROP TABLE drift_snapshot_positions`);
    await queryRunner.query(`DROP TABLE drift_snapshot_parts`);
    await queryRunner.query(`DROP TABLE drift_runs`);
    await queryRunner.query(`DROP TABLE odoo_stock_parked`);
    await queryRunner.query(`DROP TABLE odoo_locations`);
  }
}
