import { createHash, randomBytes } from 'node:crypto';
import { error, IdempotencyKeys, SimAnswer } from '../idempotency';

/**
 * A Stripe-like payment gateway in memory, for running the order saga end to end without a real one:
 * payment intents authorised with manual capture, then captured (in one or several parts, Stripe's
 * multicapture, up to the authorised amount), cancelled (voided) or refunded (up to what was captured). Every write takes an idempotency key: the
 * same key with the same request gets the first answer again (even an error), the same key with another
 * request is refused — Stripe's rules. Pure apart from its clock and its id counter.
 */

export type IntentStatus = 'requires_capture' | 'succeeded' | 'canceled';

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  amount_refunded: number;
  currency: string;
  status: IntentStatus;
  payment_method: string;
  metadata: Record<string, string>;
  created: number;
  /** The capture this answer is about (not Stripe's: Stripe has a Charge per intent; the sim's own field), null before the first. */
  latest_capture: Capture | null;
}

export interface Capture {
  id: string;
  amount: number;
  /** True when this capture ended the intent (the rest of the authorisation released). */
  final: boolean;
}

/** Stripe's Refund object, as the sim makes it. */
export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  status: 'succeeded';
  metadata: Record<string, string>;
  created: number;
}

export type GatewayAnswer = SimAnswer;

export interface GatewaySettings {
  /** Share of authorisations declined at random (0..1), decided from the idempotency key so a retry gets the same fate. */
  declineRate: number;
}

/** Test payment methods, as Stripe's test cards: these decline whatever the rate. */
export const DECLINING_METHODS: Record<string, string> = {
  pm_card_declined: 'card_declined',
  pm_card_insufficient_funds: 'insufficient_funds',
};

export class PaymentGateway {
  private readonly intents = new Map<string, PaymentIntent>();
  private readonly keys = new IdempotencyKeys();
  private sequence = 0;

