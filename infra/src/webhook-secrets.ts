import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The signing secrets of retail-sim's webhooks to the order service (Standard Webhooks, `whsec_<base64>`):
 * the gateway's and the carrier's, separate as a real gateway's and carrier's would be.
 */
export interface WebhookSecrets {
  payments: string;
  carrier: string;
}

/** Variables that set them instead (docker-compose.yml needs them; locally they override the file). */
export const WEBHOOK_SECRET_ENV = { payments: 'OMNIBUS_PAYMENT_WEBHOOK_SECRET', carrier: 'OMNIBUS_CARRIER_WEBHOOK_SECRET' } as const;

export const webhookSecretsPath = (home: string) => path.join(home, 'webhook-secrets.json');

const WHSEC = /^whsec_[A-Za-z0-9+/=]+$/;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The platform home's dev secrets: made once with random bytes (a file only its owner reads, never in
 * the repository), the same on every later `up`, so a restarted app still agrees with the others.
 */
export function devWebhookSecrets(home: string, env: NodeJS.ProcessEnv = process.env): WebhookSecrets {
  const file = webhookSecretsPath(home);
  let stored: Partial<WebhookSecrets> = {};
  try {
    stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<WebhookSecrets>;
  } catch {
    // none yet (or unreadable): made below
  }
  const secrets: WebhookSecrets = {
    payments: WHSEC.test(stored.payments ?? '') ? stored.payments! : newWebhookSecret(),
    carrier: WHSEC.test(stored.carrier ?? '') ? stored.carrier! : newWebhookSecret(),
  };
  if (secrets.payments !== stored.payments || secrets.carrier !== stored.carrier) {
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600); // writeFileSync's mode applies only when it creates the file
  }
  for (const kind of ['payments', 'carrier'] as const) {
    const value = env[WEBHOOK_SECRET_ENV[kind]];
    if (value === undefined || value === '') continue;
    if (!WHSEC.test(value)) throw new Error(`${WEBHOOK_SECRET_ENV[kind]} must be a Standard Webhooks secret (whsec_<base64>)`);
    secrets[kind] = value;
  }
  return secrets;
}
