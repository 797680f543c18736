/**
 * Quantities are integers of thousandths ("milli", scale 3) as in the Avro contracts, so sums and
 * comparisons are exact. In the database they are bigint columns of the same unit.
 */
export type Milli = number;

const DECIMAL = /^-?\d{1,12}(\.\d{1,3})?$/;

/** "2.5" → 2500. Throws on anything but a decimal with at most 3 decimals. */
export function parseMilli(text: string): Milli {
  if (!DECIMAL.test(text)) throw new Error(`not a decimal quantity with at most 3 decimals: ${text}`);
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const milli = Number(whole) * 1000 + Number(fraction.padEnd(3, '0'));
  return negative ? -milli : milli;
}

/** 2500 → "2.5". */
export function formatMilli(milli: Milli): string {
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  const fraction = String(abs % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${sign}${Math.floor(abs / 1000)}${fraction ? `.${fraction}` : ''}`;
}

export const isDecimalQuantity = (text: string): boolean => DECIMAL.test(text);
