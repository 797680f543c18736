import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import { z } from 'zod';
import type { ChannelKind } from '@omnibus/contracts';
import type { ChannelSettings, ShortStockRule } from './domain/saga/order-saga-data';
import { replacementPaymentPolicy } from './domain/exchange-order';
import { paymentPolicyOf } from './domain/saga/payment-policy';
import { paymentConfig, webhookSecrets } from './payments/payment-config';

/** Ship-to country → inventory region; a country not listed is its lower-case code. */
const DEFAULT_REGIONS = 'US=us-west,CA=us-west,DE=eu-north,DK=eu-north,SE=eu-north,PL=eu-north,FR=eu-west,BE=eu-west,NL=eu-west,GB=eu-west,ES=eu-south,IT=eu-south,PT=eu-south';

const regions = z
  .string()
  .default(DEFAULT_REGIONS)
  .describe('ship-to country to inventory region, e.g. "US=us-west,DE=eu-north"')
  .transform((text, context) => {
    const entries = text.split(',').map((pair) => pair.trim().split('='));
    if (entries.some((entry) => entry.length !== 2 || !/^[A-Z]{2}$/.test(entry[0]) || !entry[1])) {
      context.addIssue({ code: 'custom', message: 'not a list of COUNTRY=region pairs, e.g. "US=us-west,DE=eu-north"' });
      return z.NEVER;
    }
    return Object.fromEntries(entries) as Record<string, string>;
  });

const shortStockRules = z
  .string()
  .default('')
  .describe('channel kind to what short stock means: cancel (the default) or ship_available, e.g. "MARKETPLACE=ship_available"')
  .transform((text, context) => {
    const entries = text
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => pair.split('='));
    if (entries.some((entry) => entry.length !== 2 || !/^[A-Z_]+$/.test(entry[0]) || !['cancel', 'ship_available'].includes(entry[1]))) {
      context.addIssue({ code: 'custom', message: 'not a list of CHANNEL_KIND=cancel|ship_available pairs' });
      return z.NEVER;
    }
    return Object.fromEntries(entries) as Partial<Record<ChannelKind, ShortStockRule>>;
  });

/** The common service settings with the operator-contract defaults of order, plus its own. */
export const orderConfigSchema = serviceConfigSchema('order').extend({
  ORDER_CONSUMER_SERVICE: setting.text({
    description: 'name of the saga-reply consumer (retail.reservations, odoo.results): its group and its <name>.retry / <name>.dlq topics',
    default: 'order',
  }),
  ORDER_CONSUMER_SESSION_TIMEOUT_MS: setting.integer({
    description: 'how long Kafka waits for a silent (crashed) consumer instance before giving its partitions to another',
    default: 30_000,
    min: 6_000,
  }),
  TOPIC_OVERRIDES: setting.topicOverrides(),
  ORDER_RESERVATION_REGIONS: regions,
  ORDER_SHORT_STOCK_RULES: shortStockRules,
  ORDER_RESERVATION_TIMEOUT_MS: setting.integer({ description: 'how long the saga waits for inventory to answer ReserveStock (then resends once, then cancels)', default: 30_000, min: 100 }),
  ORDER_ODOO_TIMEOUT_MS: setting.integer({
    description: 'how long the saga waits for the Odoo sale order (then resends once, then cancels it and releases the stock); above the adapter retry schedule',
    default: 30 * 60_000,
    min: 100,
  }),
  ORDER_COMPENSATION_TIMEOUT_MS: setting.integer({ description: 'how long a compensation waits for its confirmation (then resends twice, then goes to review)', default: 60_000, min: 100 }),
  ORDER_REVIEW_SLA_MS: setting.integer({ description: 'how long an operator has for an order review item', default: 4 * 60 * 60_000, min: 1000 }),
  ORDER_SHIPMENT_TIMEOUT_MS: setting.integer({ description: 'how long the warehouse may take to ship all of a released order before it is reviewed', default: 14 * 24 * 3600_000, min: 100 }),
  ORDER_DELIVERY_TIMEOUT_MS: setting.integer({ description: 'how long the carriers may take to deliver every shipment before the order is reviewed', default: 30 * 24 * 3600_000, min: 100 }),
  ORDER_ODOO_PAYMENT_JOURNAL: setting.text({ description: 'code of the Odoo bank journal the captured money is registered in on the invoice', default: 'BNK1' }),
  ORDER_CARRIER_WEBHOOK_SECRETS: webhookSecrets.describe('JSON object: carrier name → list of Standard Webhooks secrets ("whsec_<base64>"), newest first; none: every carrier webhook is refused'),
  ORDER_SUBSTITUTION_ANSWER_MS: setting.integer({
    description: 'how long a customer has to answer a line substitution once the substitute is held; unanswered, it is declined (the line is cut)',
    default: 4 * 3600_000,
    min: 100,
  }),
  ORDER_SAGA_SWEEP_INTERVAL_MS: setting.integer({ description: 'how often due saga timeouts are looked for and fired', default: 1_000, min: 20 }),
  ...paymentConfig,
});

export type OrderConfig = z.infer<typeof orderConfigSchema>;

/** The inventory region of a ship-to country. */
export function regionOf(config: Pick<OrderConfig, 'ORDER_RESERVATION_REGIONS'>, countryCode: string): string {
  return config.ORDER_RESERVATION_REGIONS[countryCode] ?? countryCode.toLowerCase();
}

/** What an order's channel kind decides: its payment policy at the configured gateway (and how long a payment link lasts), and its rule for short stock. */
export function channelSettings(config: Pick<OrderConfig, 'ORDER_PAYMENT_POLICIES' | 'ORDER_PAYMENT_GATEWAY' | 'ORDER_SHORT_STOCK_RULES' | 'ORDER_PAYMENT_LINK_TIMEOUT_MS'>): ChannelSettings {
  return {
    // A replacement order with nothing to charge asks for no payment (exchange-order.ts).
    policyOf: (order) => replacementPaymentPolicy(order, paymentPolicyOf(config.ORDER_PAYMENT_POLICIES, order.channel.kind)),
    gateway: config.ORDER_PAYMENT_GATEWAY,
    shortStockRuleOf: (order) => config.ORDER_SHORT_STOCK_RULES[order.channel.kind] ?? 'cancel',
    linkTimeoutMs: config.ORDER_PAYMENT_LINK_TIMEOUT_MS,
  };
}
