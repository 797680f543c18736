// The stack of finance-posting's integration tests: the schema registry, odoo-sim and the odoo-adapter as
// child processes, finance-posting in this process, every topic and consumer group the test file's own.
import type { OrderPlaced } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, uniqueName } from '@omnibus/testing';
import type { FinancePostingConfig } from '../src/config';
import { financePostingService } from '../src/service';

export const CATALOGUE_TOPICS = ['retail.orders', 'retail.payments', 'retail.shipments', 'retail.returns', 'retail.catalog', 'retail.finance', 'odoo.commands', 'odoo.results'] as const;
export type Topics = Record<(typeof CATALOGUE_TOPICS)[number], string>;

export interface FinanceStack {
  registry: AppProcess;
  sim: OdooSimProcess;
  adapter: AppProcess;
  finance: TestService<FinancePostingConfig>;
  topics: Topics;
  recorder: EventRecorder;
  publisher: EventPublisher;
  odoo: OdooClient;
  /** A token with finance:read, write and reconcile. */
  accountant: string;
  stop(): Promise<void>;
}

/** `name` makes the consumer groups, registry and adapter database unique; `env` is finance-posting's (FINANCE_RULES_FILE…). */
export async function startFinanceStack(name: string, env: Record<string, string>): Promise<FinanceStack> {
  const financeConsumer = uniqueName(`finance-${name}`);
  const adapterConsumer = uniqueName(`odoo-adapter-${name}`);
  const [registry, sim, { topics }] = await Promise.all([startSchemaRegistry(`finance-${name}`), OdooSimProcess.start({ version: 17 }), createUniqueTopics(CATALOGUE_TOPICS, [financeConsumer, adapterConsumer])]);
  const adapterDatabase = await createTestDatabase(`odoo_adapter_${name}`);
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  const [adapter, finance, recorder, publisher] = await Promise.all([
    startApp('odoo-adapter', { ...shared, DATABASE_URL: adapterDatabase.url, ODOO_URL: sim.url, ODOO_CONSUMER_SERVICE: adapterConsumer, ODOO_SYNC_ENABLED: 'false' }, { cleanup: () => adapterDatabase.drop() }),
    startTestService(financePostingService, { ...shared, ODOO_URL: sim.url, FINANCE_CONSUMER_SERVICE: financeConsumer, LOG_LEVEL: process.env.FINANCE_TEST_LOG ?? 'silent', ...env }) as Promise<TestService<FinancePostingConfig>>,
    EventRecorder.start([topics['retail.finance'], topics['odoo.commands'], topics['odoo.results']], registry.url),
    EventPublisher.start(registry.url),
  ]);
  const odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
  const accountant = await issueToken({ sub: 'operator:accountant', scopes: ['finance:read', 'finance:write', 'finance:reconcile'] });
  return {
    registry,
    sim,
    adapter,
    finance,
    topics,
    recorder,
    publisher,
    odoo,
    accountant,
    async stop() {
      await Promise.all([recorder.stop(), publisher.stop(), odoo.close(), finance.stop(), adapter.stop()]);
      await Promise.all([sim.stop(), registry.stop()]);
    },
  };
}

/** The finance API as the accountant: status, text and parsed JSON body. */
export const apiOf = (stack: () => FinanceStack) => async (route: string, init: { method?: string; body?: unknown } = {}) => {
  const { finance, accountant } = stack();
  const response = await finance.request(route, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${accountant}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, text, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
};

/** Σ debit − credit per account, in cents, of Odoo's posted moves matching `domain`. */
export async function odooBalancesOf(odoo: OdooClient, domain: unknown[]): Promise<{ moves: Array<{ id: number; ref: string }>; balances: Record<string, number> }> {
  const moves = await odoo.searchRead<{ id: number; ref: string }>('account.move', [...domain, ['state', '=', 'posted']], { fields: ['ref'] });
  const lines = await odoo.searchRead<{ id: number; account_id: [number, string]; debit: number; credit: number }>('account.move.line', [['move_id', 'in', moves.map((move) => move.id)]], { fields: ['account_id', 'debit', 'credit'] });
  const codes = new Map((await odoo.read<{ id: number; code: string }>('account.account', [...new Set(lines.map((line) => line.account_id[0]))], ['code'])).map((row) => [row.id, row.code]));
  const balances: Record<string, number> = {};
  for (const line of lines) {
    const code = codes.get(line.account_id[0]) as string;
    balances[code] = (balances[code] ?? 0) + Math.round(line.debit * 100) - Math.round(line.credit * 100);
  }
  return { moves, balances };
}

export const customerAddress = { name: 'Ada Buyer', company: null, line1: '1 Main St', line2: null, city: 'Springfield', postalCode: '12345', region: null, countryCode: 'US', phone: null, email: null };

/** A web order of acme in omnibus-retail with these lines and totals, delivered to Ada. */
export function placedOrder(orderId: string, lines: OrderPlaced['lines'], totals: OrderPlaced['totals'], at: Date): OrderPlaced {
  return {
    orderId,
    channelOrderRef: `WEB-${orderId.slice(0, 8)}`,
    channel: { channelId: 'web-us', kind: 'WEB' },
    brand: 'acme',
    companyId: 'omnibus-retail',
    customer: { customerId: null, name: 'Ada Buyer', email: 'ada@example.com', phone: null },
    billingAddress: customerAddress,
    shippingAddress: customerAddress,
    lines,
    totals,
    pricesIncludeTax: true,
    fulfilment: { mode: 'DELIVERY', pickupLocationId: null, allowedLocationTypes: [], allowSplitShipment: true, shippingMethod: null, promisedBy: null },
    paymentReference: null,
    notes: null,
    placedAt: at,
    occurredAt: at,
  };
}
