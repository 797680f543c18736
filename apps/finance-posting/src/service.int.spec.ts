import { describeStandardService } from '@omnibus/service-kit/testing';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { financePostingService } from './service';

const tables = ['journal_entries', 'journal_entry_lines', 'outbox', 'order_facts', 'finance_exceptions', 'reconciliation_runs'];

describeStandardService(financePostingService, { main: path.join(__dirname, 'main.ts'), tables }, (service) => {
  const entry = `INSERT INTO journal_entries (id, source_event_id, posting_rule, journal, entry_date, currency)
                 VALUES ($1, '0190d7c4-5b2a-7cc1-9a3e-2f1f3f1e0b01', 'revenue', 'SALES', '2026-11-27', 'EUR')`;

  it('an operational event yields one journal entry per posting rule, even when replayed', async () => {
    const db = service().app.get(DataSource);
    await db.query(entry, ['0190d7c4-5b2a-7cc1-9a3e-2f1f3f1e0c01']);
    await expect(db.query(entry, ['0190d7c4-5b2a-7cc1-9a3e-2f1f3f1e0c02'])).rejects.toThrow(/journal_entries_once_per_event/);
  });

  it('a journal line is a debit or a credit, never both', async () => {
    const db = service().app.get(DataSource);
    const line = `INSERT INTO journal_entry_lines (entry_id, line_no, account_code, debit_minor, credit_minor)
                  VALUES ('0190d7c4-5b2a-7cc1-9a3e-2f1f3f1e0c01', $1, '411000', $2, $3)`;
    await db.query(line, [1, 4990, 0]);
    await expect(db.query(line, [2, 4990, 4990])).rejects.toThrow(/journal_entry_lines_debit_or_credit/);
  });
});
