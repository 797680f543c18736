/**
 * Reconciliation of 100,000 entries end to end (issue 13: under 60 s on this machine), INCLUDING the
 * reads: the period's entries and lines from the ledger (PostgreSQL, `entriesInPeriod`, the query a run
 * makes), Odoo's moves and lines from odoo-sim over JSON-RPC (`readOdooMoves`: moves of the period,
 * lines and account/journal codes in 2,000-id chunks), then the comparison by posting id and the daily
 * checksums (`reconcile`) and the text report — the steps of ReconciliationService.run before it stores
 * the run. apps/finance-posting/bench/reconcile.bench.ts measures the comparison alone.
 *
 *   node -r @swc-node/register bench/finance/reconcile-100k.ts            # BENCH_ENTRIES=100000 BENCH_RUNS=3
 *
 * Set-up (not timed): a database of its own migrated as finance-posting migrates it, BENCH_ENTRIES
 * posted entries of three lines (receivable / revenue / tax, journal MISC) over 30 days inserted by SQL;
 * an odoo-sim of its own with the same entries as posted moves with our posting ids as ref (createMany
 * in chunks, action_post). Then odoo-sim gets 4 workers at 20 ms per call, like the posting benchmark,
 * and the reconciliation runs BENCH_RUNS times. A few moves are changed on purpose (one missing, one
 * amount) so the comparison has differences to find.
 */
import { inboxMigrations } from '@omnibus/messaging';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { outboxMigrations } from '@omnibus/outbox';
import { createTestDatabase } from '@omnibus/testing';
import { DataSource } from 'typeorm';
import { postingId } from '../../apps/finance-posting/src/domain/posting-id';
import { reconcile, reportText } from '../../apps/finance-posting/src/domain/reconciliation';
import { entriesInPeriod } from '../../apps/finance-posting/src/ledger/ledger-store';
import { Initial1795700000000 } from '../../apps/finance-posting/src/migrations/1795700000000-Initial';
import { Ledger1795700000100 } from '../../apps/finance-posting/src/migrations/1795700000100-Ledger';
import { OdooDocuments1795700000200 } from '../../apps/finance-posting/src/migrations/1795700000200-OdooDocuments';
import { readOdooMoves } from '../../apps/finance-posting/src/reconciliation/odoo-moves';
import { machine } from '../odoo/setup';

