import type { FulfilmentPreference, Money, OrderLine, OrderPlaced, OrderTotals } from '@omnibus/contracts';
import type { PlaceOrderRequest } from './place-order-request';
import { add, lineTotal, subtract, sum, zero } from './pricing';

/**
 * An order as Omnibus keeps it: the canonical order of the contracts (lines, totals, fulfilment
 * rules, as OrderPlaced carries it), completed from what the channel sent, plus its currency and
 * when Omnibus accepted it. Everything the order's events and commands carry comes from here, so no
 * consumer ever has to call back. `placedAt` is the channel's clock (ours when it did not say).
 */
export type Order = Omit<OrderPlaced, 'occurredAt'> & { currency: string; acceptedAt: Date; exchange?: OrderExchange };

/** A replacement order of an exchange (exchange-order.ts): the return and the original order it belongs to, and the money. */
export interface OrderExchange {
  exchangeId: string;
  returnId: string;
  rmaNumber: string;
  originalOrderId: string;
  /** What the returned goods pay of the replacement (the order discount). */
  paidByReturn: Money;
  /** What the customer pays through the gateway: the replacement costs more. */
  charged: Money;
  /** What the returns service refunds at receipt: the replacement costs less. */
  refundedAtReceipt: Money;
}

/** Where inventory may fulfil from when the channel does not say: our own stock first. */
const DEFAULT_LOCATION_TYPES: FulfilmentPreference['allowedLocationTypes'] = ['WAREHOUSE', 'STORE'];

/**
 * The order of a validated request: line ids (1, 2, … unless the channel numbered them), line totals,
 * order totals, the billing address (the shipping address unless given) and fulfilment defaults.
 */
export function buildOrder(request: PlaceOrderRequest, ids: { orderId: string; acceptedAt: Date }): Order {
  const { currency, pricesIncludeTax } = request;
  const lines: OrderLine[] = request.lines.map((line, index) => {
    const discount = line.discount ?? zero(currency);
    const tax = line.tax ?? zero(currency);
    return {
      lineId: line.lineId ?? String(index + 1),
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discount,
      tax,
      taxCode: line.taxCode,
      total: lineTotal({ unitPrice: line.unitPrice, quantity: line.quantity, discount, tax }, pricesIncludeTax),
    };
  });
  const shipping = request.shipping ?? zero(currency);
  const orderDiscount = request.orderDiscount ?? zero(currency);
  const linesTotal = sum(lines.map((line) => line.total), currency);
  const totals: OrderTotals = {
    linesTotal,
    shipping,
    orderDiscount,
    tax: sum(lines.map((line) => line.tax), currency),
    grandTotal: subtract(add(linesTotal, shipping), orderDiscount),
  };
  const fulfilment = request.fulfilment;
  const billingAddress = request.billingAddress ?? request.shippingAddress;
  if (!billingAddress) throw new Error('an order needs a billing or a shipping address'); // the request schema refuses it first
  return {
    orderId: ids.orderId,
    channelOrderRef: request.channelOrderRef,
    channel: request.channel,
    brand: request.brand,
    companyId: request.companyId,
    currency,
    customer: request.customer,
    billingAddress,
    shippingAddress: request.shippingAddress,
    lines,
    totals,
    pricesIncludeTax,
    fulfilment: {
      mode: fulfilment?.mode ?? 'DELIVERY',
      pickupLocationId: fulfilment?.pickupLocationId ?? null,
      allowedLocationTypes: fulfilment?.allowedLocationTypes ?? DEFAULT_LOCATION_TYPES,
      allowSplitShipment: fulfilment?.allowSplitShipment ?? false,
      shippingMethod: fulfilment?.shippingMethod ?? null,
      promisedBy: fulfilment?.promisedBy ? new Date(fulfilment.promisedBy) : null,
    },
    paymentReference: request.paymentReference,
    notes: request.notes,
    placedAt: request.placedAt ? new Date(request.placedAt) : ids.acceptedAt,
    acceptedAt: ids.acceptedAt,
  };
}
