import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger of what was posted and why: each entry's company, rule version, reference, source
 * document, the operational events behind it, its command to the adapter and Odoo's answer (move,
 * or refusal with Odoo's message). Beside it the facts postings need (orders, shipments so far,
 * standard costs), facts parked until their order is known, exceptions for review, reconciliation
 * runs and the audit of operators' actions.
 */
export class Ledger1795700000100 implements MigrationInterface {
  name = 'Ledger1795700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE journal_entries
        ADD COLUMN company_id     text        NOT NULL DEFAULT '',
        ADD COLUMN rule_version   text        NOT NULL DEFAULT '',
        ADD COLUMN reference      text        NOT NULL DEFAULT '',
        ADD COLUMN source         jsonb       NOT NULL DEFAULT '{}',
        ADD COLUMN source_events  jsonb       NOT NULL DEFAULT '[]',
        ADD COLUMN occurred_at    timestamptz,
        ADD COLUMN command_id     uuid,
        ADD COLUMN odoo_move_name text,
        ADD COLUMN failure        text,
        ADD COLUMN failure_kind   text,
        ADD COLUMN period_note    text`);
    // 'held': dated in a locked period under the 'wait' policy, not sent until the period opens.
    await queryRunner.query(`ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_status_check`);
    await queryRunner.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_status_check CHECK (status IN ('draft', 'posted', 'failed', 'held'))`);
    await queryRunner.query(`CREATE INDEX journal_entries_by_date ON journal_entries (entry_date)`);
    await queryRunner.query(`CREATE INDEX journal_entries_by_order ON journal_entries ((source->>'orderId'))`);
    await queryRunner.query(`ALTER TABLE journal_entry_lines ADD COLUMN label text NOT NULL DEFAULT ''`);
    await queryRunner.query(`CREATE TABLE order_facts (order_id text PRIMARY KEY, facts jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);
    // Shipments whose revenue was recognised, so the next one of the order knows what shipped before.
    await queryRunner.query(`CREATE TABLE order_shipments (shipment_id text PRIMARY KEY, order_id text NOT NULL, lines jsonb NOT NULL)`);
    await queryRunner.query(`CREATE INDEX order_shipments_by_order ON order_shipments (order_id)`);
    await queryRunner.query(`
      CREATE TABLE standard_costs (
        sku               text        PRIMARY KEY,
        amount_minor      bigint      NOT NULL,
        currency          char(3)     NOT NULL,
        source_updated_at timestamptz NOT NULL
      )`);
    // A payment or shipment may overtake its OrderPlaced (other topics): kept until the order is known.
    await queryRunner.query(`
      CREATE TABLE parked_facts (
        event_id   text        PRIMARY KEY,
        order_id   text        NOT NULL,
        event_type text        NOT NULL,
        payload    jsonb       NOT NULL,
        parked_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX parked_facts_by_order ON parked_facts (order_id)`);
    await queryRunner.query(`
      CREATE TABLE finance_exceptions (
        id               uuid        PRIMARY KEY,
        kind             text        NOT NULL,
        company_id       text        NOT NULL,
        journal_entry_id uuid,
        detail           text        NOT NULL,
        status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
        raised_at        timestamptz NOT NULL DEFAULT now(),
        resolved_at      timestamptz,
        resolved_by      text
      )`);
    await queryRunner.query(`CREATE INDEX finance_exceptions_open ON finance_exceptions (kind) WHERE status = 'open'`);
    await queryRunner.query(`
      CREATE TABLE reconciliation_runs (
        id           uuid        PRIMARY KEY,
        period_from  date        NOT NULL,
        period_to    date        NOT NULL,
        requested_by text        NOT NULL,
        started_at   timestamptz NOT NULL,
        finished_at  timestamptz NOT NULL,
        clean        boolean     NOT NULL,
        result       jsonb       NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE finance_audit (
        id               bigserial   PRIMARY KEY,
        at               timestamptz NOT NULL DEFAULT now(),
        principal        text        NOT NULL,
        action           text        NOT NULL,
        journal_entry_id uuid,
        detail           jsonb       NOT NULL DEFAULT '{}'
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['finance_audit', 'reconciliation_runs', 'finance_exceptions', 'parked_facts', 'standard_costs', 'order_shipments', 'order_facts']) await queryRunner.query(`DROP TABLE ${table}`);
    await queryRunner.query(`ALTER TABLE journal_entry_lines DROP COLUMN label`);
    await queryRunner.query(`DROP INDEX journal_entries_by_order`);
    await queryRunner.query(`DROP INDEX journal_entries_by_date`);
    await queryRunner.query(`ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_status_check`);
    await queryRunner.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_status_check CHECK (status IN ('draft', 'posted', 'failed'))`);
    await queryRunner.query(`ALTER TABLE journal_entries DROP COLUMN period_note, DROP COLUMN company_id, DROP COLUMN rule_version, DROP COLUMN reference, DROP COLUMN source, DROP COLUMN source_events, DROP COLUMN occurred_at, DROP COLUMN command_id, DROP COLUMN odoo_move_name, DROP COLUMN failure, DROP COLUMN failure_kind`);
  }
}
