import type { PaymentFact } from '../payments/payment-facts';
import type { RefundFact } from '../payments/refund-facts';

/**
 * A gateway's webhook event (Stripe's shape, as retail-sim sends it) as a payment fact. The intent's
 * metadata carries our order id and payment id (the connector sets them when it authorises). Pure.
 */
export interface GatewayWebhookEvent {
  id?: string;
  type?: string;
  created?: number;
  data?: {
    object?: {
      id?: string | null;
      object?: string;
      status?: string;
      /** A refund's intent (Stripe's Refund object). */
      payment_intent?: string | null;
      amount?: number;
      amount_received?: number;
      currency?: string;
      metadata?: Record<string, string>;
      last_payment_error?: { decline_code?: string; message?: string } | null;
    };
  };
}

const STATUS_OF_TYPE: Record<string, PaymentFact['status']> = {
  'payment_intent.amount_capturable_updated': 'authorised',
  'payment_intent.payment_failed': 'declined',
  'payment_intent.succeeded': 'captured',
  'payment_intent.canceled': 'voided',
};

/** Stripe's refund events: a refund made (card refunds succeed at once) or settled later. */
const REFUND_TYPES = ['refund.created', 'refund.updated'];

export type WebhookMeaning = { kind: 'fact'; fact: PaymentFact } | { kind: 'refund'; fact: RefundFact } | { kind: 'ignored'; why: string } | { kind: 'unmatched'; orderId: string | null; why: string };

export function meaningOf(gateway: string, event: GatewayWebhookEvent, receivedAt: Date): WebhookMeaning {
  if (event.type && REFUND_TYPES.includes(event.type)) return refundMeaning(gateway, event, receivedAt);
  const status = event.type ? STATUS_OF_TYPE[event.type] : undefined;
  if (!status) return { kind: 'ignored', why: `event type ${event.type ?? '(none)'} says nothing the saga waits for` };
  const intent = event.data?.object;
  const orderId = intent?.metadata?.order_id ?? null;
  const paymentId = intent?.metadata?.payment_id;
  if (!intent || !orderId || !paymentId || !UUID.test(orderId) || !UUID.test(paymentId)) return { kind: 'unmatched', orderId, why: 'no order id and payment id of ours in the intent metadata' };
  const amountMinor = status === 'captured' ? (intent.amount_received ?? 0) : (intent.amount ?? 0);
  return {
    kind: 'fact',
    fact: {
      paymentId,
      orderId,
      gateway,
      gatewayReference: intent.id ?? null,
      status,
      amount: { amountMinor, currency: (intent.currency ?? 'XXX').toUpperCase() },
      declineCode: intent.last_payment_error?.decline_code ?? null,
      reason: intent.last_payment_error?.message ?? null,
      at: event.created ? new Date(event.created * 1000) : receivedAt,
    },
  };
}

/**
 * A refund's webhook as the refund fact: the connector puts our order, payment and refund ids (and
 * the reason, and the return) in the refund's metadata, so the webhook and the API answer are one
 * refund. Only a succeeded or failed refund says something; a pending one waits for its update.
 */
function refundMeaning(gateway: string, event: GatewayWebhookEvent, receivedAt: Date): WebhookMeaning {
  const refund = event.data?.object;
  const metadata = refund?.metadata ?? {};
  const orderId = metadata.order_id ?? null;
  if (!refund || !orderId || !metadata.refund_id || !UUID.test(orderId)) return { kind: 'unmatched', orderId, why: 'no order id and refund id of ours in the refund metadata' };
  if (refund.status !== 'succeeded' && refund.status !== 'failed') return { kind: 'ignored', why: `refund ${refund.id} is ${refund.status ?? 'of no status'}` };
  return {
    kind: 'refund',
    fact: {
      refundId: metadata.refund_id,
      orderId,
      paymentId: metadata.payment_id && UUID.test(metadata.payment_id) ? metadata.payment_id : null,
      returnId: metadata.return_id ?? null,
      gateway,
      gatewayReference: refund.id ?? null,
      outcome: refund.status === 'succeeded' ? 'issued' : 'failed',
      amount: { amountMinor: refund.amount ?? 0, currency: (refund.currency ?? 'XXX').toUpperCase() },
      reason: refund.status === 'succeeded' ? (metadata.reason ?? 'refunded') : `the gateway failed refund ${refund.id}`,
      at: event.created ? new Date(event.created * 1000) : receivedAt,
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
