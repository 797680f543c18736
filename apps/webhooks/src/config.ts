import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** Svix's schedule, which Standard Webhooks recommends: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27 h in all). */
export const DEFAULT_RETRY_SCHEDULE_MS = '0,5000,300000,1800000,7200000,18000000,36000000,36000000';

const retrySchedule = z
  .string()
  .default(DEFAULT_RETRY_SCHEDULE_MS)
  .describe('delay before each delivery attempt in ms, comma-separated; the first is normally 0 (at once); its length is the number of attempts')
  .transform((text, context) => {
    const delays = text.split(',').map((entry) => entry.trim());
    if (!delays.length || delays.some((entry) => !/^\d+$/.test(entry))) {
      context.addIssue({ code: 'custom', message: 'not a comma-separated list of milliseconds, e.g. "0,5000,300000"' });
      return z.NEVER;
    }
    return delays.map(Number);
  });

/** CIDR ranges (or single addresses) a development set-up may deliver to despite being private or loopback. */
const egressAllowList = z
  .string()
  .default('')
  .describe('comma-separated CIDRs or addresses subscriptions may point at although private/loopback (development only), e.g. "127.0.0.1/32"')
  .transform((text, context) => {
    const list = new BlockList();
    for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
      if (!family || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
        context.addIssue({ code: 'custom', message: `not an address or CIDR: ${entry}` });
        return z.NEVER;
      }
      list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
    }
    return list;
  });

/** The common service settings with the operator-contract defaults of webhooks (port 3006, database `webhooks`), plus its own. */
export const webhooksConfigSchema = serviceConfigSchema('webhooks').extend({
  WEBHOOKS_CONSUMER_SERVICE: setting.text({
    description: 'name of the consumer of the canonical events (its group and its <name>.retry / <name>.dlq topics)',
    default: 'webhooks',
  }),
  TOPIC_OVERRIDES: setting.topicOverrides(),
  WEBHOOKS_RETRY_SCHEDULE_MS: retrySchedule,
  WEBHOOKS_RETRY_JITTER: setting.integer({ description: 'jitter of each retry delay, in percent either way (spreads a recovered endpoint’s backlog)', default: 20, min: 0, max: 100 }),
  WEBHOOKS_MAX_RETRY_AFTER_MS: setting.integer({ description: 'the longest Retry-After of a receiver that is honoured as given; a longer one is cut to this', default: 3_600_000, min: 0 }),
  WEBHOOKS_CONNECT_TIMEOUT_MS: setting.integer({ description: 'how long a delivery waits to connect to the endpoint', default: 5_000, min: 50 }),
  WEBHOOKS_RESPONSE_TIMEOUT_MS: setting.integer({ description: 'how long a delivery waits for the endpoint’s answer once connected', default: 15_000, min: 50 }),
  WEBHOOKS_DISPATCH_INTERVAL_MS: setting.integer({ description: 'how often due deliveries are looked for (a new delivery waits half of it on average)', default: 100, min: 10 }),
  WEBHOOKS_DISPATCH_CONCURRENCY: setting.integer({ description: 'deliveries in flight at once (each to the head of a different lane)', default: 32, min: 1 }),
  WEBHOOKS_BREAKER_FAILURES: setting.integer({ description: 'consecutive failures of an endpoint (timeouts, 5xx, 429) that open its circuit breaker', default: 5, min: 1 }),
  WEBHOOKS_BREAKER_HALF_OPEN_MS: setting.integer({ description: 'how long an open breaker holds deliveries to the endpoint before one is tried again', default: 30_000, min: 10 }),
  WEBHOOKS_DISABLE_AFTER_MS: setting.integer({ description: 'how long an endpoint may fail without one success before its subscription is disabled (Svix: 5 days)', default: 5 * 24 * 3600_000, min: 1_000 }),
  WEBHOOKS_ROTATION_GRACE_MS: setting.integer({ description: 'how long the previous secret still signs after a rotation', default: 24 * 3600_000, min: 0 }),
  WEBHOOKS_ALLOW_HTTP: setting.boolean({ description: 'accept http:// subscription URLs (development only; ignored with NODE_ENV=production)', default: false }),
  WEBHOOKS_EGRESS_ALLOW: egressAllowList,
});

export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;
