import { parseAmount } from './dual-run';
import { applyRule, DraftEntry } from './postings';
import type { RuleBook } from './rule-book';

/** One payout of a payment gateway: what it had captured for us (gross), what it kept (fees), what reached the bank (net). */
export interface Payout {
  payoutId: string;
  date: string;
  currency: string;
  grossMinor: number;
  feesMinor: number;
  netMinor: number;
}

export class PayoutFileError extends Error {}

const HEADER = 'payout_id,date,currency,gross,fees,net';

/** The gateway's payout file: `payout_id,date,currency,gross,fees,net`, decimal amounts; net must be gross − fees. */
export function parsePayoutFile(csv: string): Payout[] {
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  if (header?.replace(/\s/g, '') !== HEADER) throw new PayoutFileError(`the header must be ${HEADER}, not ${JSON.stringify(header)}`);
  return rows
    .filter((row) => row.trim() !== '')
    .map((row, index) => {
      const where = `row ${index + 2}`;
      const cells = row.split(',').map((cell) => cell.trim());
      const [payoutId, date, currency, gross, fees, net] = cells;
      if (cells.length !== 6 || !payoutId || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^[A-Z]{3}$/.test(currency)) throw new PayoutFileError(`${where}: expected ${HEADER}: ${JSON.stringify(row)}`);
      let amounts: number[];
      try {
        amounts = [gross, fees, net].map((amount) => parseAmount(amount));
      } catch (error) {
        throw new PayoutFileError(`${where}: ${(error as Error).message}`);
      }
      const [grossMinor, feesMinor, netMinor] = amounts;
      if (grossMinor - feesMinor !== netMinor) throw new PayoutFileError(`${where}: payout ${payoutId}: net ${net} is not gross ${gross} − fees ${fees}`);
      return { payoutId, date, currency, grossMinor, feesMinor, netMinor };
    });
}

/** Settlement of a payout: bank and fees against payment clearing, by the company's rules in force on the payout date. */
export function settlementOf(book: RuleBook, companyId: string, gateway: string, payout: Payout): DraftEntry | undefined {
  return applyRule(
    book,
    { companyId, brand: '*', channel: '*', date: payout.date },
    'settlement-payout',
    { gross: payout.grossMinor, fees: payout.feesMinor },
    { currency: payout.currency, reference: `${gateway} payout ${payout.payoutId}`, source: { kind: 'OTHER', id: `payout:${gateway}:${payout.payoutId}`, orderId: null } },
  );
}
