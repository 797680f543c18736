// `omnibus demo` end to end against a platform of its own: the schema registry, the Odoo simulator,
// retail-sim (gateway and carrier, webhooks signed with this test's secrets), inventory, the
// odoo-adapter and the order service run as child processes on the shared Kafka and PostgreSQL, with
// topics, consumer groups and databases of this file's own (a platform started by `omnibus up` may be
// running beside it); the demo finds the topics through TOPIC_OVERRIDES as the apps do.
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { AppProcess, createUniqueTopics, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { createTestDatabase, testBrokers, uniqueName } from '@omnibus/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { demoSettingsFromEnv, runDemo } from '../src/demo/demo';

jest.setTimeout(240_000);

// Every topic of the catalogue: the adapter's sync publishes products, customers and locations too, and
// nothing of this test may reach the shared topics a running platform reads.
const CATALOGUE_TOPICS = [
  'retail.orders',
  'retail.inventory',
  'retail.reservations',
  'inventory.commands',
  'payments.commands',
  'retail.returns',
  'retail.catalog',
  'retail.customers',
  'retail.payments',
  'retail.shipments',
  'retail.finance',
  'odoo.commands',
  'odoo.results',
  'odoo.stock-snapshots',
  'retail.locations',
  'inventory.checks',
] as const;
const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const [PAYMENT_SECRET, CARRIER_SECRET] = [whsec(), whsec()];
const GATEWAY_KEY = `sk_test_${randomUUID()}`;
const CARRIER_KEY = `ck_test_${randomUUID()}`;
const consumers = { order: uniqueName('order-demo'), adapter: uniqueName('odoo-adapter-demo'), inventory: uniqueName('inventory-demo'), returns: uniqueName('returns-demo') };

const apps: AppProcess[] = [];
let sim: OdooSimProcess;
let relay: Server;
let orderUrl: string | undefined;
let gateway: AppProcess;
let inventory: AppProcess;
let returns: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * retail-sim is told where its webhooks go before the order service (which calls retail-sim) has a
 * port: they go through this relay, byte for byte with their signature headers, once it has one.
 */
async function startRelay(): Promise<string> {
  relay = createServer((request, response) => {
    void (async () => {
      const payload = await body(request);
      if (!orderUrl) return response.writeHead(503).end();
      const headers = Object.fromEntries(['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [name, String(request.headers[name] ?? '')]));
      const answer = await fetch(`${orderUrl}${request.url}`, { method: 'POST', headers, body: payload }).catch(() => undefined);
      response.writeHead(answer?.status ?? 502, { 'content-type': 'application/json' }).end(answer ? Buffer.from(await answer.arrayBuffer()) : undefined);
    })();
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(relay.address() as { port: number }).port}`;
}

beforeAll(async () => {
  let registry: AppProcess;
  [registry, sim, { topics }] = await Promise.all([
    startSchemaRegistry('cli_demo'),
    OdooSimProcess.start({ version: 17 }),
    createUniqueTopics(CATALOGUE_TOPICS, Object.values(consumers)),
  ]);
  apps.push(registry);
  const [adapterDatabase, inventoryDatabase, orderDatabase, returnsDatabase, relayUrl] = await Promise.all([
    createTestDatabase('odoo_adapter_cli_demo'),
    createTestDatabase('inventory_cli_demo'),
    createTestDatabase('order_cli_demo'),
    createTestDatabase('returns_cli_demo'),
    startRelay(),
  ]);
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  const started = await Promise.all([
    startApp('retail-sim', {
      RETAIL_SIM_GATEWAY_KEY: GATEWAY_KEY,
      RETAIL_SIM_WEBHOOK_URL: `${relayUrl}/webhooks/payments/retail-sim`,
      RETAIL_SIM_WEBHOOK_SECRET: PAYMENT_SECRET,
      RETAIL_SIM_CARRIER_KEY: CARRIER_KEY,
      RETAIL_SIM_CARRIER_STEP_MS: '300',
      RETAIL_SIM_CARRIER_WEBHOOK_URL: `${relayUrl}/webhooks/carriers/retail-sim`,
      RETAIL_SIM_CARRIER_WEBHOOK_SECRET: CARRIER_SECRET,
    }),
    // Stock comes from Odoo, as on a platform started by omnibus up: the adapter's sync publishes it.
    startApp('odoo-adapter', { ...shared, DATABASE_URL: adapterDatabase.url, ODOO_URL: sim.url, ODOO_CONSUMER_SERVICE: consumers.adapter }, { cleanup: () => adapterDatabase.drop() }),
    startApp('inventory', { ...shared, DATABASE_URL: inventoryDatabase.url, INVENTORY_CONSUMER_SERVICE: consumers.inventory }, { cleanup: () => inventoryDatabase.drop() }),
    startApp('returns', { ...shared, DATABASE_URL: returnsDatabase.url, RETURNS_CONSUMER_SERVICE: consumers.returns }, { cleanup: () => returnsDatabase.drop() }),
  ]);
  apps.push(...started);
  [gateway, , inventory, returns] = started;
  const order = await startApp(
    'order',
    {
      ...shared,
      DATABASE_URL: orderDatabase.url,
      ORDER_CONSUMER_SERVICE: consumers.order,
      ORDER_PAYMENT_GATEWAY_URL: gateway.url,
      ORDER_PAYMENT_GATEWAY_KEY: GATEWAY_KEY,
      ORDER_PAYMENT_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [PAYMENT_SECRET] }),
      ORDER_CARRIER_WEBHOOK_SECRETS: JSON.stringify({ 'retail-sim': [CARRIER_SECRET] }),
    },
    { cleanup: () => orderDatabase.drop() },
  );
  apps.push(order);
  orderUrl = order.url;
}, 180_000);

afterAll(async () => {
  // The order service first (it calls the others), the registry last (the others read from it).
  for (const app of [...apps].reverse()) await app.stop();
  await sim?.stop();
  await new Promise((resolve) => relay?.close(resolve));
});

describe('omnibus demo on a platform of its own', () => {
  it('takes three orders from the web shop through Odoo to the warehouse, ships them with the carrier and sees each completed: deliveries, captures and invoices in Odoo; returns part of one at a store: refunded, restocked by one, returned and credited in Odoo', async () => {
    const [registry] = apps;
    const env = {
      ORDER_PORT: new URL(orderUrl!).port,
      INVENTORY_PORT: new URL(inventory.url).port,
      RETURNS_PORT: new URL(returns.url).port,
      SCHEMA_REGISTRY_URL: registry.url,
      ODOO_URL: sim.url,
      RETAIL_SIM_PORT: new URL(gateway.url).port,
      RETAIL_SIM_CARRIER_KEY: CARRIER_KEY,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      KAFKA_BROKERS: testBrokers().join(','),
    };
    const settings = demoSettingsFromEnv(env, { orders: 3, timeoutMs: 90_000, stock: true });
    const lines: string[] = [];
    try {
      await runDemo(settings, (line = '') => lines.push(line));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- the demo printed:\n${lines.join('\n')}\n--- the apps said:\n${apps.map((app) => app.output().slice(-3000)).join('\n')}`);
    }
    const out = lines.join('\n');
    // Posted only once inventory has Odoo's stock (a platform just started may not have it yet).
    expect(out).toMatch(/Inventory can promise what they take \(Odoo's stock, through the odoo-adapter\)/);
    expect(out).toMatch(/✓ WEB-\w+-1 {2}released_to_warehouse as S\d+/);
    // Two parcels for the two-line orders, one for the one-line order, each with its tracking number.
    expect(out.match(/→ WEB-\w+-1 {2}parcel \d of 2 booked from [\w-]+: .*, tracking RS\d{10}/g)).toHaveLength(2);
    expect(out.match(/→ APP-\w+-3 {2}parcel 1 of 1 booked/g)).toHaveLength(1);
    expect(out.match(/✓ \w+-\w+-\d {2}completed: payment captured, fulfilment delivered, invoice /g)).toHaveLength(3);
    expect(out.match(/Captures: .* = USD \d+\.\d\d, the order total/g)).toHaveLength(3);
    expect(out.match(/Odoo invoice \(account\.move ref [\w-]+\): \S+, posted, amount_total \d+\.\d\d, payment_state (paid|in_payment)/g)).toHaveLength(3);
    // The deliveries in Odoo: both done, the second a backorder of the first.
    expect(out).toMatch(/WH\/OUT\/\d+ +done +-\n +WH\/OUT\/\d+ +done +WH\/OUT\/\d+/);
    // The shipments' events are part of the order's journey on Kafka.
    expect(out).toMatch(/retail\.shipments\.\S+ +ShipmentDispatched/);
    expect(out).toMatch(/retail\.shipments\.\S+ +ShipmentDelivered/);
    expect(out).toMatch(/\d+ of \d+ events carry the channel request's trace [0-9a-f]{32} .* to the warehouse/);
    // The first order's shirts come back at a store: one resellable, one damaged; refunded, restocked by one, returned and credited in Odoo.
    expect(out).toMatch(/→ 201 authorized, RMA-\S+, policy default v1, refund due USD (\d+\.\d\d)/);
    const due = /refund due (USD \d+\.\d\d)/.exec(out)![1];
    // The policy refunds both units of the line as the customer paid them: 2 × Odoo's list price plus the channel's 15 % sales tax.
    const odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
    const [shirt] = await odoo.searchRead<{ id: number; lst_price: number }>('product.product', [['default_code', '=', 'APP-10001']], { fields: ['lst_price'] });
    await odoo.close();
    const paid = Math.round(shirt.lst_price * 100) * 2;
    expect(due).toBe(`USD ${((paid + Math.round((paid * 15) / 100)) / 100).toFixed(2)}`);
    expect(out).toContain(`received and refunded: ${due} back to the card at the gateway (re_sim_`);
    expect(out).toMatch(/✓ Restock: APP-10001 at store-downtown (\d+) → (\d+) in Odoo, on retail\.inventory for inventory \(source ODOO\): the resellable unit only/);
    const [, before, after] = /✓ Restock: APP-10001 at store-downtown (\d+) → (\d+)/.exec(out)!;
    expect(Number(after)).toBe(Number(before) + 1);
    expect(out).toMatch(/return picking +\S+ +done +Return of WH\/OUT\/\d+ → ST01\/Stock/);
    expect(out).toMatch(/scrap +\S+ +done +1 × APP-10001 \(the damaged unit\)/);
    expect(out).toMatch(new RegExp(`credit note +\\S+ +posted +amount_total ${due.slice(4).replace('.', '\\.')}, reverses \\S+`));
    expect(out).toMatch(/✓ StockPositionChanged on retail\.inventory after/);
  });
});
