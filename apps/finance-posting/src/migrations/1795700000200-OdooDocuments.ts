import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Entries booked by Odoo's own documents (the saga's invoice and payment, the returns' credit note):
 * status 'in_odoo_document', the document named; kept in the ledger for reconciliation and dual-run,
 * never sent to Odoo.
 */
export class OdooDocuments1795700000200 implements MigrationInterface {
  name = 'OdooDocuments1795700000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE journal_entries ADD COLUMN odoo_document text`);
    await queryRunner.query(`ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_status_check`);
    await queryRunner.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_status_check CHECK (status IN ('draft', 'posted', 'failed', 'held', 'in_odoo_document'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM journal_entries WHERE status = 'in_odoo_document'`);
    await queryRunner.query(`ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_status_check`);
    await queryRunner.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_status_check CHECK (status IN ('draft', 'posted', 'failed', 'held'))`);
    await queryRunner.query(`ALTER TABLE journal_entries DROP COLUMN odoo_document`);
  }
}
