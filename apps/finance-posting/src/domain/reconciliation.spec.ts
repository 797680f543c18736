import { postingId } from './posting-id';
import { LedgerEntry, OdooMove, reconcile, reportCsv, reportText } from './reconciliation';

const id = (source: string) => postingId('omnibus-retail', 'payment-capture', { kind: 'PAYMENT_CAPTURE', id: source });
const entry = (source: string, amount: number, date = '2026-11-27'): LedgerEntry => ({
  id: id(source),
  companyId: 'omnibus-retail',
  journal: 'BNK1',
  accountingDate: date,
  currency: 'USD',
  status: 'posted',
  source: { kind: 'PAYMENT_CAPTURE', id: source, orderId: 'o-1' },
  lines: [
    { accountCode: '101403', debitMinor: amount, creditMinor: 0 },
    { accountCode: '121000', debitMinor: 0, creditMinor: amount },
  ],
});
let moveIds = 0;
const moveOf = (booked: LedgerEntry, change: Partial<OdooMove> = {}): OdooMove => ({ id: ++moveIds, ref: booked.id, name: `BNK1/2026/${moveIds}`, journal: booked.journal, date: booked.accountingDate, state: 'posted', lines: booked.lines, ...change });
const period = { from: '2026-11-01', to: '2026-11-30' };
const kinds = (entries: LedgerEntry[], moves: OdooMove[]) => reconcile(period, entries, moves).differences.map((difference) => difference.kind);

describe('reconciliation', () => {
  const a = entry('c1', 6480);
  const b = entry('c2', 8060);

  it('skips entries booked by Odoo\'s own documents, counts them per document and says so in the report', () => {
    const invoiced = { ...entry('s1', 14540), odooDocument: 'invoice', status: 'in_odoo_document' };
    const paid = { ...entry('c3', 14540), odooDocument: 'payment', status: 'in_odoo_document' };
    const result = reconcile(period, [a, invoiced, paid], [moveOf(a)]);
    expect(result).toMatchObject({ clean: true, entries: 1, inOdooDocuments: { invoice: 1, payment: 1 }, differences: [], checksumDifferences: [] });
    expect(reportText(result)).toContain("not compared: 1 booked by Odoo's invoices, 1 booked by Odoo's payments");
  });

  it('the ledger and Odoo agreeing is clean, other people\'s moves aside', () => {
    const result = reconcile(period, [a, b], [moveOf(a), moveOf(b), { ...moveOf(a), ref: 'INV/2026/0001' }]);
    expect(result).toMatchObject({ clean: true, differences: [], checksumDifferences: [], entries: 2, odooMoves: 3 });
  });

  it.each<[string, () => OdooMove[], string[]]>([
    ['an entry deleted in Odoo is missing', () => [moveOf(a)], ['MISSING_IN_ODOO']],
    ['an entry posted twice is a duplicate', () => [moveOf(a), moveOf(b), moveOf(b)], ['DUPLICATE_IN_ODOO']],
    ['a move with a posting id we never made is unexpected', () => [moveOf(a), moveOf(b), moveOf(entry('c9', 100))], ['UNEXPECTED_IN_ODOO']],
    [
      'an amount changed by hand is a mismatch',
      () => [moveOf(a), moveOf(b, { lines: [{ accountCode: '101403', debitMinor: 8000, creditMinor: 0 }, { accountCode: '121000', debitMinor: 0, creditMinor: 8000 }] })],
      ['AMOUNT_MISMATCH'],
    ],
    [
      'a line moved to another account is an account mismatch',
      () => [moveOf(a), moveOf(b, { lines: [{ accountCode: '101401', debitMinor: 8060, creditMinor: 0 }, { accountCode: '121000', debitMinor: 0, creditMinor: 8060 }] })],
      ['ACCOUNT_MISMATCH'],
    ],
    ['another journal is an account mismatch', () => [moveOf(a), moveOf(b, { journal: 'MISC' })], ['ACCOUNT_MISMATCH']],
    ['a move reset to draft is a state mismatch', () => [moveOf(a), moveOf(b, { state: 'draft' })], ['STATE_MISMATCH']],
  ])('%s', (_, moves, expected) => {
    expect(kinds([a, b], moves())).toEqual(expected);
  });

  it('the daily checksums per journal and account show the day a difference sits on', () => {
    const late = entry('c3', 500, '2026-11-28');
    const result = reconcile(period, [a, late], [moveOf(a)]);
    expect(result.checksumDifferences).toEqual([
      { date: '2026-11-28', journal: 'BNK1', accountCode: '101403', expectedMinor: 500, actualMinor: 0 },
      { date: '2026-11-28', journal: 'BNK1', accountCode: '121000', expectedMinor: -500, actualMinor: 0 },
    ]);
  });

  it('reads as text and CSV', () => {
    const result = reconcile(period, [a, b], [moveOf(a)]);
    expect(reportText(result)).toContain(`Reconciliation 2026-11-01 .. 2026-11-30: 1 difference(s)\n2 entries of ours, 1 moves in Odoo\nMISSING_IN_ODOO    entry ${b.id} (PAYMENT_CAPTURE c2, posted) has no move in Odoo`);
    expect(reportCsv(result).split('\n')).toEqual([
      'kind,journal_entry_id,odoo_move_id,expected_minor,actual_minor,currency,detail',
      `MISSING_IN_ODOO,${b.id},,8060,,USD,"entry ${b.id} (PAYMENT_CAPTURE c2, posted) has no move in Odoo"`,
      '',
    ]);
  });
});
