/**
 * Odoo speaks floats for money and quantities; Omnibus speaks integers (minor units, thousandths).
 * Conversions round at the currency's / unit's precision so 19.99 never becomes 1998.
 */
export interface Money {
  amountMinor: number;
  currency: string;
}
export interface Quantity {
  milli: number;
}

/** ISO 4217 currencies whose minor unit is not 2 digits. */
const MINOR_DIGITS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency.toUpperCase()] ?? 2;
}

export function moneyFromOdoo(amount: number | false | null | undefined, currency: string): Money {
  const digits = minorDigits(currency);
  // toFixed first: 1.005 * 100 is 100.49999… in binary; Odoo rounded the amount at `digits` already.
  const amountMinor = Math.round(Number(((amount || 0) * 10 ** digits).toFixed(6)));
  return { amountMinor, currency: currency.toUpperCase() };
}

export function moneyToOdoo(money: Money): number {
  const digits = minorDigits(money.currency);
  return Number((money.amountMinor / 10 ** digits).toFixed(digits));
}

export function quantityFromOdoo(quantity: number | false | null | undefined): Quantity {
  return { milli: Math.round(Number(((quantity || 0) * 1000).toFixed(6))) };
}

export function quantityToOdoo(quantity: Quantity): number {
  return Number((quantity.milli / 1000).toFixed(3));
}
