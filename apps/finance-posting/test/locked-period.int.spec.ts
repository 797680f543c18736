// The 'wait' policy of locked periods on the real Kafka and PostgreSQL: a fact dated in a locked period
// is held (stored, visible, not sent); once the period opens (a restart with the new lock dates) it is
// sent at start. No Odoo here: what is checked is what finance sends to the adapter.
import { JournalEntryPrepared, OrderPlaced, PaymentCaptured, PostJournalEntry } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startSchemaRegistry } from '@omnibus/messaging/testing';
import { createService, issueToken, RunningService } from '@omnibus/service-kit';
import { testServiceEnv } from '@omnibus/service-kit/testing';
import { createTestDatabase, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { financePostingService } from '../src/service';

jest.setTimeout(60_000);

const CATALOGUE_TOPICS = ['retail.orders', 'retail.payments', 'retail.shipments', 'retail.returns', 'retail.catalog', 'retail.finance', 'odoo.commands', 'odoo.results'] as const;
const consumer = uniqueName('finance-locked');
let registry: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;
let database: { url: string; drop(): Promise<void> };
let finance: RunningService | undefined;
let token: string;

const start = (locks: Record<string, string>) =>
  createService(financePostingService, {
    env: testServiceEnv(database.url, {
      KAFKA_BROKERS: testBrokers().join(','),
      SCHEMA_REGISTRY_URL: registry.url,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      FINANCE_CONSUMER_SERVICE: consumer,
      FINANCE_PERIOD_LOCKS: JSON.stringify(locks),
      FINANCE_LOCKED_PERIOD_POLICY: 'wait',
      // Rules where finance posts the captures itself (the default leaves them to Odoo's payment).
      FINANCE_RULES_FILE: path.join(__dirname, 'posting-rules.yaml'),
    }),
  });

beforeAll(async () => {
  [registry, { topics }, database] = await Promise.all([startSchemaRegistry('finance-locked'), createUniqueTopics(CATALOGUE_TOPICS, [consumer]), createTestDatabase('finance_locked')]);
  [recorder, publisher] = await Promise.all([EventRecorder.start([topics['retail.finance'], topics['odoo.commands']], registry.url), EventPublisher.start(registry.url)]);
  token = await issueToken({ sub: 'operator:accountant', scopes: ['finance:read', 'finance:write'] });
}, 60_000);

afterAll(async () => {
  await finance?.close();
  await Promise.all([recorder?.stop(), publisher?.stop()]);
  await Promise.all([registry?.stop(), database?.drop()]);
});

const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const api = async (route: string, method = 'GET') => {
  const response = await fetch(`${finance!.url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
  return { status: response.status, body: (await response.json()) as any };
};

it('a fact in a locked period is held, not sent, and goes out once the period is open', async () => {
  finance = await start({ 'omnibus-retail': '2026-01-31' });
  const orderId = randomUUID();
  const january = new Date('2026-01-20T09:00:00Z');
  const address = { name: 'Ada', company: null, line1: '1 Main St', line2: null, city: 'Springfield', postalCode: null, region: null, countryCode: 'US', phone: null, email: null };
  const order: OrderPlaced = {
    orderId,
    channelOrderRef: 'WEB-LOCK',
    channel: { channelId: 'web-us', kind: 'WEB' },
    brand: 'acme',
    companyId: 'omnibus-retail',
    customer: { customerId: null, name: 'Ada', email: null, phone: null },
    billingAddress: address,
    shippingAddress: null,
    lines: [{ lineId: 'l1', sku: 'APP-10001', name: 'T-Shirt', quantity: { milli: 1000 }, unitPrice: usd(1000), discount: usd(0), tax: usd(130), taxCode: null, total: usd(1000) }],
    totals: { linesTotal: usd(1000), shipping: usd(0), orderDiscount: usd(0), tax: usd(130), grandTotal: usd(1000) },
    pricesIncludeTax: true,
    fulfilment: { mode: 'DELIVERY', pickupLocationId: null, allowedLocationTypes: [], allowSplitShipment: false, shippingMethod: null, promisedBy: null },
    paymentReference: null,
    notes: null,
    placedAt: january,
    occurredAt: january,
  };
  const capture = (captureId: string, occurredAt: Date): PaymentCaptured => ({
    paymentId: 'pay-1',
    orderId,
    companyId: 'omnibus-retail',
    captureId,
    gateway: 'retail-sim',
    gatewayReference: `ch_${captureId}`,
    method: 'CARD',
    amount: usd(500),
    shipmentId: null,
    finalCapture: false,
    occurredAt,
  });
  await publisher.publish(OrderPlaced, order, topics['retail.orders']);
  await publisher.publish(PaymentCaptured, capture(`jan-${orderId}`, january), topics['retail.payments']);
  await publisher.publish(PaymentCaptured, capture(`now-${orderId}`, new Date()), topics['retail.payments']);

  const entries = await waitFor(async () => {
    const found = (await api(`/journal-entries?orderId=${orderId}`)).body as any[];
    return found.length === 2 ? found : undefined;
  }, { timeoutMs: 30_000, what: 'both captures in the ledger' });
  const held = entries.find((entry) => entry.source.id === `jan-${orderId}`);
  const open = entries.find((entry) => entry.source.id === `now-${orderId}`);
  expect(held).toMatchObject({ status: 'held', accountingDate: '2026-01-20', periodNote: 'accounting date 2026-01-20 is in a period locked through 2026-01-31: held until it opens' });
  expect(open.status).toBe('draft');
  await recorder.waitFor(open.id, PostJournalEntry.type);
  expect(recorder.of(held.id)).toEqual([]);
  // Still locked: an operator cannot send it either.
  expect(await api(`/journal-entries/${held.id}/repost`, 'POST')).toMatchObject({ status: 409, body: { message: expect.stringContaining('held until it opens') } });

  // January is reopened (the lock dates are configuration): at start the held entry goes out, announced and sent once.
  await finance.close();
  finance = await start({});
  const [command] = await recorder.waitFor(held.id, PostJournalEntry.type, 1, 30_000);
  expect(command.value).toMatchObject({ journalEntryId: held.id, accountingDate: '2026-01-20' });
  expect(recorder.of(held.id, JournalEntryPrepared.type)).toHaveLength(1);
  expect((await api(`/journal-entries/${held.id}`)).body.status).toBe('draft');
  expect(recorder.of(open.id, PostJournalEntry.type)).toHaveLength(1);
});
