import path from 'node:path';
import { loadRuleBook } from './rule-book';
import { parsePayoutFile, settlementOf } from './settlement';

const book = loadRuleBook(path.join(__dirname, '..', '..', 'rules', 'posting-rules.yaml'));

describe('settlement from a gateway payout file', () => {
  const file = 'payout_id,date,currency,gross,fees,net\npo_1,2026-11-27,USD,145.40,4.51,140.89\npo_2,2026-11-28,USD,80.60,0,80.60\n';

  it('posts bank and fees against clearing, balanced to the cent', () => {
    const [first, second] = parsePayoutFile(file).map((payout) => settlementOf(book, 'omnibus-retail', 'retail-sim', payout));
    expect(first).toMatchObject({ journal: 'BNK1', accountingDate: '2026-11-27', reference: 'retail-sim payout po_1', source: { kind: 'OTHER', id: 'payout:retail-sim:po_1', orderId: null } });
    expect(first?.lines.map((line) => [line.accountCode, line.debitMinor, line.creditMinor])).toEqual([['101401', 14089, 0], ['600000', 451, 0], ['101403', 0, 14540]]);
    // No fees: no fee line.
    expect(second?.lines.map((line) => [line.accountCode, line.debitMinor, line.creditMinor])).toEqual([['101401', 8060, 0], ['101403', 0, 8060]]);
  });

  it('the same payout is the same entry (a file imported twice posts once)', () => {
    const [payout] = parsePayoutFile(file);
    expect(settlementOf(book, 'omnibus-retail', 'retail-sim', payout)?.id).toBe(settlementOf(book, 'omnibus-retail', 'retail-sim', { ...payout })?.id);
  });

  it.each([
    ['id,date,currency,gross,fees,net\n', 'the header must be payout_id,date,currency,gross,fees,net'],
    ['payout_id,date,currency,gross,fees,net\npo_1,2026-11-27,USD,145.40,4.51,140.00', 'row 2: payout po_1: net 140.00 is not gross 145.40 − fees 4.51'],
    ['payout_id,date,currency,gross,fees,net\npo_1,27.11.2026,USD,1,0,1', 'row 2: expected payout_id,date,currency,gross,fees,net'],
  ])('refuses a bad file naming the row: %#', (csv, message) => {
    expect(() => parsePayoutFile(csv)).toThrow(message);
  });
});
