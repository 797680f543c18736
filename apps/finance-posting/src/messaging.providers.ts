import { Provider } from '@nestjs/common';
import { AvroEventCodec, AvroSerde, EventOutbox, registerProducedSchemas, SchemaRegistryClient } from '@omnibus/messaging';
import { OdooClient } from '@omnibus/odoo-client';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import { FinancePostingConfig } from './config';
import { loadRuleBook } from './domain/rule-book';
import { EVENT_CODEC, EVENT_OUTBOX, ODOO_CLIENT, PERIOD_LOCKS, RULE_BOOK } from './tokens';
import { z } from 'zod';
import type { LockedPeriodPolicy } from './domain/periods';

/** `ce_source` of everything finance-posting publishes. */
export const FINANCE_EVENT_SOURCE = 'omnibus/finance-posting';

/**
 * The posting rules (validated at start: an unbalanced or incomplete set stops the service naming
 * the rule), the Avro codec (schemas finance publishes registered at start), the outbox and the
 * Odoo client reconciliation reads with (it connects on first use).
 */
export const financeProviders: Provider[] = [
  { provide: RULE_BOOK, inject: [SERVICE_CONFIG], useFactory: (config: FinancePostingConfig) => loadRuleBook(config.FINANCE_RULES_FILE) },
  { provide: PERIOD_LOCKS, inject: [SERVICE_CONFIG], useFactory: (config: FinancePostingConfig) => periodLocks(config) },
  {
    provide: EVENT_CODEC,
    inject: [SERVICE_CONFIG],
    useFactory: async (config: FinancePostingConfig) => {
      const registry = new SchemaRegistryClient({ url: config.SCHEMA_REGISTRY_URL });
      const serde = new AvroSerde({ registry });
      await registerProducedSchemas(registry, 'finance-posting', { topicOf: (topic) => topicFor(config, topic), serde });
      return new AvroEventCodec(serde);
    },
  },
  {
    provide: EVENT_OUTBOX,
    inject: [EVENT_CODEC],
    useFactory: (codec: AvroEventCodec) => new EventOutbox({ source: FINANCE_EVENT_SOURCE, encoder: codec }),
  },
  {
    provide: ODOO_CLIENT,
    inject: [SERVICE_CONFIG],
    useFactory: (config: FinancePostingConfig) => new OdooClient({ url: config.ODOO_URL, database: config.ODOO_DATABASE, login: config.ODOO_LOGIN, password: config.ODOO_PASSWORD }),
  },
];

/** Odoo's lock date per company and what to do with an entry dated on or before it. */
export interface PeriodLocks {
  lockedThrough: Record<string, string>;
  policy: LockedPeriodPolicy;
}

const locksSchema = z.record(z.string().min(1), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'));

function periodLocks(config: FinancePostingConfig): PeriodLocks {
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.FINANCE_PERIOD_LOCKS);
  } catch {
    throw new Error('FINANCE_PERIOD_LOCKS is not JSON (e.g. {"omnibus-retail":"2026-10-31"})');
  }
  const locks = locksSchema.safeParse(parsed);
  if (!locks.success) throw new Error(`FINANCE_PERIOD_LOCKS: ${locks.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return { lockedThrough: locks.data, policy: config.FINANCE_LOCKED_PERIOD_POLICY };
}
