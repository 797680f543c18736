import type { Money } from '@omnibus/contracts';

/**
 * Refund arithmetic in integers only: money in minor units (BigInt where a product of two amounts
 * could pass 2^53), quantities in thousandths. Nothing here holds a fractional amount of money.
 */

export function zero(currency: string): Money {
  return { amountMinor: 0, currency };
}

export function minus(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amountMinor: a.amountMinor - b.amountMinor, currency: a.currency };
}

export function plus(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amountMinor: a.amountMinor + b.amountMinor, currency: a.currency };
}

export function total(amounts: Money[], currency: string): Money {
  return amounts.reduce(plus, zero(currency));
}

/** amount × numerator / denominator, rounded half up (amounts are never negative here). */
export function scaled(amountMinor: number, numerator: number, denominator: number): number {
  if (denominator <= 0) throw new RangeError(`cannot scale by ${numerator}/${denominator}`);
  const product = BigInt(amountMinor) * BigInt(numerator) * 2n + BigInt(denominator);
  return Number(product / (2n * BigInt(denominator)));
}

/**
 * Splits `amountMinor` over `weights` in proportion, to the cent: each share is rounded down, then
 * the cents left over go one each to the largest remainders (ties: the earlier weight). The shares
 * always add up to the amount exactly.
 */
export function apportion(amountMinor: number, weights: number[]): number[] {
  const totalWeight = weights.reduce((sum, weight) => sum + BigInt(weight), 0n);
  if (totalWeight === 0n) return weights.map(() => 0);
  const exact = weights.map((weight) => BigInt(amountMinor) * BigInt(weight));
  const shares = exact.map((value) => value / totalWeight);
  let left = BigInt(amountMinor) - shares.reduce((sum, share) => sum + share, 0n);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value % totalWeight })).sort((a, b) => (b.remainder > a.remainder ? 1 : b.remainder < a.remainder ? -1 : a.index - b.index));
  for (const { index } of byRemainder) {
    if (left <= 0n) break;
    shares[index] += 1n;
    left -= 1n;
  }
  return shares.map(Number);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`cannot combine ${a.currency} and ${b.currency}`);
}
