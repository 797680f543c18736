import type { ExchangeRequested, OrderLine } from '@omnibus/contracts';
import type { Order } from './order';
import { subtract, sum, zero } from './pricing';
import type { PaymentPolicy } from './saga/payment-policy';

/**
 * The replacement order of an exchange (ExchangeRequested from the returns service): placed at once,
 * before the return arrives (an advance exchange), so its saga reserves the stock when the exchange is
 * requested. It is the original order again — channel, brand, company, customer, addresses, fulfilment
 * rules, the means of payment — with the replacements as its lines, priced as returns priced them
 * (tax included; the tax at the rate the returned line was charged, so Odoo's tax of that rate applies),
 * no shipping, and the returned goods' value as its order discount. Its grand total is therefore what
 * the customer pays on top (ExchangeRequested.amountToCharge), authorised and captured through the
 * gateway like any order of the channel; when that is nothing, no payment is asked for (policy
 * `prepaid`: paid with the returned goods). A cheaper replacement is refunded the difference by the
 * returns service at receipt, not here. Pure.
 */
export function replacementOrder(original: Order, exchange: ExchangeRequested, acceptedAt: Date): Order {
  const currency = original.currency;
  const lines: OrderLine[] = exchange.lines.map((line, index) => {
    const returned = original.lines.find((candidate) => candidate.lineId === line.returnedLineId);
    const taxMinor = returned && returned.total.amountMinor > 0 ? Math.round((line.total.amountMinor * returned.tax.amountMinor) / returned.total.amountMinor) : 0;
    return {
      lineId: `X${index + 1}`,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discount: zero(currency),
      tax: { amountMinor: taxMinor, currency },
      taxCode: returned?.taxCode ?? null,
      total: line.total,
    };
  });
  const linesTotal = sum(lines.map((line) => line.total), currency);
  const paidByReturn = subtract(exchange.replacementTotal, exchange.amountToCharge);
  return {
    ...original,
    orderId: exchange.replacementOrderId,
    channelOrderRef: `EXCH-${exchange.rmaNumber}`,
    lines,
    totals: { linesTotal, shipping: zero(currency), orderDiscount: paidByReturn, tax: sum(lines.map((line) => line.tax), currency), grandTotal: exchange.amountToCharge },
    pricesIncludeTax: true,
    notes: `exchange ${exchange.exchangeId}: replacement for return ${exchange.rmaNumber} of order ${original.channelOrderRef}`,
    placedAt: acceptedAt,
    acceptedAt,
    exchange: {
      exchangeId: exchange.exchangeId,
      returnId: exchange.returnId,
      rmaNumber: exchange.rmaNumber,
      originalOrderId: exchange.orderId,
      paidByReturn,
      charged: exchange.amountToCharge,
      refundedAtReceipt: exchange.amountToRefund,
    },
  };
}

/** How the replacement pays: nothing to charge → nothing to authorise; else as the channel pays. */
export function replacementPaymentPolicy(order: Order, channelPolicy: PaymentPolicy): PaymentPolicy {
  return order.exchange && order.exchange.charged.amountMinor === 0 ? 'prepaid' : channelPolicy;
}
