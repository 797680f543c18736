import { createHash } from 'node:crypto';

/**
 * Channels retry `POST /orders` after timeouts and lost answers; the Idempotency-Key makes a retry
 * safe. A key belongs to its caller (the token's subject): two channels may pick the same key.
 */

const KEY = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyKeyCheck = { ok: true; key: string } | { ok: false; message: string };

/** 1-255 visible ASCII characters (a UUID is typical). */
export function checkIdempotencyKey(header: string | string[] | undefined): IdempotencyKeyCheck {
  if (Array.isArray(header)) return { ok: false, message: 'send one Idempotency-Key header, not several' };
  if (header === undefined || header.trim() === '') {
    return { ok: false, message: 'the Idempotency-Key header is required (a unique value per order, e.g. a UUID; reuse it when you retry)' };
  }
  const key = header.trim();
  if (!KEY.test(key)) return { ok: false, message: 'the Idempotency-Key header must be 1-255 visible ASCII characters' };
  return { ok: true, key };
}

/**
 * What identifies a request body: a SHA-256 of its parsed, normalised form with object keys in a
 * fixed order, so re-sending the same order with keys reordered or "2" written as "2.000" still
 * counts as the same request.
 */
export function requestFingerprint(parsedRequest: unknown): string {
  return createHash('sha256').update(canonicalJson(parsedRequest)).digest('hex');
}

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

/** JSON with object keys sorted at every level; undefined members dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
    .map((name) => `${JSON.stringify(name)}:${canonicalJson((value as Record<string, unknown>)[name])}`);
  return `{${entries.join(',')}}`;
}
