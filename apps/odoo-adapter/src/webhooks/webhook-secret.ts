import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Odoo's "Send Webhook Notification" action signs nothing and sends no auth header (reference §5.2):
 * the secret has to travel in the URL we configure there (`?secret=…`). A proxy in front may move it to
 * a header instead. Compared in constant time; hashing first makes lengths equal, so the comparison
 * leaks neither content nor length.
 */
export function webhookSecretMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** The secret from `?secret=`, `X-Odoo-Webhook-Secret` or `Authorization: Bearer …`, in that order. */
export function givenSecret(query: Record<string, unknown>, headers: Record<string, string | string[] | undefined>): string | undefined {
  const fromQuery = query.secret ?? query.token;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  const header = headers['x-odoo-webhook-secret'];
  if (typeof header === 'string' && header) return header;
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1];
  }
  return undefined;
}
