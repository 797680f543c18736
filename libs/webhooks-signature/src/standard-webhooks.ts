import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com) signatures: `webhook-signature` holds space-separated
 * `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the base64 part of
 * a `whsec_` secret; several signatures (and several secrets on our side) while a secret is rotated;
 * the timestamp (Unix seconds) within 5 minutes of now, so a captured webhook cannot be replayed later.
 * Written here with node:crypto rather than with the `standardwebhooks` package: we check against
 * several secrets (rotation) and count refusals by reason (missing headers, stale, bad signature),
 * which its single-secret verify-or-throw does not tell apart. One implementation for both directions:
 * the order service verifies inbound gateway and carrier webhooks with it, the webhooks service signs
 * what it delivers to partners. retail-sim signs with its own code, as an outside gateway would, so the
 * two are checked against each other in the journey test. The comparison is constant-time (timingSafeEqual).
 */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type WebhookVerification = { ok: true } | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' | 'no_secret' };

export function signWebhook(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  return `v1,${createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

/**
 * The `webhook-signature` header value for every secret that is valid now (during a rotation the new
 * and the old one), space-separated, so a receiver holding either secret verifies the delivery.
 */
export function signatureHeader(secrets: string[], id: string, timestamp: number, body: Buffer | string): string {
  return secrets.map((secret) => signWebhook(secret, id, timestamp, body)).join(' ');
}

/** A fresh `whsec_` secret: base64 of 32 random bytes (the spec allows 24 to 64). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function verifyWebhook(headers: WebhookHeaders, body: Buffer, secrets: string[], now: Date, toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS): WebhookVerification {
  if (!secrets.length) return { ok: false, reason: 'no_secret' };
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!Number.isFinite(seconds) || Math.abs(now.getTime() / 1000 - seconds) > toleranceSeconds) return { ok: false, reason: 'stale_timestamp' };
  const offered = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhook(secret, id, seconds, body).slice(3), 'base64');
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) return { ok: true };
  }
  return { ok: false, reason: 'bad_signature' };
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}
