import type { Money, Quantity } from '../generated/types';

/** Money from minor units: `money(1999, 'EUR')` is EUR 19.99. */
export function money(amountMinor: number, currency: string): Money {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amountMinor must be a safe integer, got ${amountMinor}`);
  if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(`currency must be an ISO 4217 code like EUR, got '${currency}'`);
  return { amountMinor, currency };
}

/** Thousandths per unit: Quantity has a fixed scale of 3. */
export const QUANTITY_SCALE = 1000;

/**
 * A Quantity from a decimal string or an integer count: `quantity('2.5')` is 2500 milli,
 * `quantity(3)` is 3000 milli. Strings are parsed exactly (no float arithmetic); more than three
 * decimals is an error, never a silent rounding.
 */
export function quantity(value: string | number): Quantity {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`quantity(number) takes whole units; pass '${value}' as a string`);
    return { milli: value * QUANTITY_SCALE };
  }
  const match = /^(-)?(\d+)(?:\.(\d{1,3}))?$/.exec(value.trim());
  if (!match) throw new RangeError(`not a decimal quantity with at most 3 decimals: '${value}'`);
  const [, minus, whole, fraction = ''] = match;
  const milli = Number(whole) * QUANTITY_SCALE + Number(fraction.padEnd(3, '0'));
  if (!Number.isSafeInteger(milli)) throw new RangeError(`quantity out of range: '${value}'`);
  return { milli: minus ? -milli : milli };
}

/** The decimal text of a Quantity: `{milli: 2500}` is '2.5', `{milli: 3000}` is '3'. */
export function formatQuantity(q: Quantity): string {
  const sign = q.milli < 0 ? '-' : '';
  const abs = Math.abs(q.milli);
  const whole = Math.trunc(abs / QUANTITY_SCALE);
  const fraction = String(abs % QUANTITY_SCALE).padStart(3, '0').replace(/0+$/, '');
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}