  constructor(
    private readonly settings: GatewaySettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs a write under its idempotency key. */
  write(idempotencyKey: string | undefined, request: { method: string; path: string; body: unknown }, run: () => GatewayAnswer): GatewayAnswer {
    return this.keys.run(idempotencyKey, request, run);
  }

  authorise(idempotencyKey: string, body: { amount?: unknown; currency?: unknown; payment_method?: unknown; metadata?: unknown }): GatewayAnswer {
    const { amount, currency } = body;
    if (!Number.isInteger(amount) || (amount as number) < 1) return error(400, 'invalid_request_error', 'amount must be a positive integer in minor units', { param: 'amount' });
    if (typeof currency !== 'string' || !/^[a-z]{3}$/i.test(currency)) return error(400, 'invalid_request_error', 'currency must be an ISO 4217 code', { param: 'currency' });
    const method = typeof body.payment_method === 'string' ? body.payment_method : 'pm_card_visa';
    const metadata = stringMetadata(body.metadata);
    const declineCode = DECLINING_METHODS[method] ?? (fraction(idempotencyKey) < this.settings.declineRate ? 'generic_decline' : undefined);
    if (declineCode) return error(402, 'card_error', 'Your card was declined.', { code: 'card_declined', decline_code: declineCode });
    const intent: PaymentIntent = {
      id: `pi_sim_${(++this.sequence).toString().padStart(8, '0')}`,
      object: 'payment_intent',
      amount: amount as number,
      amount_capturable: amount as number,
      amount_received: 0,
      amount_refunded: 0,
      currency: currency.toLowerCase(),
      status: 'requires_capture',
      payment_method: method,
      metadata,
      created: Math.floor(this.now().getTime() / 1000),
      latest_capture: null,
    };
    this.intents.set(intent.id, intent);
    return { status: 200, body: copy(intent) };
  }

  /**
   * Captures part or all of what is still capturable. A final capture (the default) ends the intent
   * `succeeded` and releases the rest; `final_capture: false` leaves it `requires_capture` for more.
   */
  capture(id: string, body: { amount_to_capture?: unknown; final_capture?: unknown }): GatewayAnswer {
    const intent = this.intents.get(id);
    if (!intent) return missing(id);
    if (intent.status !== 'requires_capture') return unexpectedState(intent, 'capture');
    const amount = body.amount_to_capture ?? intent.amount_capturable;
    if (!Number.isInteger(amount) || (amount as number) < 1 || (amount as number) > intent.amount_capturable) {
      return error(400, 'invalid_request_error', `amount_to_capture must be between 1 and ${intent.amount_capturable}`, { param: 'amount_to_capture' });
    }
    const final = body.final_capture ?? true;
    if (typeof final !== 'boolean') return error(400, 'invalid_request_error', 'final_capture must be a boolean', { param: 'final_capture' });
    const left = intent.amount_capturable - (amount as number);
    Object.assign(intent, {
      status: final ? 'succeeded' : 'requires_capture',
      amount_received: intent.amount_received + (amount as number),
      amount_capturable: final ? 0 : left,
      latest_capture: { id: `cap_${randomBytes(12).toString('hex')}`, amount, final },
    });
    return { status: 200, body: copy(intent) };
  }

  /**
   * Voids what is not captured. After partial captures the intent ends `succeeded` (what was captured
   * stays captured, the rest is released), as Stripe's multicapture does; otherwise `canceled`.
   */
  cancel(id: string): GatewayAnswer {
    const intent = this.intents.get(id);
    if (!intent) return missing(id);
    if (intent.status !== 'requires_capture') return unexpectedState(intent, 'cancel');
    Object.assign(intent, { status: intent.amount_received > 0 ? 'succeeded' : 'canceled', amount_capturable: 0 });
    return { status: 200, body: copy(intent) };
  }

  /**
   * Refunds part or all of what was captured (Stripe's Refund object, card refunds succeed at once);
   * the caller's metadata is kept on the refund, so its `refund.created` webhook names what it refunds.
   */
  refund(body: { payment_intent?: unknown; amount?: unknown; metadata?: unknown }): GatewayAnswer {
    const intent = typeof body.payment_intent === 'string' ? this.intents.get(body.payment_intent) : undefined;
    if (!intent) return missing(String(body.payment_intent));
    // A partly captured intent (multicapture, still requires_capture) can be refunded what it received.
    if (intent.amount_received === 0) return unexpectedState(intent, 'refund');
    const refundable = intent.amount_received - intent.amount_refunded;
    const amount = body.amount ?? refundable;
    if (!Number.isInteger(amount) || (amount as number) < 1 || (amount as number) > refundable) {
      return error(400, 'invalid_request_error', `amount must be between 1 and ${refundable} (captured and not yet refunded)`, { param: 'amount', code: 'charge_already_refunded' });
    }
    intent.amount_refunded += amount as number;
    const refund: Refund = {
      id: `re_sim_${(++this.sequence).toString().padStart(8, '0')}`,
      object: 'refund',
      amount: amount as number,
      currency: intent.currency,
      payment_intent: intent.id,
      status: 'succeeded',
      metadata: stringMetadata(body.metadata),
      created: Math.floor(this.now().getTime() / 1000),
    };
    return { status: 200, body: refund };
  }

  /** The status query for an outcome the caller does not know (its request timed out). */
  retrieve(id: string): GatewayAnswer {
    const intent = this.intents.get(id);
    return intent ? { status: 200, body: copy(intent) } : missing(id);
  }

  /** Intents made for an order (metadata.order_id): how a caller that lost the answer finds its intent. */
  search(orderId: string): GatewayAnswer {
    const data = [...this.intents.values()].filter((intent) => intent.metadata.order_id === orderId).map(copy);
    return { status: 200, body: { object: 'search_result', data } };
  }
}

/** Stripe's metadata: string values only. */
export function stringMetadata(metadata: unknown): Record<string, string> {
  return metadata && typeof metadata === 'object' ? Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, String(value)])) : {};
}

function copy(intent: PaymentIntent): PaymentIntent {
  return { ...intent, metadata: { ...intent.metadata }, latest_capture: intent.latest_capture && { ...intent.latest_capture } };
}

function missing(id: string): GatewayAnswer {
  return error(404, 'invalid_request_error', `No such payment_intent: '${id}'`, { code: 'resource_missing' });
}

function unexpectedState(intent: PaymentIntent, action: string): GatewayAnswer {
  return error(400, 'invalid_request_error', `This PaymentIntent could not be ${action === 'capture' ? 'captured' : action === 'cancel' ? 'canceled' : 'refunded'} because it has a status of ${intent.status}.`, {
    code: 'payment_intent_unexpected_state',
  });
}

/** A number in [0, 1) fixed by the key: a retry under the same key is declined or not alike. */
function fraction(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}
