import type { PaymentFact } from '../payments/payment-facts';

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
      status?: string;
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

export type WebhookMeaning = { kind: 'fact'; fact: PaymentFact } | { kind: 'ignored'; why: string } | { kind: 'unmatched'; orderId: string | null; why: string };

export function meaningOf(gateway: string, event: GatewayWebhookEvent, receivedAt: Date): WebhookMeaning {
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
