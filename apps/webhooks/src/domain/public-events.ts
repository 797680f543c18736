import {
  AvailabilityChanged,
  Money,
  OrderCancelled,
  OrderCompleted,
  OrderConfirmed,
  OrderPlaced,
  Quantity,
  ReturnAuthorized,
  ReturnReceived,
  ReturnRefunded,
  ReturnRejected,
  ReturnRequested,
  ShipmentDispatched,
} from '@omnibus/contracts';

/**
 * The public webhook payloads, version 1: what partners build against, so they change only by a new
 * version. One pure mapping per canonical event type. Deliberately thin: no customer name, e-mail,
 * phone or address (a partner's scope does not cover personal data; it can look the order up with
 * its own access), money as minor units with the currency, quantities as decimal strings (never
 * floats), times as ISO 8601. Documented in apps/webhooks/README.md.
 */
export const PUBLIC_EVENT_VERSION = 1;

export const PUBLIC_EVENT_TYPES = [
  'order.placed',
  'order.confirmed',
  'order.cancelled',
  'order.completed',
  'order.shipped',
  'inventory.availability_changed',
  'return.requested',
  'return.authorized',
  'return.rejected',
  'return.received',
  'return.refunded',
] as const;

export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];

/** What `POST /subscriptions/:id/test` sends: not subscribable, always delivered to the one subscription. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** A test delivery for a subscription, in a lane of its own so it never waits behind business events. */
export function testEvent(subscriptionId: string, now: Date): PublicEvent {
  return { type: TEST_EVENT_TYPE, aggregate: { kind: 'subscription', id: subscriptionId }, occurredAt: now, channelId: null, data: { subscriptionId, message: 'a test delivery from Omnibus' } };
}

/** A canonical event as partners see it; the envelope (id, sequence, previous id) is added per subscription. */
export interface PublicEvent {
  type: PublicEventType | typeof TEST_EVENT_TYPE;
  /** The delivery lane: one order's (or one SKU's, one return's) events go out in order. */
  aggregate: { kind: 'order' | 'sku' | 'return' | 'subscription'; id: string };
  occurredAt: Date;
  /** The sales channel the event belongs to, when it says; subscriptions filtered by channel match on it. */
  channelId: string | null;
  data: Record<string, unknown>;
}

/** What the receiver gets as the request body. */
export interface WebhookBody {
  id: string;
  type: PublicEvent['type'];
  version: number;
  occurredAt: string;
  /** 1, 2, 3… per subscription and aggregate: a gap means a delivery the receiver has not had. */
  sequence: number;
  /** The webhook id of the previous delivery of the same aggregate to this subscription; null for the first. */
  previousId: string | null;
  aggregate: { kind: string; id: string };
  data: Record<string, unknown>;
}

/** The body as the exact bytes to sign and send (kept as such, so a retry or a replay sends the same bytes). */
export function webhookBodyOf(event: PublicEvent, envelope: { id: string; sequence: number; previousId: string | null }): string {
  const body: WebhookBody = {
    id: envelope.id,
    type: event.type,
    version: PUBLIC_EVENT_VERSION,
    occurredAt: event.occurredAt.toISOString(),
    sequence: envelope.sequence,
    previousId: envelope.previousId,
    aggregate: event.aggregate,
    data: event.data,
  };
  return JSON.stringify(body);
}

/** The public event of a canonical one, or null for an event type partners are not told about. */
export function publicEventOf(eventType: string, payload: unknown): PublicEvent | null {
  const map = MAPPINGS[eventType];
  return map ? map(payload as never) : null;
}

/** Canonical event types the service maps (what its consumer subscribes to). */
export function mappedEventTypes(): string[] {
  return Object.keys(MAPPINGS);
}

type Mapping<T> = (event: T) => PublicEvent;

/** An order's event in the order's lane. */
const ofOrder = (type: PublicEventType, event: { orderId: string; occurredAt: Date }, data: Record<string, unknown>, channelId: string | null = null): PublicEvent => ({
  type,
  aggregate: { kind: 'order', id: event.orderId },
  occurredAt: event.occurredAt,
  channelId,
  data: { orderId: event.orderId, ...data },
});

/** A return's event in the return's lane, always naming the return and its order. */
const ofReturn = (type: PublicEventType, event: { returnId: string; orderId: string; occurredAt: Date }, data: Record<string, unknown>, channelId: string | null = null): PublicEvent => ({
  type,
  aggregate: { kind: 'return', id: event.returnId },
  occurredAt: event.occurredAt,
  channelId,
  data: { returnId: event.returnId, orderId: event.orderId, ...data },
});

const lineQuantity = (line: { lineId: string; sku: string; quantity: Quantity }) => ({ lineId: line.lineId, sku: line.sku, quantity: decimal(line.quantity) });
const channelOf = (channel: { channelId: string; kind: string }) => ({ id: channel.channelId, kind: channel.kind });

