/**
 * Dual-run checkpoints for the cut-over from a legacy integration: the legacy system's daily totals
 * (per day, channel and account) against ours, each difference classified the way Scientist reports
 * mismatches: rounding (within a tolerance), timing (booked a day apart: the next or previous day
 * holds the opposite difference) or real. A day is clean when it has no real difference; cut-over
 * is ready after N consecutive clean days up to the last one compared.
 */

/** Σ debit − credit in minor units of one account, on one day, for one channel. */
export interface DailyTotal {
  date: string;
  channel: string;
  account: string;
  amountMinor: number;
}

export type DifferenceClass = 'rounding' | 'timing' | 'real';

export interface DualRunDifference {
  date: string;
  channel: string;
  account: string;
  legacyMinor: number;
  oursMinor: number;
  class: DifferenceClass;
}

export interface CheckpointDay {
  date: string;
  clean: boolean;
  differences: DualRunDifference[];
}

export interface DualRunReport {
  days: CheckpointDay[];
  /** Clean days in a row up to the last day compared. */
  consecutiveCleanDays: number;
  cleanDaysRequired: number;
  readyForCutover: boolean;
}

export class LegacyTotalsError extends Error {}

const key = (total: Pick<DailyTotal, 'date' | 'channel' | 'account'>) => `${total.date}|${total.channel}|${total.account}`;

/** The day before or after an ISO date. */
export const shiftDay = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** A decimal amount ("-12.34", "7", "0.5") in minor units, exactly (no floating point). */
export function parseAmount(text: string, decimals = 2): number {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match || (match[3]?.length ?? 0) > decimals) throw new LegacyTotalsError(`not an amount with at most ${decimals} decimals: ${JSON.stringify(text)}`);
  const minor = Number(match[2]) * 10 ** decimals + Number((match[3] ?? '').padEnd(decimals, '0') || '0');
  return match[1] ? -minor : minor;
}

/** The legacy export: a header `date,channel,account,amount` and one row per day, channel and account (amount = debit − credit). */
export function parseLegacyTotals(csv: string, decimals = 2): DailyTotal[] {
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  if (header?.replace(/\s/g, '') !== 'date,channel,account,amount') throw new LegacyTotalsError(`the header must be date,channel,account,amount, not ${JSON.stringify(header)}`);
  return rows
    .filter((row) => row.trim() !== '')
    .map((row, index) => {
      const [date, channel, account, amount, ...rest] = row.split(',').map((cell) => cell.trim());
      if (rest.length > 0 || !/^\d{4}-\d{2}-\d{2}$/.test(date ?? '') || !channel || !account || amount === undefined) throw new LegacyTotalsError(`row ${index + 2}: expected date,channel,account,amount: ${JSON.stringify(row)}`);
      try {
        return { date, channel, account, amountMinor: parseAmount(amount, decimals) };
      } catch (error) {
        throw new LegacyTotalsError(`row ${index + 2}: ${(error as Error).message}`);
      }
    });
}

function sum(totals: DailyTotal[]): Map<string, DailyTotal> {
  const summed = new Map<string, DailyTotal>();
  for (const total of totals) {
    const found = summed.get(key(total));
    summed.set(key(total), found ? { ...found, amountMinor: found.amountMinor + total.amountMinor } : { ...total });
  }
  return summed;
}

/**
 * Compares the days of the legacy totals with ours. `roundingToleranceMinor` is the largest
 * difference per day, channel and account taken for rounding (legacy systems round per line, we
 * per entry); a difference whose neighbouring day holds its opposite (within the tolerance) is timing.
 */
export function compareCheckpoints(legacy: DailyTotal[], ours: DailyTotal[], options: { roundingToleranceMinor: number; cleanDaysRequired: number }): DualRunReport {
  const days = [...new Set(legacy.map((total) => total.date))].sort();
  const inDays = new Set(days);
  const theirs = sum(legacy);
  const mine = sum(ours.filter((total) => inDays.has(total.date)));
  const gap = new Map<string, { legacyMinor: number; oursMinor: number; total: DailyTotal }>();
  for (const total of [...theirs.values(), ...mine.values()]) {
    const legacyMinor = theirs.get(key(total))?.amountMinor ?? 0;
    const oursMinor = mine.get(key(total))?.amountMinor ?? 0;
    if (legacyMinor !== oursMinor) gap.set(key(total), { legacyMinor, oursMinor, total });
  }
  const differenceAt = (total: Pick<DailyTotal, 'date' | 'channel' | 'account'>) => {
    const found = gap.get(key(total));
    return found ? found.oursMinor - found.legacyMinor : 0;
  };
  const within = (amount: number) => Math.abs(amount) <= options.roundingToleranceMinor;
  const classify = (total: DailyTotal, difference: number): DifferenceClass => {
    if (within(difference)) return 'rounding';
    const offsetBy = [-1, 1].some((days) => {
      const neighbour = differenceAt({ ...total, date: shiftDay(total.date, days) });
      return neighbour !== 0 && within(difference + neighbour);
    });
    return offsetBy ? 'timing' : 'real';
  };
  const report = days.map((date): CheckpointDay => {
    const differences = [...gap.values()]
      .filter(({ total }) => total.date === date)
      .map(({ legacyMinor, oursMinor, total }) => ({ date, channel: total.channel, account: total.account, legacyMinor, oursMinor, class: classify(total, oursMinor - legacyMinor) }))
      .sort((a, b) => a.channel.localeCompare(b.channel) || a.account.localeCompare(b.account));
    return { date, clean: differences.every((difference) => difference.class !== 'real'), differences };
  });
  let consecutiveCleanDays = 0;
  for (let index = report.length - 1; index >= 0 && report[index].clean; index--) {
    // A gap in the calendar breaks the run: every day must have been checked.
    if (index < report.length - 1 && shiftDay(report[index].date, 1) !== report[index + 1].date) break;
    consecutiveCleanDays++;
  }
  return { days: report, consecutiveCleanDays, cleanDaysRequired: options.cleanDaysRequired, readyForCutover: consecutiveCleanDays >= options.cleanDaysRequired };
}
