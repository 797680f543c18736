/**
 * Channels retry `POST /orders` after timeouts and lost answers; the Idempotency-Key (its shape and
 * the body's fingerprint come from the service kit) makes a retry safe.
 */
export { checkIdempotencyKey, requestFingerprint } from '@omnibus/service-kit';

export interface StoredIdempotentRequest {
  fingerprint: string;
  orderId: string;
}

export type RetryDecision =
  | { outcome: 'replay' }
  | { outcome: 'conflict'; message: string };

/** A key seen before: the same body gets the first answer again; a different body is a client bug. */
export function decideRetry(key: string, stored: StoredIdempotentRequest, fingerprint: string): RetryDecision {
  if (stored.fingerprint === fingerprint) return { outcome: 'replay' };
  return {
    outcome: 'conflict',
    message: `Idempotency-Key "${key}" was already used for order ${stored.orderId} with a different request body; use a new key for a new order`,
  };
}
