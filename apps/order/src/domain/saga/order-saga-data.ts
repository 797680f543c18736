import type { Channel, LineQuantity, Money, OrderLine, OrderTotals, ReservedLine } from '@omnibus/contracts';
import type { PaymentPolicy } from './payment-policy';
import type { SagaSubstitution } from './substitutions';
import type { Order } from '../order';

/**
 * What the order saga keeps between steps, stored as JSON in `saga_instance.state` (no Dates: ISO
 * strings). The whole order stays in `orders.document`; this is only what the steps decide on and
 * what their compensations need.
 */
export interface OrderSagaData {
  orderId: string;
  companyId: string;
  channel: Channel;
  /** Region the order ships to, as inventory's sourcing knows regions. */
  region: string;
  lines: LineQuantity[];
  reservation: { reservationId: string; lines: ReservedLine[]; expiresAt: string } | null;
  rejection: { reason: string; shortLines: Array<{ lineId: string; sku: string; requestedMilli: number; availableMilli: number }> } | null;
  saleOrder: { id: number; name: string | null } | null;
  odooRefusal: { failure: string; message: string } | null;
  /** The reserved stock is committed for shipment (released to the warehouse). */
  committed: boolean;
  payment: SagaPayment;
  /** Each line's total (minor units, tax included as the order states it), for a shipment's share of the money. Absent in sagas older than shipments. */
  lineValues?: Record<string, number>;
  /**
   * Channels that ship what is there: the order's prices (to re-price what is kept) and the quantities
   * cancelled because stock was short. Absent for channels that cancel on short stock.
   */
  shortStock?: {
    rule: ShortStockRule;
    pricing: { lines: OrderLine[]; totals: OrderTotals; pricesIncludeTax: boolean; currency: string };
    cancelled: Array<{ lineId: string; sku: string; cancelledMilli: number }>;
  };
  /** The parcels that left, as the carriers reported them (absent in sagas older than shipments). */
  shipments?: SagaShipment[];
  /**
   * What was not shipped when the customer cancelled the rest: the quantities cancelled and which of
   * the undos are confirmed (the stock released, Odoo's open deliveries cancelled, the rest of the
   * authorisation voided; `voided` is true from the start when nothing is to be voided).
   */
  remainder?: {
    cancelled: Array<{ lineId: string; sku: string; cancelledMilli: number }>;
    released: boolean;
    odooCancelled: boolean;
    voided: boolean;
    /** What the captures took beyond the re-priced total, paid back through the gateway (absent: nothing to pay back). */
    refund?: SagaRefund | null;
    /** Prepaid channels: what the channel collected beyond the re-priced total; the channel pays it back, not our gateway. */
    refundDue?: { amountMinor: number; currency: string } | null;
  } | null;
  /** The customer invoice the saga asked Odoo for, once asked. */
  invoice?: { invoiceId: string; odooId: number | null; name: string | null } | null;
  /** The captured money is registered as paid on the Odoo invoice. */
  paymentRegistered?: boolean;
  /** Line substitutions proposed by a store or warehouse, oldest first (substitutions.ts). */
  substitutions?: SagaSubstitution[];
  /** A substitution declined or expired on the order's last line left nothing to sell: why (the runner cancels the order). */
  orderEmptied?: { reason: string; detail: string } | null;
}

/** A shipment as the saga follows it: what it carries, its Odoo delivery, its capture and where the parcel is. */
export interface SagaShipment {
  shipmentId: string;
  carrier: string;
  trackingNumber: string | null;
  fromLocationId: string;
  lines: Array<{ lineId: string; sku: string; milli: number }>;
  /** Nothing of the order is left to ship after this one. */
  final: boolean;
  /** The ValidateDelivery command sent for it, and whether the adapter confirmed it. */
  validationCommandId: string;
  validated: boolean;
  /** `none`: this shipment captures nothing (prepaid, or capture at the end); `pending` until the gateway confirms. */
  capture: 'none' | 'pending' | 'captured';
  captureMinor: number;
  status: 'dispatched' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception' | 'returned_to_sender';
  exception: string | null;
}

