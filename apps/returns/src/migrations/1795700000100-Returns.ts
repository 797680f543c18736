import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The returns service's tables: its projection of orders (what was sold, shipped, delivered and
 * captured, from retail.orders, retail.shipments and retail.payments), the returns with their lines,
 * receipts, refunds and Odoo commands, the timeline and the Idempotency-Keys of the API.
 */
export class Returns1795700000100 implements MigrationInterface {
  name = 'Returns1795700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE returns_orders (
        order_id           text        PRIMARY KEY,
        channel_id         text        NOT NULL,
        channel_kind       text        NOT NULL,
        channel_order_ref  text        NOT NULL,
        brand              text        NOT NULL,
        company_id         text        NOT NULL,
        currency           text        NOT NULL,
        customer_id        text,
        document           jsonb       NOT NULL,
        placed_at          timestamptz NOT NULL,
        cancelled_at       timestamptz,
        completed_at       timestamptz,
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX returns_orders_receipt ON returns_orders (channel_id, channel_order_ref)`);
    await queryRunner.query(`
      CREATE TABLE returns_shipments (
        shipment_id        text        PRIMARY KEY,
        order_id           text        NOT NULL,
        from_location_id   text        NOT NULL,
        dispatched_at      timestamptz NOT NULL,
        delivered_at       timestamptz,
        lines              jsonb       NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX returns_shipments_order ON returns_shipments (order_id)`);
    await queryRunner.query(`
      CREATE TABLE returns_captures (
        capture_id   text        PRIMARY KEY,
        order_id     text        NOT NULL,
        amount_minor bigint      NOT NULL,
        currency     text        NOT NULL,
        captured_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX returns_captures_order ON returns_captures (order_id)`);

    // The initial table becomes the return itself.
    await queryRunner.query(`ALTER TABLE return_authorisations ALTER COLUMN order_id TYPE text`);
    await queryRunner.query(`
      ALTER TABLE return_authorisations
        ADD COLUMN company_id        text NOT NULL DEFAULT '',
        ADD COLUMN channel_kind      text NOT NULL DEFAULT 'OTHER',
        ADD COLUMN customer_id       text,
        ADD COLUMN customer_tier     text,
        ADD COLUMN store_location_id text,
        ADD COLUMN refund_method     text NOT NULL DEFAULT 'ORIGINAL_PAYMENT',
        ADD COLUMN policy_id         text,
        ADD COLUMN policy_version    integer,
        ADD COLUMN rule              text,
        ADD COLUMN rma_number        text UNIQUE,
        ADD COLUMN return_by         timestamptz,
        ADD COLUMN requested_by      text NOT NULL DEFAULT '',
        ADD COLUMN decided_by        text,
        ADD COLUMN decided_at        timestamptz,
        ADD COLUMN refund_status     text NOT NULL DEFAULT 'none',
        ADD COLUMN first_scanned_at  timestamptz`);
    await queryRunner.query(`
      CREATE TABLE return_lines (
        return_id        uuid    NOT NULL REFERENCES return_authorisations (id),
        line_id          text    NOT NULL,
        sku              text    NOT NULL,
        quantity_milli   bigint  NOT NULL CHECK (quantity_milli > 0),
        reason           text    NOT NULL,
        stated_condition text    NOT NULL,
        comment          text,
        refund_due_minor bigint  NOT NULL,
        arrived_milli    bigint  NOT NULL DEFAULT 0,
        PRIMARY KEY (return_id, line_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE return_receipts (
        receipt_id    uuid        PRIMARY KEY,
        return_id     uuid        NOT NULL REFERENCES return_authorisations (id),
        location_id   text        NOT NULL,
        location_type text        NOT NULL,
        received_by   text        NOT NULL,
        lines         jsonb       NOT NULL,
        received_at   timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX return_receipts_return ON return_receipts (return_id)`);
    await queryRunner.query(`
      CREATE TABLE return_refunds (
        refund_id        uuid        PRIMARY KEY,
        return_id        uuid        NOT NULL REFERENCES return_authorisations (id),
        receipt_id       uuid        UNIQUE REFERENCES return_receipts (receipt_id), -- null: refunded on the carrier's first scan
        order_id         text        NOT NULL,
        method           text        NOT NULL,
        status           text        NOT NULL,
        amount_minor     bigint      NOT NULL,
        currency         text        NOT NULL,
        lines            jsonb       NOT NULL,
        gateway_reference text,
        failure_reason   text,
        requested_at     timestamptz NOT NULL,
        settled_at       timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX return_refunds_order ON return_refunds (order_id)`);
    await queryRunner.query(`
      CREATE TABLE return_odoo_commands (
        command_id       uuid        PRIMARY KEY,
        return_id        uuid        NOT NULL REFERENCES return_authorisations (id),
        command_type     text        NOT NULL,
        status           text        NOT NULL DEFAULT 'sent',
        odoo_record_id   bigint,
        odoo_record_name text,
        detail           text,
        sent_at          timestamptz NOT NULL,
        settled_at       timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE return_timeline (
        id             bigserial   PRIMARY KEY,
        return_id      uuid        NOT NULL REFERENCES return_authorisations (id),
        at             timestamptz NOT NULL,
        what           text        NOT NULL,
        detail         text,
        actor          text,
        cause_event_id uuid
      )`);
    await queryRunner.query(`CREATE INDEX return_timeline_return ON return_timeline (return_id, id)`);
    await queryRunner.query(`
      CREATE TABLE return_idempotency_keys (
        caller          text        NOT NULL,
        idempotency_key text        NOT NULL,
        route           text        NOT NULL,
        fingerprint     text        NOT NULL,
        status          integer     NOT NULL,
        response        jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (caller, idempotency_key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['return_idempotency_keys', 'return_timeline', 'return_odoo_commands', 'return_refunds', 'return_receipts', 'return_lines', 'returns_captures', 'returns_shipments', 'returns_orders']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    await queryRunner.query(`
      ALTER TABLE return_authorisations
        DROP COLUMN company_id, DROP COLUMN channel_kind, DROP COLUMN customer_id, DROP COLUMN customer_tier, DROP COLUMN store_location_id,
        DROP COLUMN refund_method, DROP COLUMN policy_id, DROP COLUMN policy_version, DROP COLUMN rule, DROP COLUMN rma_number,
        DROP COLUMN return_by, DROP COLUMN requested_by, DROP COLUMN decided_by, DROP COLUMN decided_at, DROP COLUMN refund_status, DROP COLUMN first_scanned_at`);
  }
}
