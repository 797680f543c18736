import { randomBytes } from 'node:crypto';
import { error, SimAnswer } from '../idempotency';
import { PaymentGateway, stringMetadata } from './payment-gateway';

/**
 * Pay-by-link, as Stripe Checkout Sessions in mode `payment` with manual capture: the merchant opens a
 * session, the customer pays it on `/pay/:id` (an authorisation, captured later like any other), or it
 * expires — on `expire`, or at `expires_at`, noticed on the next touch as Stripe's sweep would.
 * Pure apart from the clock and the ids; webhooks to send are returned with each answer.
 */

export type SessionStatus = 'open' | 'complete' | 'expired';

export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: 'payment';
  status: SessionStatus;
  url: string;
  amount_total: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string | null;
  expires_at: number;
  created: number;
}

export interface GatewayEvent {
  type: string;
  object: unknown;
}

export interface SessionAnswer {
  answer: SimAnswer;
  events: GatewayEvent[];
}

const DAY = 24 * 60 * 60;

export class CheckoutSessions {
  private readonly sessions = new Map<string, CheckoutSession>();
  private payments = 0;

  constructor(
    private readonly gateway: PaymentGateway,
    /** Where the customer's page lives (the sim's own URL), for the session's `url`. */
    private readonly payUrl: () => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  create(body: { amount?: unknown; currency?: unknown; metadata?: unknown; expires_at?: unknown; payment_intent_data?: unknown }): SimAnswer {
    const { amount, currency } = body;
    if (!Number.isInteger(amount) || (amount as number) < 1) return invalid('amount must be a positive integer in minor units', 'amount');
    if (typeof currency !== 'string' || !/^[a-z]{3}$/i.test(currency)) return invalid('currency must be an ISO 4217 code', 'currency');
    const created = this.seconds();
    const expiresAt = body.expires_at ?? created + DAY;
    // Stripe: 30 minutes to 24 hours ahead; the sim lets tests pick a near deadline, so only "in the future".
    if (!Number.isInteger(expiresAt) || (expiresAt as number) <= created || (expiresAt as number) > created + DAY) return invalid('expires_at must be a unix time in the next 24 hours', 'expires_at');
    const capture = (body.payment_intent_data as { capture_method?: unknown } | undefined)?.capture_method;
    if (body.payment_intent_data !== undefined && (typeof body.payment_intent_data !== 'object' || (capture !== undefined && capture !== 'manual'))) {
      return invalid("payment_intent_data.capture_method: only 'manual' is simulated", 'payment_intent_data[capture_method]');
    }
    const id = `cs_${randomBytes(12).toString('hex')}`;
    const session: CheckoutSession = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      url: `${this.payUrl()}/pay/${id}`,
      amount_total: amount as number,
      currency: currency.toLowerCase(),
      metadata: stringMetadata(body.metadata),
      payment_intent: null,
      expires_at: expiresAt as number,
      created,
    };
    this.sessions.set(id, session);
    return { status: 200, body: { ...session, metadata: { ...session.metadata } } };
  }

  /** A session past its `expires_at` is expired by this look (and `checkout.session.expired` sent). */
  retrieve(id: string): SessionAnswer {
    const session = this.sessions.get(id);
    if (!session) return { answer: missing(id), events: [] };
    const events = this.expireIfDue(session);
    return { answer: ok(session), events };
  }

  expire(id: string): SessionAnswer {
    const session = this.sessions.get(id);
    if (!session) return { answer: missing(id), events: [] };
    const events = this.expireIfDue(session);
    if (events.length) return { answer: ok(session), events };
    if (session.status !== 'open') return { answer: error(400, 'invalid_request_error', `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`), events: [] };
    session.status = 'expired';
    return { answer: ok(session), events: [{ type: 'checkout.session.expired', object: copy(session) }] };
  }

  /**
   * The customer pays on the session's page: an authorisation for manual capture carrying the session's
   * metadata; the session completes. A declined card leaves it open for another try.
   */
  pay(id: string, body: { payment_method?: unknown }): SessionAnswer {
    const session = this.sessions.get(id);
    if (!session) return { answer: missing(id), events: [] };
    const expired = this.expireIfDue(session);
    if (session.status === 'expired') return { answer: error(410, 'invalid_request_error', 'This Checkout Session has expired.', { code: 'checkout_session_expired' }), events: expired };
    if (session.status === 'complete') return { answer: error(400, 'invalid_request_error', 'This Checkout Session is already complete.', { code: 'checkout_session_complete' }), events: [] };
    const method = body.payment_method ?? 'pm_card_visa';
    if (method !== 'pm_card_visa' && method !== 'pm_card_declined') return invalidWithEvents("payment_method must be 'pm_card_visa' or 'pm_card_declined'", 'payment_method');
    const authorisation = { amount: session.amount_total, currency: session.currency, payment_method: method, metadata: session.metadata };
    const answer = this.gateway.authorise(`${id}:pay:${++this.payments}`, authorisation);
    if (answer.status !== 200) {
      const lastError = (answer.body as { error: unknown }).error;
      const failed = { id: null, object: 'payment_intent', status: 'requires_payment_method', amount: session.amount_total, currency: session.currency, metadata: { ...session.metadata }, last_payment_error: lastError };
      return { answer, events: [{ type: 'payment_intent.payment_failed', object: failed }] };
    }
    session.status = 'complete';
    session.payment_intent = (answer.body as { id: string }).id;
    return {
      answer: ok(session),
      events: [
        { type: 'payment_intent.amount_capturable_updated', object: answer.body },
        { type: 'checkout.session.completed', object: copy(session) },
      ],
    };
  }

  private expireIfDue(session: CheckoutSession): GatewayEvent[] {
    if (session.status !== 'open' || this.seconds() < session.expires_at) return [];
    session.status = 'expired';
    return [{ type: 'checkout.session.expired', object: copy(session) }];
  }

  private seconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}

function copy(session: CheckoutSession): CheckoutSession {
  return { ...session, metadata: { ...session.metadata } };
}

function ok(session: CheckoutSession): SimAnswer {
  return { status: 200, body: copy(session) };
}

function invalid(message: string, param: string): SimAnswer {
  return error(400, 'invalid_request_error', message, { param });
}

function invalidWithEvents(message: string, param: string): SessionAnswer {
  return { answer: invalid(message, param), events: [] };
}

function missing(id: string): SimAnswer {
  return error(404, 'invalid_request_error', `No such checkout.session: '${id}'`, { code: 'resource_missing' });
}
