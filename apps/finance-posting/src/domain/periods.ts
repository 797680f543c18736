import { shiftDay } from './dual-run';

/** What to do with an entry dated in a locked period: post it on the first open day, or hold it until the period opens. */
export type LockedPeriodPolicy = 'next_open' | 'wait';

export type Placement = { post: true; accountingDate: string; note: string | null } | { post: false; note: string };

/**
 * Where an entry goes given the company's lock date (Odoo's period lock: nothing on or before it
 * may post). Never silently rejected: a moved or held entry carries a note saying why.
 */
export function placeInPeriod(accountingDate: string, lockedThrough: string | undefined, policy: LockedPeriodPolicy): Placement {
  if (!lockedThrough || accountingDate > lockedThrough) return { post: true, accountingDate, note: null };
  const firstOpen = shiftDay(lockedThrough, 1);
  if (policy === 'wait') return { post: false, note: `accounting date ${accountingDate} is in a period locked through ${lockedThrough}: held until it opens` };
  return { post: true, accountingDate: firstOpen, note: `accounting date ${accountingDate} is in a period locked through ${lockedThrough}: posted on ${firstOpen}, the first open day` };
}