const COUNT = Number(process.env.BENCH_ENTRIES ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const period = { from: '2026-11-01', to: '2026-11-30' };
const CHUNK = 1_000;

const entryOf = (index: number) => {
  const date = `2026-11-${String(1 + (index % 30)).padStart(2, '0')}`;
  const gross = 1_000 + (index % 9_000);
  const tax = Math.round(gross * 0.13);
  const id = postingId('omnibus-retail', 'cogs-on-shipment', { kind: 'SHIPMENT', id: `bench-${index}` });
  return { id, index, date, lines: [['121000', gross, 0], ['400000', 0, gross - tax], ['251000', 0, tax]] as Array<[string, number, number]> };
};

async function seedLedger(dataSource: DataSource): Promise<void> {
  for (let start = 0; start < COUNT; start += 5_000) {
    const entries = Array.from({ length: Math.min(5_000, COUNT - start) }, (_, i) => entryOf(start + i));
    await dataSource.query(
      `INSERT INTO journal_entries (id, source_event_id, posting_rule, journal, entry_date, currency, company_id, rule_version, reference, source, status)
       SELECT id, gen_random_uuid(), 'cogs-on-shipment', 'MISC', d::date, 'USD', 'omnibus-retail', 'bench', 'bench', jsonb_build_object('kind', 'SHIPMENT', 'id', s, 'orderId', NULL), 'posted'
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, d, s)`,
      [entries.map((e) => e.id), entries.map((e) => e.date), entries.map((e) => `bench-${e.index}`)],
    );
    const lines = entries.flatMap((e) => e.lines.map(([account, debit, credit], n) => ({ id: e.id, n: n + 1, account, debit, credit })));
    await dataSource.query(
      `INSERT INTO journal_entry_lines (entry_id, line_no, account_code, label, debit_minor, credit_minor)
       SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])`,
      [lines.map((l) => l.id), lines.map((l) => l.n), lines.map((l) => l.account), lines.map(() => 'bench'), lines.map((l) => l.debit), lines.map((l) => l.credit)],
    );
  }
}

async function seedOdoo(odoo: OdooClient): Promise<void> {
  const accounts = new Map((await odoo.searchRead<{ id: number; code: string }>('account.account', [['code', 'in', ['121000', '400000', '251000']]], { fields: ['code'] })).map((a) => [a.code, a.id]));
  const [journal] = await odoo.search('account.journal', [['code', '=', 'MISC']]);
  for (let start = 0; start < COUNT; start += CHUNK) {
    const entries = Array.from({ length: Math.min(CHUNK, COUNT - start) }, (_, i) => entryOf(start + i)).filter((e) => e.index !== 7); // entry 7: missing in Odoo
    const ids = await odoo.createMany(
      'account.move',
      entries.map((e) => ({
        move_type: 'entry',
        journal_id: journal,
        date: e.date,
        ref: e.id,
        // entry 8: an amount changed by hand (one cent moved from revenue to tax).
        line_ids: e.lines.map(([account, debit, credit], n) => [0, 0, { account_id: accounts.get(account), name: 'bench', debit: debit / 100, credit: (credit + (e.index === 8 ? (n === 1 ? -1 : n === 2 ? 1 : 0) : 0)) / 100 }]),
      })),
    );
    await odoo.callMethod('account.move', 'action_post', ids);
    if ((start / CHUNK) % 10 === 0) process.stdout.write(`  odoo-sim: ${start + entries.length} moves\r`);
  }
  process.stdout.write('\n');
}

async function main(): Promise<void> {
  console.log(`reconciliation of ${COUNT} entries, ledger + odoo-sim reads included; ${machine()}`);
  const database = await createTestDatabase('finance_bench_reconcile');
  const dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: [...outboxMigrations, ...inboxMigrations, Initial1795700000000, Ledger1795700000100, OdooDocuments1795700000200] });
  const sim = await OdooSimProcess.start({ version: 17 });
  const odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    let t = Date.now();
    await seedLedger(dataSource);
    console.log(`set-up: ledger ${COUNT} entries, ${COUNT * 3} lines in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    await seedOdoo(odoo);
    console.log(`set-up: odoo-sim ${COUNT - 1} posted moves in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    await sim.admin('POST', '/workers', { count: 4, latencyMs: 20 });
    for (let run = 1; run <= RUNS; run++) {
      const cpu = process.cpuUsage();
      const started = Date.now();
      const entries = await entriesInPeriod(dataSource.manager, period.from, period.to);
      const ledgerAt = Date.now();
      const moves = await readOdooMoves(odoo, period);
      const odooAt = Date.now();
      const result = reconcile(period, entries, moves);
      const report = reportText(result);
      const done = Date.now();
      const used = process.cpuUsage(cpu);
      const kinds = result.differences.map((d) => d.kind).join(', ');
      console.log(
        `run ${run}: total ${((done - started) / 1000).toFixed(1)} s = ledger read ${((ledgerAt - started) / 1000).toFixed(1)} s (${entries.length} entries) + Odoo read ${((odooAt - ledgerAt) / 1000).toFixed(1)} s (${moves.length} moves) + compare and report ${((done - odooAt) / 1000).toFixed(1)} s; ` +
          `differences: ${kinds || 'none'}, ${result.checksumDifferences.length} checksum rows; report ${report.length} bytes; bench process CPU ${((used.user + used.system) / 1e6).toFixed(1)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB; ${machine()}`,
      );
    }
  } finally {
    await odoo.close();
    await sim.stop();
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
