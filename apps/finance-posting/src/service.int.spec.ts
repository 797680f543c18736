import { AppProcess, startSchemaRegistry } from '@omnibus/messaging/testing';
import { describeStandardService, spawnService, testServiceEnv } from '@omnibus/service-kit/testing';
import { createTestDatabase } from '@omnibus/testing';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { financePostingService } from './service';

jest.setTimeout(60_000);

const tables = ['journal_entries', 'journal_entry_lines', 'outbox', 'messaging_inbox', 'order_facts', 'finance_exceptions', 'reconciliation_runs'];
const savedEnv = { ...process.env };
let registry: AppProcess;

beforeAll(async () => {
  registry = await startSchemaRegistry('finance-service');
  process.env.SCHEMA_REGISTRY_URL = registry.url;
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await registry?.stop();
});

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

describe('finance-posting at start', () => {
  it('refuses an unbalanced rule set, naming the rule, before it consumes anything', async () => {
    const rules = readFileSync(path.join(__dirname, '..', 'rules', 'posting-rules.yaml'), 'utf8').replace("- { credit: '251000', amount: tax, label: 'Output tax' }", '');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'finance-rules-')), 'rules.yaml');
    writeFileSync(file, rules);
    const database = await createTestDatabase('finance_refused');
    const exited = await spawnService(path.join(__dirname, 'main.ts'), testServiceEnv(database.url, { FINANCE_RULES_FILE: file })).exited.finally(() => database.drop());
    expect(exited.code).toBe(1);
    expect(exited.stdout + exited.stderr).toContain('rule revenue-on-shipment: does not balance: tax debited 1× more');
  });
});
