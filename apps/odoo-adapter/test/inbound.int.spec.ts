import { CreateSaleOrder, CustomerUpserted, OdooCommandFailed, OdooCommandSucceeded, PriceChanged, ProductUpserted, ReadStockSnapshot, StockLocationUpserted, StockPositionChanged, StockSnapshotPart } from '@omnibus/contracts';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { createSaleOrder } from './commands';
import { AdapterUnderTest, RegistryProcess, SimVersion, startAdapter, waitFor, WEBHOOK_SECRET } from './harness';

let sim: OdooSimProcess;
let registry: RegistryProcess;

beforeAll(async () => {
  [sim, registry] = await Promise.all([OdooSimProcess.start(), RegistryProcess.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([sim?.stop(), registry?.stop()]);
});

describe.each([16, 17, 18, 19] as SimVersion[])('inbound sync from Odoo %i', (version) => {
  let under: AdapterUnderTest;
  let odoo: OdooClient;

  beforeAll(async () => {
    await sim.reset(version);
    odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
    // After the first sync nothing is polled in the background here: the tests poll when they mean to, so
    // the webhook test sees the webhook's work and the discovery test knows which poll discovered.
    // 19 is driven over JSON-2 with an API key, as `ODOO_PROTOCOL=auto` picks it; 16–18 over JSON-RPC.
    const apiKey: Record<string, string> = version >= 19 ? { ODOO_API_KEY: await sim.createApiKey() } : {};
    under = await startAdapter(sim, registry, { ODOO_STOCK_POLL_INTERVAL_MS: '600000', ODOO_CATALOG_POLL_INTERVAL_MS: '600000', ...apiKey });
  }, 60_000);

  afterAll(async () => {
    await under?.stop();
    await odoo?.close();
  }, 30_000);

  it('publishes the whole catalogue, prices, customers and stock once on the first sync', async () => {
    const skus = await odoo.search('product.product', [['default_code', '!=', false]], { context: { active_test: false } });
    const customers = await odoo.searchCount('res.partner', [['customer_rank', '>', 0]], { context: { active_test: false } });
    await waitFor(() => under.eventsOf(ProductUpserted.type).length >= skus.length, { timeoutMs: 30_000, what: `${skus.length} ProductUpserted` });
    await waitFor(() => under.eventsOf(CustomerUpserted.type).length >= customers, { timeoutMs: 30_000, what: `${customers} CustomerUpserted` });
    await waitFor(() => under.eventsOf(StockPositionChanged.type).length > 1_000, { timeoutMs: 30_000, what: 'stock positions' });
    // Catch every model up to now (a poll reads to the end), then wait for the outbox to drain.
    for (const model of ['product.product', 'product.template', 'product.pricelist.item', 'res.partner', 'stock.quant'] as const) await (await inbound(under)).poll(model);
    await under.published();
    const positions = under.eventsOf(StockPositionChanged.type);
    expect(new Set(positions.map((event) => `${event.key}|${(event.value as StockPositionChanged).location.locationId}`)).size).toBe(positions.length);

    const products = under.eventsOf(ProductUpserted.type);
    expect(new Set(products.map((event) => event.key)).size).toBe(products.length); // once per SKU
    const runner = products.find((event) => event.key === 'APP-10001')!.value as ProductUpserted;
    expect(runner).toMatchObject({ kind: 'STORABLE', active: true, listPrice: { currency: 'USD' } });
    // Fixed promo prices of the seed (five variants at 9.99) and every list price.
    const prices = under.eventsOf(PriceChanged.type).map((event) => event.value as PriceChanged);
    expect(prices.filter((price) => price.priceListId === 'retail-promo')).toHaveLength(5);
    expect(prices.filter((price) => price.priceListId === 'default')).toHaveLength(skus.length);
  }, 60_000);

  it('a poll that finds nothing new publishes nothing (content hashes)', async () => {
    const before = under.events.length;
    await (await inbound(under)).poll('product.product');
    await (await inbound(under)).poll('stock.quant');
    expect(under.events.length).toBe(before);
  }, 30_000);

  it('hundreds of records sharing one write_date each publish exactly once', async () => {
    const city = `Batchville-${version}`;
    const ids = await odoo.createMany('res.partner', Array.from({ length: 350 }, (_, i) => ({ name: `Batch customer ${i}`, customer_rank: 1, city, ref: `BATCH-${version}-${i}` })));
    const [first] = await odoo.read('res.partner', [ids[0]], ['write_date']);
    const [last] = await odoo.read('res.partner', [ids[ids.length - 1]], ['write_date']);
    expect(first.write_date).toBe(last.write_date); // one transaction, one write_date
    const ofBatch = () => under.eventsOf(CustomerUpserted.type).filter((event) => (event.key ?? '').startsWith(`BATCH-${version}-`));
    await (await inbound(under)).poll('res.partner');
    await waitFor(() => ofBatch().length >= 350, { timeoutMs: 20_000, what: '350 CustomerUpserted' });
    // Several more polls (overlap window included) add nothing.
    for (let i = 0; i < 3; i++) await (await inbound(under)).poll('res.partner');
    expect(ofBatch()).toHaveLength(350);
    expect(new Set(ofBatch().map((event) => event.key)).size).toBe(350);

    // One write on 300 products: one new price each, nothing for the others.
    const products = (await odoo.search('product.product', [['default_code', '=like', 'HOM-%']], { limit: 300, order: 'id asc' })).slice(0, 100);
    const templateIds = (await odoo.read<{ id: number; product_tmpl_id: [number, string] }>('product.product', products, ['product_tmpl_id'])).map((p) => p.product_tmpl_id[0]);
    const pricesBefore = under.eventsOf(PriceChanged.type).length;
    await odoo.write('product.template', templateIds, { list_price: 12.34 });
    await (await inbound(under)).poll('product.template');
    await waitFor(() => under.eventsOf(PriceChanged.type).length >= pricesBefore + 100, { timeoutMs: 20_000, what: '100 PriceChanged' });
    for (let i = 0; i < 2; i++) await (await inbound(under)).poll('product.template');
    const newPrices = under.eventsOf(PriceChanged.type).slice(pricesBefore).map((event) => event.value as PriceChanged);
    expect(newPrices).toHaveLength(100);
    expect(newPrices.every((price) => price.price.amountMinor === 1234)).toBe(true);
  }, 60_000);

  it('an Odoo webhook on stock.quant publishes the new position without waiting for a poll', async () => {
    const webhook = await sim.addWebhook({
      model: 'stock.quant',
      url: `${under.adapter.url}/odoo/webhooks/stock.quant`,
      fields: ['product_id', 'location_id', 'quantity', 'write_date'],
      secret: WEBHOOK_SECRET,
    });
    const [product] = await odoo.searchRead<{ id: number; default_code: string }>('product.product', [['default_code', '=', 'ELC-10004']], { fields: ['default_code'] });
    const [warehouse] = await odoo.searchRead<{ id: number; lot_stock_id: [number, string] }>('stock.warehouse', [['code', '=', 'WH']], { fields: ['lot_stock_id'] });
    const inventory = { inventory_mode: true };
    const quantId = await odoo.create('stock.quant', { product_id: product.id, location_id: warehouse.lot_stock_id[0], inventory_quantity: 777 }, { context: inventory });
    await odoo.callMethod('stock.quant', 'action_apply_inventory', [quantId], { context: inventory });

    const position = await waitFor(
      () => under.eventsOf(StockPositionChanged.type).map((event) => event.value as StockPositionChanged).find((value) => value.sku === 'ELC-10004' && value.location.locationId === 'wh-central' && value.onHand.milli === 777_000),
      { timeoutMs: 10_000, what: 'the webhook-driven stock position' },
    );
    expect(position.source).toBe('ODOO');
    const metrics = await (await fetch(`${under.adapter.url}/metrics`)).text();
    expect(metrics).toMatch(/odoo_adapter_stock_freshness_seconds_count\{[^}]*source="webhook"[^}]*\} [1-9]/);
    await sim.admin('DELETE', `/webhooks/${webhook.id}`);
  }, 30_000);

  it('publishes every warehouse as a location, discovers a new one with its stock, and answers ReadStockSnapshot with the quants', async () => {
    const locations = () => new Map(under.eventsOf(StockLocationUpserted.type).map((event) => [event.key, event.value as StockLocationUpserted]));
    await waitFor(() => locations().size >= 6, { timeoutMs: 20_000, what: 'six StockLocationUpserted' });
    expect(locations().get('store-outlet')).toMatchObject({ locationType: 'STORE', warehouseCode: 'OUTL', odooLocationName: 'OUTL/Stock', odooCompany: 'Omnibus Outlet', companyId: 'omnibus-outlet', brand: 'outlet', active: true });

    const code = `X${version}`;
    const warehouseId = await odoo.create('stock.warehouse', { name: `Overflow ${version}`, code });
    const [warehouse] = await odoo.read<{ id: number; lot_stock_id: [number, string] }>('stock.warehouse', [warehouseId], ['lot_stock_id']);
    const [product] = await odoo.searchRead<{ id: number }>('product.product', [['default_code', '=', 'ELC-10004']], { fields: ['id'] });
    await odoo.create('stock.quant', { product_id: product.id, location_id: warehouse.lot_stock_id[0], inventory_quantity_auto_apply: 5 }, { context: { inventory_mode: true } });
    // The warehouse and its stock exist before the poll that discovers the warehouse.
    await (await inbound(under)).poll('stock.warehouse');
    const locationId = `odoo-x${version}`;
    await waitFor(() => locations().get(locationId), { timeoutMs: 20_000, what: `the discovered ${locationId}` });
    expect(locations().get(locationId)).toMatchObject({ locationType: 'WAREHOUSE', warehouseCode: code, odooLocationName: `${code}/Stock`, companyId: 'omnibus-retail' });
    // Stock polling is nearly off in this suite: the discovering poll publishes the new warehouse's stock itself.
    await waitFor(
      () => under.eventsOf(StockPositionChanged.type).find((event) => event.key === 'ELC-10004' && (event.value as StockPositionChanged).location.locationId === locationId),
      { timeoutMs: 20_000, what: `ELC-10004 at ${locationId}` },
    );

    const snapshotId = `snapshot-${version}`;
    await under.publish(ReadStockSnapshot, { snapshotId, locationIds: ['wh-central', locationId], requestedBy: 'test', occurredAt: new Date() });
    const [answer] = await waitFor(() => (under.eventsOf(StockSnapshotPart.type).length > 0 ? under.eventsOf(StockSnapshotPart.type) : undefined), { timeoutMs: 20_000, what: 'the snapshot' });
    const part = answer.value as StockSnapshotPart;
    expect(answer.key).toBe(snapshotId);
    expect(part).toMatchObject({ snapshotId, part: 1, parts: 1, locationIds: [locationId, 'wh-central'].sort(), error: null });
    expect(part.positions.filter((position) => position.locationId === locationId)).toEqual([{ sku: 'ELC-10004', locationId, onHand: { milli: 5_000 }, odooUpdatedAt: expect.any(Date) }]);
    // The snapshot agrees with the positions the adapter published for the central warehouse.
    const published = new Map<string, number>();
    for (const event of under.eventsOf(StockPositionChanged.type)) {
      const value = event.value as StockPositionChanged;
      if (value.location.locationId === 'wh-central') published.set(value.sku, value.onHand.milli);
    }
    const central = part.positions.filter((position) => position.locationId === 'wh-central');
    expect(central.length).toBeGreaterThan(100);
    expect(Object.fromEntries(central.map((position) => [position.sku, position.onHand.milli]))).toEqual(Object.fromEntries([...published].filter(([, milli]) => milli !== 0)));
  }, 60_000);

  it('a SKU Odoo renamed is looked up again once the sync sees the change: an order for the old SKU is refused, not booked on the renamed product', async () => {
    const oldSku = `REN-${version}`;
    const newSku = `REN-${version}-B`;
    const templateId = await odoo.create('product.template', { name: `Renamed ${version}`, default_code: oldSku });
    const results = (orderId: string) => under.events.filter((event) => event.topic === under.topics['odoo.results'] && event.key === orderId);
    await under.publish(CreateSaleOrder, createSaleOrder(`REN-A-${version}`, [{ sku: oldSku, quantity: 1 }]));
    await waitFor(() => results(`REN-A-${version}`).find((event) => event.type === OdooCommandSucceeded.type), { timeoutMs: 20_000, what: 'the first order' });

    await odoo.write('product.template', [templateId], { default_code: newSku });
    await (await inbound(under)).poll('product.product');
    await under.publish(CreateSaleOrder, createSaleOrder(`REN-B-${version}`, [{ sku: oldSku, quantity: 1 }]));
    const failed = await waitFor(() => results(`REN-B-${version}`).find((event) => event.type === OdooCommandFailed.type)?.value as OdooCommandFailed | undefined, {
      timeoutMs: 20_000,
      what: 'the order for the old SKU refused',
    });
    expect(failed).toMatchObject({ failure: 'MISSING_RECORD', errorMessage: expect.stringContaining(oldSku) });
  }, 60_000);

  it('refuses a webhook without the shared secret', async () => {
    const wrong = await fetch(`${under.adapter.url}/odoo/webhooks/stock.quant?secret=nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"_id": 1}' });
    expect(wrong.status).toBe(401);
    const missing = await fetch(`${under.adapter.url}/odoo/webhooks/stock.quant`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"_id": 1}' });
    expect(missing.status).toBe(401);
    const header = await fetch(`${under.adapter.url}/odoo/webhooks/stock.quant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-odoo-webhook-secret': WEBHOOK_SECRET },
      body: '{"_id": 1, "_model": "stock.quant"}',
    });
    expect(header.status).toBe(200);
  });
});

async function inbound(under: AdapterUnderTest) {
  const { InboundSyncService } = await import('../src/inbound/inbound-sync.service');
  return under.adapter.app.get(InboundSyncService).engine();
}
