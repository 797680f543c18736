import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * An independent reading of the Standard Webhooks spec (standard-webhooks.md, "Verifying webhook
 * authenticity"), written for the tests from the spec and not from the production code, so the two
 * check each other: the signed content is `${webhook-id}.${webhook-timestamp}.${body}`, the key is the
 * base64-decoded part of the secret after `whsec_`, each signature in the space-delimited header is
 * `v1,` + base64(HMAC-SHA256), and a timestamp more than the tolerance away from now is refused.
 */
export type Verdict = 'valid' | 'stale' | 'bad-signature' | 'missing-headers';

export function verifyAsReceiver(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): Verdict {
  const id = single(headers['webhook-id']);
  const timestamp = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  if (!id || !timestamp || !signatures) return 'missing-headers';
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return 'stale';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), rawBody])).digest();
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const offered = Buffer.from(value, 'base64');
    if (offered.length === expected.length && timingSafeEqual(offered, expected)) return 'valid';
  }
  return 'bad-signature';
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
