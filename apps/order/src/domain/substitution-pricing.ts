import type { Money, OrderLine, Quantity } from '@omnibus/contracts';
import { extendedPrice, lineTotal, subtract } from './pricing';

/**
 * The price of a substitute line, as the order prices its lines. Pure, integers only.
 *
 * - The store's unit price × the substitute's quantity, less the original line's discount *rate* (a
 *   promotion the customer had keeps its share: 10 % off the original is 10 % off the substitute).
 * - Tax at the rate the original was charged (its tax over its amount after discount), rounded half up
 *   to the minor unit, so the channel's tax rule (and Odoo's tax of that rate) carries over.
 * - **Capped at the original line's total**: a substitute is the store's answer to a line it cannot
 *   ship, so the customer never pays more for it than for what they ordered. The excess becomes part
 *   of the line's discount (`cappedMinor` says how much), so the new grand total is never above the
 *   authorisation: the later captures simply take the re-priced amounts and no second authorisation
 *   is ever needed. A cheaper substitute costs less and the customer pays less.
 */
export function priceSubstitute(
  original: OrderLine,
  substitute: { sku: string; name: string; quantity: Quantity; unitPrice: Money },
  pricesIncludeTax: boolean,
): { line: OrderLine; cappedMinor: number } {
  const originalGross = extendedPrice(original.unitPrice, original.quantity);
  const originalAfterDiscount = subtract(originalGross, original.discount).amountMinor;
  const gross = extendedPrice(substitute.unitPrice, substitute.quantity);
  const rounded = (numerator: bigint, denominator: bigint) => (denominator === 0n ? 0 : Number((2n * numerator + denominator) / (2n * denominator)));
  const promotion = rounded(BigInt(gross.amountMinor) * BigInt(original.discount.amountMinor), BigInt(originalGross.amountMinor));
  const taxOf = (afterDiscount: number) => rounded(BigInt(afterDiscount) * BigInt(original.tax.amountMinor), BigInt(originalAfterDiscount));
  const priced = (discountMinor: number, taxMinor: number): OrderLine => {
    const discount = { amountMinor: discountMinor, currency: gross.currency };
    const tax = { amountMinor: taxMinor, currency: gross.currency };
    return {
      lineId: original.lineId,
      sku: substitute.sku,
      name: substitute.name,
      quantity: substitute.quantity,
      unitPrice: substitute.unitPrice,
      discount,
      tax,
      taxCode: original.taxCode,
      total: lineTotal({ unitPrice: substitute.unitPrice, quantity: substitute.quantity, discount, tax }, pricesIncludeTax),
    };
  };
  const line = priced(promotion, taxOf(gross.amountMinor - promotion));
  if (line.total.amountMinor <= original.total.amountMinor) return { line, cappedMinor: 0 };
  // Capped: the same amount after discount as the original, so the same tax and the same total.
  const discountMinor = gross.amountMinor - originalAfterDiscount;
  return { line: priced(discountMinor, original.tax.amountMinor), cappedMinor: discountMinor - promotion };
}
