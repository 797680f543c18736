import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Positions in exact thousandths (bigint "milli", as the contracts' Quantity) with every bucket,
 * the append-only stock ledger behind them, reservations keyed by command id, feed idempotency and
 * ordering, and freshness per source and location. The skeleton's stock_positions (numeric, no
 * buckets) never held data, so it is replaced rather than converted.
 */
export class StockLedger1795700000100 implements MigrationInterface {
  name = 'StockLedger1795700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE stock_positions`);
    await queryRunner.query(`
      CREATE TABLE stock_positions (
        sku         text        NOT NULL,
        location_id text        NOT NULL,
        on_hand     bigint      NOT NULL DEFAULT 0,
        reserved    bigint      NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        committed   bigint      NOT NULL DEFAULT 0 CHECK (committed >= 0),
        unavailable bigint      NOT NULL DEFAULT 0 CHECK (unavailable >= 0),
        inbound     bigint      NOT NULL DEFAULT 0,
        version     bigint      NOT NULL DEFAULT 0,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sku, location_id)
      )`);
    // Every movement with its source, the source's event id and time; the current row is its running sum.
    await queryRunner.query(`
      CREATE TABLE stock_ledger (
        id               bigserial   PRIMARY KEY,
        sku              text        NOT NULL,
        location_id      text        NOT NULL,
        movement         text        NOT NULL CHECK (movement IN ('count', 'delta', 'reserve', 'release', 'expire', 'commit')),
        on_hand_delta    bigint      NOT NULL DEFAULT 0,
        reserved_delta   bigint      NOT NULL DEFAULT 0,
        committed_delta  bigint      NOT NULL DEFAULT 0,
        unavailable_delta bigint     NOT NULL DEFAULT 0,
        source           text        NOT NULL,
        source_event_id  text        NOT NULL,
        occurred_at      timestamptz NOT NULL,
        recorded_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX stock_ledger_position ON stock_ledger (sku, location_id)`);
    await queryRunner.query(`
      CREATE TABLE reservations (
        command_id     text        PRIMARY KEY,
        reservation_id text        NOT NULL UNIQUE,
        order_id       text        NOT NULL,
        channel_id     text        NOT NULL,
        status         text        NOT NULL CHECK (status IN ('held', 'rejected', 'released', 'expired', 'committed')),
        expires_at     timestamptz,
        answer         jsonb       NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX reservations_order ON reservations (order_id)`);
    await queryRunner.query(`CREATE INDEX reservations_due ON reservations (expires_at) WHERE status = 'held'`);
    await queryRunner.query(`
      CREATE TABLE reservation_lines (
        reservation_id text   NOT NULL REFERENCES reservations (reservation_id),
        line_id        text   NOT NULL,
        sku            text   NOT NULL,
        location_id    text   NOT NULL,
        quantity       bigint NOT NULL CHECK (quantity > 0),
        PRIMARY KEY (reservation_id, line_id, location_id)
      )`);
    // Commands already answered (release/commit; reserve is answered from reservations).
    await queryRunner.query(`
      CREATE TABLE reservation_commands (
        command_id text        PRIMARY KEY,
        order_id   text        NOT NULL,
        kind       text        NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Feed updates already applied or ignored, by the sender's event id.
    await queryRunner.query(`
      CREATE TABLE stock_feed_events (
        source      text        NOT NULL,
        event_id    text        NOT NULL,
        outcome     text        NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, event_id)
      )`);
    // What each source last reflected per position, so an older update is never applied.
    await queryRunner.query(`
      CREATE TABLE stock_source_marks (
        sku          text        NOT NULL,
        location_id  text        NOT NULL,
        source       text        NOT NULL,
        sequence     bigint,
        observed_at  timestamptz NOT NULL,
        PRIMARY KEY (sku, location_id, source)
      )`);
    await queryRunner.query(`
      CREATE TABLE stock_freshness (
        source           text        NOT NULL,
        location_id      text        NOT NULL,
        last_observed_at timestamptz NOT NULL,
        last_received_at timestamptz NOT NULL,
        ignored_older    bigint      NOT NULL DEFAULT 0,
        PRIMARY KEY (source, location_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['stock_freshness', 'stock_source_marks', 'stock_feed_events', 'reservation_commands', 'reservation_lines', 'reservations', 'stock_ledger', 'stock_positions']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
