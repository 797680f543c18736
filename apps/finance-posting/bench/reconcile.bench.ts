/**
 * Reconciliation benchmark, the comparison alone (no Odoo, no database): BENCH_ENTRIES (100000)
 * ledger entries of three lines over 30 days against as many Odoo moves, a few of them missing,
 * changed or duplicated, compared by posting id and by daily checksums per journal and account.
 * The Odoo read (account.move, account.move.line, codes in 2,000-id chunks) is extra and depends on Odoo.
 *
 *   node -r @swc-node/register apps/finance-posting/bench/reconcile.bench.ts
 */
import { postingId } from '../src/domain/posting-id';
import { LedgerEntry, OdooMove, reconcile } from '../src/domain/reconciliation';

const count = Number(process.env.BENCH_ENTRIES ?? 100_000);
const entries: LedgerEntry[] = [];
const moves: OdooMove[] = [];
for (let index = 0; index < count; index++) {
  const date = `2026-11-${String(1 + (index % 30)).padStart(2, '0')}`;
  const gross = 1_000 + (index % 9_000);
  const tax = Math.round(gross * 0.13);
  const lines = [
    { accountCode: '121000', debitMinor: gross, creditMinor: 0 },
    { accountCode: '400000', debitMinor: 0, creditMinor: gross - tax },
    { accountCode: '251000', debitMinor: 0, creditMinor: tax },
  ];
  const id = postingId('omnibus-retail', 'revenue-on-shipment', { kind: 'SHIPMENT', id: `s-${index}` });
  entries.push({ id, companyId: 'omnibus-retail', journal: 'INV', accountingDate: date, currency: 'USD', status: 'posted', source: { kind: 'SHIPMENT', id: `s-${index}`, orderId: null }, lines });
  if (index % 10_000 === 1) continue; // missing
  const changed = index % 10_000 === 2 ? [{ ...lines[0], debitMinor: gross + 1 }, lines[1], { ...lines[2], creditMinor: tax + 1 }] : lines;
  moves.push({ id: index + 1, ref: id, name: `INV/2026/${index}`, journal: 'INV', date, state: 'posted', lines: changed });
  if (index % 10_000 === 3) moves.push({ id: count + index, ref: id, name: `INV/2026/${index}b`, journal: 'INV', date, state: 'posted', lines });
}

const started = process.hrtime.bigint();
const result = reconcile({ from: '2026-11-01', to: '2026-11-30' }, entries, moves);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const kinds = new Map<string, number>();
for (const difference of result.differences) kinds.set(difference.kind, (kinds.get(difference.kind) ?? 0) + 1);
process.stdout.write(
  `reconciled ${result.entries} entries against ${result.odooMoves} moves in ${seconds.toFixed(2)} s: ${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ')}; ${result.checksumDifferences.length} daily checksums differ\n`,
);
