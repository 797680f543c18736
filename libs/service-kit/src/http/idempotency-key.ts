import { createHash } from 'node:crypto';

/**
 * The Idempotency-Key of a write request: a client retries after a timeout or a lost answer under
 * the same key and gets the first answer again; the same key with another body is a client bug (409).
 * A key belongs to its caller (the token's subject): two callers may pick the same key. Each service
 * stores its keys with its own rows; what is shared is the key's shape and the body's fingerprint.
 */

const KEY = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyKeyCheck = { ok: true; key: string } | { ok: false; message: string };

/** 1-255 visible ASCII characters (a UUID is typical), sent once. */
export function checkIdempotencyKey(header: string | string[] | undefined): IdempotencyKeyCheck {
  if (Array.isArray(header)) return { ok: false, message: 'send one Idempotency-Key header, not several' };
  if (header === undefined || header.trim() === '') {
    return { ok: false, message: 'the Idempotency-Key header is required (a unique value per request, e.g. a UUID; reuse it when you retry)' };
  }
  const key = header.trim();
  if (!KEY.test(key)) return { ok: false, message: 'the Idempotency-Key header must be 1-255 visible ASCII characters' };
  return { ok: true, key };
}

/**
 * What identifies a request body: a SHA-256 of its parsed, normalised form with object keys in a
 * fixed order, so re-sending the same request with keys reordered (or a number written as "2.000",
 * once the schema has normalised it) still counts as the same request.
 */
export function requestFingerprint(parsedRequest: unknown): string {
  return createHash('sha256').update(canonicalJson(parsedRequest)).digest('hex');
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
