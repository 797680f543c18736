import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import path from 'node:path';
import { z } from 'zod';

/** Marks the development defaults below; start-up refuses them when NODE_ENV=production. */
export const DEV_ODOO_PASSWORD = 'admin';
export const DEV_WEBHOOK_SECRET = 'omnibus-dev-odoo-webhook-secret';

const optionalText = (description: string) => z.string().min(1).optional().describe(description);

/** The common service settings (port 3005, database odoo_adapter) plus Odoo, sync and mapping settings. */
export const odooAdapterConfigSchema = serviceConfigSchema('odoo-adapter')
  .extend({
    ODOO_URL: setting.url({
      description: 'http(s) URL of the Odoo server',
      default: 'http://127.0.0.1:8069',
      protocols: ['http:', 'https:'],
    }),
    ODOO_DATABASE: setting.text({ description: 'Odoo database name', default: 'omnibus' }),
    ODOO_LOGIN: setting.text({ description: 'login of the Odoo integration user', default: 'admin' }),
    ODOO_PASSWORD: setting.text({ description: 'password of the Odoo integration user (or use ODOO_API_KEY)', default: DEV_ODOO_PASSWORD }),
    ODOO_API_KEY: optionalText('API key of the Odoo integration user; required for JSON-2, preferred everywhere'),
    ODOO_PROTOCOL: setting.oneOf(['auto', 'jsonrpc', 'xmlrpc', 'json2'] as const, { default: 'auto' }),
    ODOO_VERSION: z
      .string()
      .regex(/^(16|17|18|19)$/, '16, 17, 18 or 19')
      .transform(Number)
      .optional()
      .describe('Odoo major version (16-19); detected from the server when unset'),
    ODOO_TIMEOUT_MS: setting.integer({ description: 'milliseconds per Odoo call, 100-600000', default: 30_000, min: 100, max: 600_000 }),
    ODOO_MAX_CONCURRENT: setting.integer({ description: 'Odoo calls in flight at once, 1-64', default: 4, min: 1, max: 64 }),
    ODOO_MAX_CALLS_PER_SECOND: setting.integer({ description: 'rate limit of Odoo calls per second, 0 = none', default: 0, min: 0, max: 100_000 }),
    ODOO_RETRY_MAX_ATTEMPTS: setting.integer({ description: 'retries of a retriable Odoo failure, 0-20', default: 4, min: 0, max: 20 }),
    ODOO_RETRY_INITIAL_DELAY_MS: setting.integer({ description: 'first retry delay in ms', default: 100, min: 1, max: 60_000 }),
    ODOO_CIRCUIT_FAILURES: setting.integer({ description: 'consecutive outage failures that open the circuit', default: 5, min: 1, max: 1_000 }),
    ODOO_CIRCUIT_HALF_OPEN_MS: setting.integer({ description: 'ms before an open circuit lets a trial call through', default: 10_000, min: 10, max: 3_600_000 }),
    ODOO_MAPPING_FILE: setting.text({
      description: 'YAML file mapping companies, locations, price lists, journals and accounts onto Odoo',
      default: path.join(__dirname, '..', 'config', 'mapping.dev.yaml'),
    }),
    ODOO_WEBHOOK_SECRET: setting.text({
      description: 'shared secret Odoo webhooks carry (?secret= in the URL or X-Odoo-Webhook-Secret), at least 16 characters',
      default: DEV_WEBHOOK_SECRET,
      minLength: 16,
    }),
    ODOO_WEBHOOK_BATCH_MS: setting.integer({ description: 'ms webhook hints are gathered before one Odoo read', default: 5, min: 0, max: 10_000 }),
    ODOO_SYNC_ENABLED: setting.boolean({ description: 'poll Odoo for changes (true/false)', default: true }),
    ODOO_STOCK_POLL_INTERVAL_MS: setting.integer({ description: 'ms between polls of stock.quant', default: 250, min: 10, max: 3_600_000 }),
    ODOO_CATALOG_POLL_INTERVAL_MS: setting.integer({ description: 'ms between polls of products, prices and customers', default: 2_000, min: 10, max: 3_600_000 }),
    ODOO_SYNC_OVERLAP_SECONDS: setting.integer({ description: 'seconds re-read before the cursor on each poll', default: 2, min: 0, max: 86_400 }),
    ODOO_SYNC_SWEEP_WINDOW_SECONDS: setting.integer({ description: 'seconds re-read by the periodic late-commit sweep', default: 600, min: 0, max: 604_800 }),
    ODOO_SYNC_SWEEP_INTERVAL_MS: setting.integer({ description: 'ms between late-commit sweeps', default: 60_000, min: 100, max: 86_400_000 }),
    ODOO_SYNC_PAGE_SIZE: setting.integer({ description: 'records per Odoo read, 1-5000', default: 500, min: 1, max: 5_000 }),
    ODOO_FULL_RESYNC_INTERVAL_MS: setting.integer({ description: 'ms between full catalogue re-syncs, 0 = only on request', default: 86_400_000, min: 0, max: 2_592_000_000 }),
    ODOO_COMMANDS_ENABLED: setting.boolean({ description: 'consume odoo.commands (true/false)', default: true }),
    ODOO_BATCH_SIZE: setting.integer({
      description: 'most commands handled in one transaction; their sale orders go to Odoo in one create and one confirm, 1-500',
      default: 50,
      min: 1,
      max: 500,
    }),
    ODOO_BATCH_LINGER_MS: setting.integer({
      description: 'longest wait (ms) of a command fetch for more commands to fill a batch (Kafka fetch max wait, with ODOO_BATCH_MIN_BYTES), 0 = none, 0-1000',
      default: 0,
      min: 0,
      max: 1_000,
    }),
    ODOO_BATCH_MIN_BYTES: setting.integer({ description: 'bytes of commands a fetch waits for (up to ODOO_BATCH_LINGER_MS), 1 = none', default: 16_384, min: 1, max: 10_485_760 }),
    ODOO_COMMANDS_CONCURRENCY: setting.integer({ description: 'command partitions handled at once, 1-64', default: 4, min: 1, max: 64 }),
    ODOO_COMMANDS_PAUSE_MAX_MS: setting.integer({
      description: 'longest pause (ms) of a command partition while Odoo is down before it tries again',
      default: 30_000,
      min: 10,
      max: 3_600_000,
    }),
    ODOO_CONSUMER_SERVICE: setting.text({
      description: 'name of the command consumer: its group and its <name>.retry / <name>.dlq topics',
      default: 'odoo-adapter',
    }),
    TOPIC_OVERRIDES: setting.topicOverrides(),
  });

export type OdooAdapterConfig = z.infer<typeof odooAdapterConfigSchema>;

/**
 * Checks that need several settings at once. Kept out of the zod object so start-up errors still name
 * each setting with its description; called when the Odoo module starts.
 */
export function configProblems(config: OdooAdapterConfig): string[] {
  const problems: string[] = [];
  if (config.ODOO_PROTOCOL === 'json2' && !config.ODOO_API_KEY) problems.push('ODOO_API_KEY is required for ODOO_PROTOCOL=json2 (JSON-2 authenticates with an API key)');
  if (config.NODE_ENV === 'production') {
    if (config.ODOO_WEBHOOK_SECRET === DEV_WEBHOOK_SECRET) problems.push('ODOO_WEBHOOK_SECRET is required when NODE_ENV=production (the development secret is refused)');
    if (!config.ODOO_API_KEY && config.ODOO_PASSWORD === DEV_ODOO_PASSWORD) problems.push('ODOO_API_KEY (or a real ODOO_PASSWORD) is required when NODE_ENV=production');
  }
  return problems;
}
