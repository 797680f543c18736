import type { ChannelKind } from '@omnibus/contracts';
import { setting } from '@omnibus/service-kit';
import { z } from 'zod';
import { DEFAULT_PAYMENT_POLICIES, PAYMENT_POLICIES, PaymentPolicy } from '../domain/saga/payment-policy';

/** The sim's dev key (apps/retail-sim DEV_GATEWAY_KEY): a test key of a simulator, not a secret. */
const DEV_GATEWAY_KEY = 'sk_test_omnibus_dev';

const policies = z
  .string()
  .default(DEFAULT_PAYMENT_POLICIES)
  .describe(`channel kind to payment policy (${PAYMENT_POLICIES.join(', ')}), e.g. "WEB=authorise_then_capture,MARKETPLACE=prepaid"`)
  .transform((text, context) => {
    const entries = text.split(',').map((pair) => pair.trim().split('='));
    if (entries.some((entry) => entry.length !== 2 || !/^[A-Z_]+$/.test(entry[0]) || !(PAYMENT_POLICIES as readonly string[]).includes(entry[1]))) {
      context.addIssue({ code: 'custom', message: `not a list of CHANNEL_KIND=policy pairs with policies ${PAYMENT_POLICIES.join(', ')}` });
      return z.NEVER;
    }
    return Object.fromEntries(entries) as Partial<Record<ChannelKind, PaymentPolicy>>;
  });

/**
 * Webhook signing secrets per gateway, as JSON: `{"retail-sim": ["whsec_…", "whsec_…(previous)"]}`.
 * Several per gateway while a secret is rotated. None by default: every webhook is refused (401) until
 * the operator configures the gateway's secret; never in the repository.
 */
export const webhookSecrets = z
  .string()
  .default('{}')
  .describe('JSON object: gateway name → list of Standard Webhooks secrets ("whsec_<base64>"), newest first')
  .transform((text, context) => {
    try {
      const parsed = JSON.parse(text) as unknown;
      const valid =
        parsed !== null &&
        typeof parsed === 'object' &&
        !Array.isArray(parsed) &&
        Object.values(parsed).every((list) => Array.isArray(list) && list.every((secret) => typeof secret === 'string' && /^whsec_[A-Za-z0-9+/=]+$/.test(secret)));
      if (valid) return parsed as Record<string, string[]>;
    } catch {
      // reported below
    }
    context.addIssue({ code: 'custom', message: 'not a JSON object of gateway → ["whsec_<base64>", …]' });
    return z.NEVER;
  });

/** The order service's payment settings (spread into its config schema). */
export const paymentConfig = {
  ORDER_PAYMENT_POLICIES: policies,
  ORDER_PAYMENT_GATEWAY: setting.text({ description: 'name of the payment gateway orders are authorised at (its webhooks arrive at /webhooks/payments/<name>)', default: 'retail-sim' }),
  ORDER_PAYMENT_GATEWAY_URL: setting.url({ description: 'base URL of the Stripe-like payment gateway API', default: 'http://127.0.0.1:3010', protocols: ['http:', 'https:'] }),
  ORDER_PAYMENT_GATEWAY_KEY: setting.text({ description: "the gateway's secret API key (the dev default is retail-sim's test key)", default: DEV_GATEWAY_KEY }),
  ORDER_PAYMENT_GATEWAY_TIMEOUT_MS: setting.integer({
    description: 'how long the connector waits for one gateway call before it treats the outcome as unknown and queries the gateway',
    default: 10_000,
    min: 50,
  }),
  ORDER_PAYMENT_GATEWAY_CONCURRENCY: setting.integer({
    description: 'how many authorisations of one delivery chunk the connector has in flight at the gateway at once',
    default: 16,
    min: 1,
  }),
  ORDER_PAYMENT_TIMEOUT_MS: setting.integer({
    description: 'how long the saga waits for the authorisation (then queries the gateway once, then gives up and voids whatever may exist)',
    default: 60_000,
    min: 100,
  }),
  ORDER_PAYMENT_LINK_TIMEOUT_MS: setting.integer({
    description: 'how long a payment link (policy pay_by_link) stays payable, at most 24 h (a checkout session lives no longer); the order is cancelled and the link expired when nobody paid by then',
    default: 24 * 3600_000,
    min: 1_000,
    max: 24 * 3600_000,
  }),
  ORDER_PAYMENT_WEBHOOK_SECRETS: webhookSecrets,
};
