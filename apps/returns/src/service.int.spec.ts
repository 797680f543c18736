import { describeStandardService } from '@omnibus/service-kit/testing';
import { uniqueName } from '@omnibus/testing';
import { AppProcess, createUniqueTopics, startSchemaRegistry } from '@omnibus/messaging/testing';
import path from 'node:path';
import { returnsService } from './service';

jest.setTimeout(60_000);

const CATALOGUE_TOPICS = ['retail.orders', 'retail.shipments', 'retail.payments', 'odoo.results', 'retail.returns', 'payments.commands', 'odoo.commands'] as const;
const consumerService = uniqueName('returns-test');
const savedEnv = { ...process.env };
let registry: AppProcess;

// Before the standard checks boot the service: a registry and topics of its own (read from the environment).
beforeAll(async () => {
  let topics: Record<string, string>;
  [registry, { topics }] = await Promise.all([startSchemaRegistry('returns'), createUniqueTopics(CATALOGUE_TOPICS, [consumerService])]);
  Object.assign(process.env, { SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics), RETURNS_CONSUMER_SERVICE: consumerService });
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await registry?.stop();
});

describeStandardService(returnsService, {
  main: path.join(__dirname, 'main.ts'),
  tables: ['return_authorisations', 'return_lines', 'return_receipts', 'return_refunds', 'return_odoo_commands', 'return_timeline', 'return_idempotency_keys', 'returns_orders', 'returns_shipments', 'returns_captures', 'outbox', 'messaging_inbox'],
});
