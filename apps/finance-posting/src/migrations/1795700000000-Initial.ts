import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journal entries derived from operational events. One entry per (event, posting rule), so a
 * replayed event cannot post twice; money in minor units; each line is either a debit or a
 * credit. Balance (debits = credits) is checked by the posting code before insert.
 */
export class Initial1795700000000 implements MigrationInterface {
  name = 'Initial1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE journal_entries (
        id              uuid         PRIMARY KEY,
        source_event_id uuid         NOT NULL,
        posting_rule    text         NOT NULL,
        journal         text         NOT NULL,
        entry_date      date         NOT NULL,
        currency        char(3)      NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        status          text         NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'posted', 'failed')),
        odoo_move_id    integer,
        version         integer      NOT NULL DEFAULT 1,
        created_at      timestamptz  NOT NULL DEFAULT now(),
        posted_at       timestamptz,
        CONSTRAINT journal_entries_once_per_event UNIQUE (source_event_id, posting_rule)
      )`);
    await queryRunner.query(`
      CREATE TABLE journal_entry_lines (
        entry_id     uuid      NOT NULL REFERENCES journal_entries (id) ON DELETE CASCADE,
        line_no      smallint  NOT NULL,
        account_code text      NOT NULL,
        debit_minor  bigint    NOT NULL DEFAULT 0 CHECK (debit_minor >= 0),
        credit_minor bigint    NOT NULL DEFAULT 0 CHECK (credit_minor >= 0),
        PRIMARY KEY (entry_id, line_no),
        CONSTRAINT journal_entry_lines_debit_or_credit CHECK ((debit_minor = 0) <> (credit_minor = 0))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE journal_entry_lines`);
    await queryRunner.query(`DROP TABLE journal_entries`);
  }
}
