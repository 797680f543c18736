import type { Money, Quantity } from '@omnibus/contracts';

/**
 * Order arithmetic in integers only: money in minor units, quantities in thousandths (scale 3).
 * Nothing here ever holds a fractional amount of money.
 */

/** Currencies Node's ICU knows as ISO 4217 (active codes only: XXX, XTS and friends are not there). */
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return ISO_CURRENCIES.has(code);
}

/**
 * quantity × unit price, rounded half up to the currency's minor unit (2.5 kg at 1.99 = 4.975 → 4.98).
 * BigInt, because amountMinor × milli can pass 2^53 long before either factor is unusual.
 */
export function extendedPrice(unitPrice: Money, quantity: Quantity): Money {
  const thousandths = BigInt(unitPrice.amountMinor) * BigInt(quantity.milli);
  const rounded = (thousandths + 500n) / 1000n;
  return { amountMinor: toSafeNumber(rounded), currency: unitPrice.currency };
}

export function zero(currency: string): Money {
  return { amountMinor: 0, currency };
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amountMinor: toSafeNumber(BigInt(a.amountMinor) + BigInt(b.amountMinor)), currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amountMinor: toSafeNumber(BigInt(a.amountMinor) - BigInt(b.amountMinor)), currency: a.currency };
}

export function sum(amounts: Money[], currency: string): Money {
  return amounts.reduce(add, zero(currency));
}

export interface LinePrice {
  unitPrice: Money;
  quantity: Quantity;
  discount: Money;
  tax: Money;
}

/** What the customer pays for a line: quantity × unit price − discount, plus tax unless prices include it. */
export function lineTotal(line: LinePrice, pricesIncludeTax: boolean): Money {
  const afterDiscount = subtract(extendedPrice(line.unitPrice, line.quantity), line.discount);
  return pricesIncludeTax ? afterDiscount : add(afterDiscount, line.tax);
}

/** Formats minor units for people, e.g. `USD 49.90` (2 decimals unless the currency has none or three). */
export function formatMoney(money: Money): string {
  const digits = minorDigits(money.currency);
  const sign = money.amountMinor < 0 ? '-' : '';
  const abs = Math.abs(money.amountMinor);
  if (digits === 0) return `${money.currency} ${sign}${abs}`;
  const unit = 10 ** digits;
  return `${money.currency} ${sign}${Math.trunc(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}

function minorDigits(currency: string): number {
  // ICU knows each currency's minor unit (JPY 0, KWD 3, most 2).
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`cannot combine ${a.currency} and ${b.currency}`);
}

function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`amount ${value} is beyond what an order can hold`);
  }
  return Number(value);
}