/** A refund the saga asked the gateway connector for (RefundPayment), and what became of it. */
export interface SagaRefund {
  refundId: string;
  amountMinor: number;
  state: 'pending' | 'issued' | 'failed';
}

/** The order's payment as the saga knows it (the gateway connector's table has the gateway's side). */
export interface SagaPayment {
  policy: PaymentPolicy;
  gateway: string;
  amount: Money;
  /** The channel's token of the means of payment (Order.paymentReference), passed to the gateway. */
  token: string | null;
  status: 'pending' | 'authorised' | 'partially_captured' | 'declined' | 'voided' | 'captured';
  /** Id and idempotency key of the authorisation (the AuthorisePayment command id), once answered. */
  paymentId: string | null;
  gatewayReference: string | null;
  declineCode: string | null;
  /** What the captures took so far (a capture per shipment adds up to the amount). */
  capturedMinor?: number;
  /** What the saga's own refunds paid back so far (a return's refunds are the returns service's). */
  refundedMinor?: number;
  /** The refund of what was captured when the order was cancelled after its capture (the payment step undone). */
  cancellationRefund?: SagaRefund | null;
  /** Policy pay_by_link only: how long the link stays payable (ORDER_PAYMENT_LINK_TIMEOUT_MS when the order was accepted). */
  linkTimeoutMs?: number;
  /** Policy pay_by_link only: the link sent to the customer, once the gateway opened it. */
  link?: { url: string; expiresAt: string } | null;
  /** Policy pay_by_link only: the customer's last declined try on the link (they may try another card). */
  lastDecline?: { declineCode: string | null; reason: string; at: string } | null;
}

/** What the channel's configuration decides for an order: how it pays, at which gateway, and what short stock means. */
export interface ChannelSettings {
  policyOf: (order: Order) => PaymentPolicy;
  gateway: string;
  /** Cancel the order when stock is short (the default), or ship what is there and cancel the rest. */
  shortStockRuleOf?: (order: Order) => ShortStockRule;
  /** How long a payment link stays payable (policy pay_by_link). */
  linkTimeoutMs?: number;
}

export type ShortStockRule = 'cancel' | 'ship_available';

const DAY_MS = 24 * 3600_000;

const AUTHORISE_EVERYTHING: ChannelSettings = { policyOf: () => 'authorise_then_capture', gateway: 'retail-sim' };

/** The saga's data of a new order; `regionOf` maps the ship-to country to an inventory region. */
export function orderSagaData(order: Order, regionOf: (countryCode: string) => string, payment: ChannelSettings = AUTHORISE_EVERYTHING): OrderSagaData {
  const policy = payment.policyOf(order);
  const address = order.shippingAddress ?? order.billingAddress;
  const shortStock = payment.shortStockRuleOf?.(order) ?? 'cancel';
  return {
    orderId: order.orderId,
    companyId: order.companyId,
    channel: order.channel,
    region: regionOf(address.countryCode),
    lines: order.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity })),
    reservation: null,
    rejection: null,
    saleOrder: null,
    odooRefusal: null,
    committed: false,
    lineValues: Object.fromEntries(order.lines.map((line) => [line.lineId, line.total.amountMinor])),
    shipments: [],
    ...(shortStock === 'ship_available' ? { shortStock: { rule: shortStock, pricing: { lines: order.lines, totals: order.totals, pricesIncludeTax: order.pricesIncludeTax, currency: order.currency }, cancelled: [] } } : {}),
    invoice: null,
    paymentRegistered: false,
    payment: {
      policy,
      gateway: payment.gateway,
      amount: order.totals.grandTotal,
      token: order.paymentReference ?? null,
      status: 'pending',
      paymentId: null,
      gatewayReference: null,
      declineCode: null,
      ...(policy === 'pay_by_link' ? { linkTimeoutMs: payment.linkTimeoutMs ?? DAY_MS, link: null, lastDecline: null } : {}),
    },
  };
}