const MAPPINGS: Record<string, Mapping<any>> = {
  [OrderPlaced.type]: ((event: OrderPlaced) =>
    ofOrder(
      'order.placed',
      event,
      {
        channelOrderRef: event.channelOrderRef,
        channel: channelOf(event.channel),
        brand: event.brand,
        lines: event.lines.map((line) => ({ ...lineQuantity(line), name: line.name, unitPrice: money(line.unitPrice), discount: money(line.discount), tax: money(line.tax) })),
        totals: { lines: money(event.totals.linesTotal), shipping: money(event.totals.shipping), discount: money(event.totals.orderDiscount), tax: money(event.totals.tax), grandTotal: money(event.totals.grandTotal) },
        pricesIncludeTax: event.pricesIncludeTax,
        placedAt: event.placedAt.toISOString(),
      },
      event.channel.channelId,
    )) satisfies Mapping<OrderPlaced>,
  [OrderConfirmed.type]: ((event: OrderConfirmed) =>
    ofOrder('order.confirmed', event, { channelOrderRef: event.channelOrderRef, channel: channelOf(event.channel), grandTotal: money(event.grandTotal) }, event.channel.channelId)) satisfies Mapping<OrderConfirmed>,
  // The operator's id in cancelledBy is internal: partners learn only who in kind.
  [OrderCancelled.type]: ((event: OrderCancelled) =>
    ofOrder('order.cancelled', event, {
      reason: event.reason,
      cancelledBy: event.cancelledBy === 'customer' || event.cancelledBy === 'saga' ? event.cancelledBy : event.cancelledBy ? 'operator' : null,
    })) satisfies Mapping<OrderCancelled>,
  [OrderCompleted.type]: ((event: OrderCompleted) => ofOrder('order.completed', event, { capturedTotal: money(event.capturedTotal), shipmentCount: event.shipmentCount })) satisfies Mapping<OrderCompleted>,
  [ShipmentDispatched.type]: ((event: ShipmentDispatched) =>
    ofOrder('order.shipped', event, {
      shipmentId: event.shipmentId,
      carrier: event.carrier,
      trackingNumber: event.trackingNumber,
      trackingUrl: event.trackingUrl,
      finalShipment: event.finalShipment,
      lines: event.lines.map(lineQuantity),
    })) satisfies Mapping<ShipmentDispatched>,
  [AvailabilityChanged.type]: ((event: AvailabilityChanged) => ({
    type: 'inventory.availability_changed',
    aggregate: { kind: 'sku', id: event.sku },
    occurredAt: event.occurredAt,
    channelId: null,
    data: {
      sku: event.sku,
      totalAvailable: decimal(event.totalAvailable),
      channels: event.channels.map((channel) => ({ channelId: channel.channelId, availableToPromise: decimal(channel.availableToPromise) })),
      oldestObservationAt: event.oldestObservationAt.toISOString(),
    },
  })) satisfies Mapping<AvailabilityChanged>,
  [ReturnRequested.type]: ((event: ReturnRequested) =>
    ofReturn(
      'return.requested',
      event,
      { channel: channelOf(event.channel), lines: event.lines.map((line) => ({ ...lineQuantity(line), reason: line.reason })), storeLocationId: event.storeLocationId },
      event.channel.channelId,
    )) satisfies Mapping<ReturnRequested>,
  [ReturnAuthorized.type]: ((event: ReturnAuthorized) =>
    ofReturn('return.authorized', event, {
      rmaNumber: event.rmaNumber,
      lines: event.lines.map((line) => ({ ...lineQuantity(line), refundAmount: money(line.refundAmount) })),
      returnBy: event.returnBy.toISOString(),
      returnLabelUrl: event.returnLabelUrl,
    })) satisfies Mapping<ReturnAuthorized>,
  [ReturnRejected.type]: ((event: ReturnRejected) => ofReturn('return.rejected', event, { rule: event.rule, reason: event.reason })) satisfies Mapping<ReturnRejected>,
  [ReturnReceived.type]: ((event: ReturnReceived) => ofReturn('return.received', event, { locationId: event.location.locationId, lines: event.lines.map(lineQuantity) })) satisfies Mapping<ReturnReceived>,
  [ReturnRefunded.type]: ((event: ReturnRefunded) =>
    ofReturn('return.refunded', event, {
      refundId: event.refundId,
      lines: event.lines.map((line) => ({ ...lineQuantity(line), amount: money(line.amount) })),
      shippingRefund: money(event.shippingRefund),
      total: money(event.total),
    })) satisfies Mapping<ReturnRefunded>,
};

function money(value: Money): { amountMinor: number; currency: string } {
  return { amountMinor: value.amountMinor, currency: value.currency };
}

/** Thousandths as a decimal string without float arithmetic: 1500 → "1.5", 2000 → "2", -250 → "-0.25". */
export function decimal(quantity: Quantity): string {
  const milli = Math.trunc(quantity.milli);
  const sign = milli < 0 ? '-' : '';
  const digits = String(Math.abs(milli)).padStart(4, '0');
  const whole = digits.slice(0, -3);
  const fraction = digits.slice(-3).replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}
