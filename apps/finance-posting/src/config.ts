import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import path from 'node:path';
import type { z } from 'zod';

/** The common service settings with the operator-contract defaults of finance-posting, plus its own. */
export const financePostingConfigSchema = serviceConfigSchema('finance-posting').extend({
  FINANCE_RULES_FILE: setting.text({
    description: 'YAML file of the posting rule sets (per company, brand and channel, with effective dates); an unbalanced or incomplete set stops the service',
    default: path.join(__dirname, '..', 'rules', 'posting-rules.yaml'),
  }),
  FINANCE_CONSUMER_SERVICE: setting.text({
    description: 'name of the operational-event consumer: its group and its <name>.retry / <name>.dlq topics',
    default: 'finance-posting',
  }),
  ODOO_URL: setting.url({ description: 'Odoo base URL, read by reconciliation (account.move by ref)', default: 'http://127.0.0.1:8069', protocols: ['http:', 'https:'] }),
  ODOO_DATABASE: setting.text({ description: 'Odoo database name', default: 'omnibus' }),
  ODOO_LOGIN: setting.text({ description: 'login of the Odoo user reconciliation reads with', default: 'admin' }),
  ODOO_PASSWORD: setting.text({ description: 'password of that Odoo user', default: 'admin' }),
  FINANCE_PERIOD_LOCKS: setting.text({
    description: 'JSON object of Odoo lock dates per company, e.g. {"omnibus-retail":"2026-10-31"}: nothing dated on or before may post',
    default: '{}',
  }),
  FINANCE_LOCKED_PERIOD_POLICY: setting.oneOf(['next_open', 'wait'] as const, { default: 'next_open' }),
  FINANCE_RECONCILE_INTERVAL_MS: setting.integer({ description: 'how often the recent days are reconciled with Odoo on a schedule (0 = only on demand)', default: 86_400_000 }),
  FINANCE_RECONCILE_DAYS: setting.integer({ description: 'days a scheduled reconciliation covers, up to today', default: 2, min: 1, max: 366 }),
  FINANCE_DUAL_RUN_CLEAN_DAYS: setting.integer({ description: 'consecutive clean dual-run days after which cut-over is reported ready', default: 7, min: 1 }),
  FINANCE_DUAL_RUN_TOLERANCE_MINOR: setting.integer({ description: 'largest dual-run difference per day, channel and account taken for rounding, in minor units', default: 2, min: 0 }),
  TOPIC_OVERRIDES: setting.topicOverrides(),
});

export type FinancePostingConfig = z.infer<typeof financePostingConfigSchema>;
