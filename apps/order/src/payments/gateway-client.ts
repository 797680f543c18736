/**
 * HTTP client of a Stripe-like payment gateway (retail-sim's, Stripe's shapes): payment intents
 * authorised for manual capture, captured, cancelled, and found again by order. Every write carries an
 * idempotency key. A call that times out, fails in transit or answers 5xx has an unknown outcome:
 * it throws `GatewayOutcomeUnknown`, and the caller asks the gateway before deciding anything.
 */

export interface GatewayIntent {
  id: string;
  status: 'requires_capture' | 'succeeded' | 'canceled' | string;
  amount: number;
  amount_received: number;
  currency: string;
  metadata: Record<string, string>;
}

/** A pay-by-link checkout session (Stripe's Checkout Session, mode payment, manual capture). */
export interface GatewaySession {
  id: string;
  status: 'open' | 'complete' | 'expired' | string;
  url: string;
  /** Unix seconds. */
  expires_at: number;
  payment_intent: string | null;
  metadata: Record<string, string>;
}

/** A refund of captured money (Stripe's Refund object). */
export interface GatewayRefund {
  id: string;
  amount: number;
  currency?: string;
  payment_intent: string;
  status: 'succeeded' | 'pending' | 'failed' | string;
  metadata?: Record<string, string>;
}

export type Authorisation = { outcome: 'authorised'; intent: GatewayIntent } | { outcome: 'declined'; declineCode: string | null; message: string };

export class GatewayOutcomeUnknown extends Error {
  override name = 'GatewayOutcomeUnknown';
}

/** A 4xx the gateway gave for a request it will never accept as is (a bug or a state conflict). */
export class GatewayRefused extends Error {
  override name = 'GatewayRefused';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export interface GatewayClientOptions {
  url: string;
  apiKey: string;
  timeoutMs: number;
}

export class PaymentGatewayClient {
  constructor(private readonly options: GatewayClientOptions) {}

  /** Authorises for manual capture; the metadata ties the intent to the order and our payment id. */
  async authorise(idempotencyKey: string, request: { amountMinor: number; currency: string; paymentMethod: string | null; orderId: string; paymentId: string }): Promise<Authorisation> {
    const answer = await this.call('POST', '/v1/payment_intents', idempotencyKey, {
      amount: request.amountMinor,
      currency: request.currency.toLowerCase(),
      capture_method: 'manual',
      ...(request.paymentMethod ? { payment_method: request.paymentMethod } : {}),
      metadata: { order_id: request.orderId, payment_id: request.paymentId },
    });
    if (answer.status === 402) {
      const error = (answer.body as { error?: { decline_code?: string; message?: string } }).error;
      return { outcome: 'declined', declineCode: error?.decline_code ?? null, message: error?.message ?? 'declined' };
    }
    return { outcome: 'authorised', intent: this.intentOf(answer) };
  }

  /**
   * Opens a payment link for the amount; the intent the customer's payment makes carries the same
   * metadata (order id, payment id), so it is found like any authorisation. Authorised for manual capture.
   */
  async openCheckoutSession(
    idempotencyKey: string,
    request: { amountMinor: number; currency: string; orderId: string; paymentId: string; expiresAt: Date },
  ): Promise<GatewaySession> {
    return this.ok<GatewaySession>(
      await this.call('POST', '/v1/checkout/sessions', idempotencyKey, {
        mode: 'payment',
        amount: request.amountMinor,
        currency: request.currency.toLowerCase(),
        expires_at: Math.floor(request.expiresAt.getTime() / 1000),
        metadata: { order_id: request.orderId, payment_id: request.paymentId },
        payment_intent_data: { capture_method: 'manual' },
      }),
    );
  }

  async retrieveCheckoutSession(sessionId: string): Promise<GatewaySession> {
    return this.ok<GatewaySession>(await this.call('GET', `/v1/checkout/sessions/${encodeURIComponent(sessionId)}`));
  }

  /** Closes an open link so nobody can pay it any more. */
  async expireCheckoutSession(sessionId: string, idempotencyKey: string): Promise<GatewaySession> {
    return this.ok<GatewaySession>(await this.call('POST', `/v1/checkout/sessions/${encodeURIComponent(sessionId)}/expire`, idempotencyKey, {}));
  }

  async cancel(intentId: string, idempotencyKey: string): Promise<GatewayIntent> {
    return this.intentOf(await this.call('POST', `/v1/payment_intents/${encodeURIComponent(intentId)}/cancel`, idempotencyKey, {}));
  }

  /** Captures part of the authorisation (Stripe's multicapture: `final_capture: false` keeps the rest capturable) or, finally, the rest. */
  async capture(intentId: string, idempotencyKey: string, amountMinor: number, finalCapture = true): Promise<GatewayIntent> {
    return this.intentOf(
      await this.call('POST', `/v1/payment_intents/${encodeURIComponent(intentId)}/capture`, idempotencyKey, { amount_to_capture: amountMinor, final_capture: finalCapture }),
    );
  }

  /**
   * Pays back part of what was captured. The metadata ties the refund to our refund id, so its webhook
   * is recognised as the same refund. A 4xx (more than is refundable, nothing captured, no such intent)
   * throws GatewayRefused: a definite no.
   */
  async refund(idempotencyKey: string, request: { intentId: string; amountMinor: number; metadata: Record<string, string> }): Promise<GatewayRefund> {
    return this.ok<GatewayRefund>(await this.call('POST', '/v1/refunds', idempotencyKey, { payment_intent: request.intentId, amount: request.amountMinor, metadata: request.metadata }));
  }

  async retrieve(intentId: string): Promise<GatewayIntent> {
    return this.intentOf(await this.call('GET', `/v1/payment_intents/${encodeURIComponent(intentId)}`));
  }

  /** The status query: the intent our payment id made for the order, or null when the gateway has none. */
  async find(orderId: string, paymentId: string): Promise<GatewayIntent | null> {
    const answer = await this.call('GET', `/v1/payment_intents?order_id=${encodeURIComponent(orderId)}`);
    const intents = (answer.body as { data?: GatewayIntent[] }).data ?? [];
    return intents.find((intent) => intent.metadata?.payment_id === paymentId) ?? null;
  }

  private intentOf(answer: { status: number; body: unknown }): GatewayIntent {
    return this.ok<GatewayIntent>(answer);
  }

  private ok<T>(answer: { status: number; body: unknown }): T {
    if (answer.status !== 200) {
      const error = (answer.body as { error?: { message?: string; code?: string } }).error;
      throw new GatewayRefused(`gateway answered ${answer.status}: ${error?.message ?? 'no message'}`, answer.status, error?.code ?? null);
    }
    return answer.body as T;
  }

  private async call(method: 'GET' | 'POST', path: string, idempotencyKey?: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${this.options.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new GatewayOutcomeUnknown(`${method} ${path}: no answer (${(error as Error).name}: ${(error as Error).message})`);
    }
    if (response.status >= 500 || response.status === 429 || response.status === 409) {
      throw new GatewayOutcomeUnknown(`${method} ${path}: gateway answered ${response.status}`);
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (error) {
      throw new GatewayOutcomeUnknown(`${method} ${path}: unreadable answer (${(error as Error).message})`);
    }
    return { status: response.status, body: parsed };
  }
}
