import { createHash } from 'node:crypto';

/** An HTTP-shaped answer of a simulated party: status and JSON body. */
export interface SimAnswer {
  status: number;
  body: unknown;
  /** True when the answer comes from the idempotency key (nothing done again). */
  replayed?: boolean;
}

export const error = (status: number, type: string, message: string, extra: Record<string, unknown> = {}): SimAnswer => ({ status, body: { error: { type, message, ...extra } } });

/**
 * Stripe's idempotency rules, shared by the gateway and the carrier: the same key with the same request
 * gets the first answer again (even an error), the same key with another request is refused, no key: 400.
 */
export class IdempotencyKeys {
  private readonly keys = new Map<string, { fingerprint: string; answer: SimAnswer }>();

  run(idempotencyKey: string | undefined, request: { method: string; path: string; body: unknown }, run: () => SimAnswer): SimAnswer {
    if (!idempotencyKey) return error(400, 'invalid_request_error', 'an Idempotency-Key header is required for every write');
    const fingerprint = createHash('sha256').update(`${request.method} ${request.path} ${JSON.stringify(request.body ?? null)}`).digest('hex');
    const seen = this.keys.get(idempotencyKey);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        return error(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`);
      }
      return { ...seen.answer, replayed: true };
    }
    const answer = run();
    this.keys.set(idempotencyKey, { fingerprint, answer });
    return answer;
  }
}

/** Whether the `count`-th occurrence (from 1) is one of every 1/rate-th, deterministic so a run repeats: rate 0.25 picks the 4th, 8th, … */
export function everyNth(count: number, rate: number): boolean {
  return rate > 0 && Math.floor(count * rate + 1e-9) > Math.floor((count - 1) * rate + 1e-9);
}
