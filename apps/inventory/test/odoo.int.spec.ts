// Inventory with the real odoo-adapter and Odoo simulator: locations learned from Odoo's warehouses,
// the drift check through Kafka (ReadStockSnapshot → StockSnapshotPart), `omnibus inventory drift`, and
// invariant violations published once. Real Kafka and PostgreSQL; the adapter and the simulator run as
// child processes, inventory in this process.
import { CreateReturnPicking, OdooCommandSucceeded, ReturnDispositioned, StockDriftDetected, StockInvariantViolated, StockLocationUpserted } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, startApp, startSchemaRegistry } from '@omnibus/messaging/testing';
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { createTestDatabase, runOmnibus, testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { InventoryConfig } from '../src/config';
import type { DriftReport } from '../src/drift/drift-check';
import { inventoryService } from '../src/service';

jest.setTimeout(120_000);

const CATALOGUE_TOPICS = [
  'odoo.commands', 'odoo.results', 'retail.catalog', 'retail.customers', 'retail.inventory', 'retail.locations', 'odoo.stock-snapshots',
  'inventory.commands', 'retail.reservations', 'inventory.checks', 'retail.shipments', 'retail.returns',
] as const;
const adapterConsumer = uniqueName('odoo-adapter-inventory');
const inventoryConsumer = uniqueName('inventory-odoo');

let registry: AppProcess;
let sim: OdooSimProcess;
let adapter: AppProcess;
let adapterDb: Client;
let inventory: TestService<InventoryConfig>;
let db: DataSource;
let recorder: EventRecorder;
let publisher: EventPublisher;
let odoo: OdooClient;
let ops: string;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;

beforeAll(async () => {
  [registry, sim, { topics }] = await Promise.all([startSchemaRegistry('inventory_odoo'), OdooSimProcess.start({ version: 17, products: 30 }), createUniqueTopics(CATALOGUE_TOPICS, [adapterConsumer, inventoryConsumer])]);
  const adapterDatabase = await createTestDatabase('odoo_adapter_inventory');
  const shared = { KAFKA_BROKERS: testBrokers().join(','), SCHEMA_REGISTRY_URL: registry.url, TOPIC_OVERRIDES: JSON.stringify(topics) };
  [adapter, inventory, recorder] = await Promise.all([
    startApp(
      'odoo-adapter',
      {
        ...shared,
        DATABASE_URL: adapterDatabase.url,
        ODOO_URL: sim.url,
        ODOO_CONSUMER_SERVICE: adapterConsumer,
        ODOO_STOCK_POLL_INTERVAL_MS: '200',
        ODOO_CATALOG_POLL_INTERVAL_MS: '200',
        ODOO_FULL_RESYNC_INTERVAL_MS: '0',
        ODOO_SYNC_SWEEP_INTERVAL_MS: '3600000',
      },
      { cleanup: () => adapterDatabase.drop() },
    ),
    startTestService(inventoryService, {
      ...shared,
      INVENTORY_CONSUMER_SERVICE: inventoryConsumer,
      INVENTORY_NETWORK_FILE: path.join(__dirname, 'odoo-network.yaml'),
      DRIFT_CHECK_INTERVAL_MS: '0',
      DRIFT_SETTLE_SECONDS: '1',
      INVARIANT_CHECK_INTERVAL_MS: '0',
    }) as Promise<TestService<InventoryConfig>>,
    EventRecorder.start([topics['retail.locations'], topics['inventory.checks'], topics['odoo.results']], registry.url),
  ]);
  publisher = await EventPublisher.start(registry.url);
  adapterDb = new Client({ connectionString: adapterDatabase.url });
  await adapterDb.connect();
  db = inventory.app.get(DataSource);
  odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin' });
  ops = await issueToken({ sub: 'operator:test', scopes: ['ops:read'] });
}, 120_000);

afterAll(async () => {
  await Promise.all([recorder?.stop(), publisher?.stop(), odoo?.close(), adapterDb?.end(), inventory?.stop(), adapter?.stop()]);
  await Promise.all([sim?.stop(), registry?.stop()]);
}, 60_000);

const get = async (route: string) => (await inventory.request(route, { headers: { authorization: `Bearer ${ops}` } })).json() as Promise<any>;
const locations = async (): Promise<Array<Record<string, unknown>>> => (await get('/stock/locations')).locations;
const skuOf = async (productId: number) => (await odoo.read<{ id: number; default_code: string }>('product.product', [productId], ['default_code']))[0].default_code;
const onHand = async (sku: string, locationId: string) => (await db.query(`SELECT on_hand::int AS "onHand" FROM stock_positions WHERE sku = $1 AND location_id = $2`, [sku, locationId]))[0]?.onHand;

/** Inventory holds every position the adapter published from Odoo. */
const caughtUp = () =>
  waitFor(
    async () => {
      const [{ published }] = (await adapterDb.query(`SELECT count(*)::int AS published FROM odoo_sync_state WHERE kind = 'stock'`)).rows;
      const [{ applied }] = await db.query(`SELECT count(*)::int AS applied FROM stock_source_marks WHERE source = 'odoo'`);
      return published > 0 && applied === published;
    },
    { timeoutMs: 60_000, what: "inventory to hold every position of Odoo's" },
  );

/** A drift run over HTTP, to its end. */
const driftRun = async (): Promise<DriftReport> => {
  const started = await inventory.request('/stock/drift', { method: 'POST', headers: { authorization: `Bearer ${ops}` } });
  expect(started.status).toBe(202);
  const { runId } = (await started.json()) as DriftReport;
  return waitFor(async () => {
    const report = (await get(`/stock/drift/${runId}`)) as DriftReport;
    return report.status === 'requested' ? undefined : report;
  }, { timeoutMs: 30_000, what: `drift run ${runId} to end` });
};

describe("Odoo's warehouses as inventory locations", () => {
  it('every warehouse becomes a location with the network settings for its company; a configured one keeps its configuration', async () => {
    await waitFor(async () => (await locations()).length >= 6, { timeoutMs: 60_000, what: "Odoo's six warehouses as locations" });
    const byId = new Map((await locations()).map((location) => [location.id, location]));
    expect(byId.get('dc-north')).toEqual({ id: 'dc-north', kind: 'warehouse', region: 'eu-north', brand: 'omnibus-retail', channels: ['web'], safetyStock: 0, origin: 'odoo' });
    expect(byId.get('store-downtown')).toMatchObject({ kind: 'store', region: 'eu-north', origin: 'odoo' });
    expect(byId.get('store-outlet')).toMatchObject({ kind: 'store', region: 'eu-south', brand: 'outlet', origin: 'odoo' });
    expect(byId.get('wh-central')).toMatchObject({ kind: 'warehouse', region: 'eu-west', origin: 'config' });
  });

  it('a warehouse created in Odoo appears as a location, with its stock', async () => {
    const warehouseId = await odoo.create('stock.warehouse', { name: 'Harbour Warehouse', code: 'HBR' });
    const [warehouse] = await odoo.read<{ id: number; lot_stock_id: [number, string] }>('stock.warehouse', [warehouseId], ['lot_stock_id']);
    expect(warehouse.lot_stock_id[1]).toBe('HBR/Stock'); // Odoo builds the warehouse's locations itself
    await odoo.create('stock.quant', { product_id: 1, location_id: warehouse.lot_stock_id[0], inventory_quantity_auto_apply: 42 }, { context: { inventory_mode: true } });
    const sku = await skuOf(1);

    await waitFor(async () => (await onHand(sku, 'odoo-hbr')) === 42_000, { timeoutMs: 30_000, what: 'the new warehouse\'s stock in inventory' });
    expect((await locations()).find((location) => location.id === 'odoo-hbr')).toMatchObject({ kind: 'warehouse', region: 'eu-north', origin: 'odoo' });
    const [announced] = recorder.of('odoo-hbr', StockLocationUpserted.type);
    expect(announced.value).toMatchObject({ locationType: 'WAREHOUSE', name: 'Harbour Warehouse', warehouseCode: 'HBR', odooLocationName: 'HBR/Stock', odooCompany: 'Omnibus Retail', companyId: 'omnibus-retail', active: true });
  });
});

describe('the drift check against Odoo', () => {
  it('finds nothing while inventory matches Odoo (and the CLI says so, exit 0)', async () => {
    await caughtUp();
    const cli = await runOmnibus(['inventory', 'drift', '--url', inventory.url, '--timeout', '30']);
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: '' });
    expect(cli.stdout).toMatch(/^inventory matches Odoo at 7 location\(s\) \(snapshot .+\)$/m);
    const report = (await get('/stock/drift')) as DriftReport;
    expect(report).toMatchObject({ status: 'complete', ok: true, drift: [], pending: [] });
    expect(recorder.events.filter((event) => event.type === StockDriftDetected.type)).toEqual([]);
  });

  it('reports a settled difference with Odoo per location as an event and in the CLI (exit 1)', async () => {
    const sku = await skuOf(2); // product 2 is stocked in the DC
    const odooOnHand = await onHand(sku, 'dc-north');
    expect(odooOnHand).toBeGreaterThan(3_000);
    const wms = await issueToken({ sub: 'system:wms', scopes: ['stock:feed'] });
    const fed = await inventory.request('/stock/feeds/wms', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${wms}` },
      body: JSON.stringify({ updates: [{ eventId: uuidv7(), sku, locationId: 'dc-north', kind: 'absolute', quantity: '3', observedAt: new Date().toISOString() }] }),
    });
    expect(fed.status).toBe(200);

    // Just after the move the difference may still be settling (DRIFT_SETTLE_SECONDS=1): run until it counts.
    const report = await waitFor(async () => {
      const run = await driftRun();
      return run.drift.length > 0 ? run : undefined;
    }, { timeoutMs: 30_000, what: 'the drift to be reported' });
    expect(report.drift).toEqual([
      { locationId: 'dc-north', sku, inventoryOnHand: '3', odooOnHand: String(odooOnHand / 1000), difference: String(3 - odooOnHand / 1000), odooUpdatedAt: expect.any(String), reason: null },
    ]);
    expect(report.ok).toBe(false);

    const [event] = await recorder.waitFor('dc-north', StockDriftDetected.type);
    expect(event.value).toMatchObject({ locationId: 'dc-north', lines: [{ sku, inventoryOnHand: { milli: 3_000 }, odooOnHand: { milli: odooOnHand }, difference: { milli: 3_000 - odooOnHand } }] });
    expect(recorder.events.filter((e) => e.type === StockDriftDetected.type && e.key !== 'dc-north')).toEqual([]);

    const cli = await runOmnibus(['inventory', 'drift', '--url', inventory.url, '--timeout', '30']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('1 SKU/location(s) differ from Odoo');
    expect(cli.stdout).toMatch(new RegExp(`dc-north\\s+${sku}\\s+3\\s+${odooOnHand / 1000}\\s+${3 - odooOnHand / 1000}\\s+drift`));
    expect(cli.stderr).toBe('omnibus: 1 SKU/location(s) drifted from Odoo\n');
    const json = await runOmnibus(['inventory', 'drift', '--url', inventory.url, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'complete', ok: false, drift: [{ locationId: 'dc-north', sku }] });
  });
});

describe('invariant violations', () => {
  const check = async () => (await get('/stock/invariants')) as { ok: boolean; violations: Array<{ rule: string; sku: string; locationId: string }> };
  const outboxDrained = () =>
    waitFor(async () => (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`))[0].n === 0, { timeoutMs: 20_000, what: "inventory's outbox to be published" });
  const announced = (sku: string) => recorder.events.filter((event) => event.type === StockInvariantViolated.type && event.value.sku === sku);

  it('a violation is published once, not again by later checks while it persists, and again if it comes back', async () => {
    const sku = await skuOf(4);
    await db.query(`UPDATE stock_positions SET reserved = reserved + 1000 WHERE sku = $1 AND location_id = 'dc-north'`, [sku]);
    const first = await check();
    const rules = first.violations.filter((violation) => violation.sku === sku).map((violation) => violation.rule);
    // The tampered row no longer matches its ledger, its reservations, nor the availability projection.
    expect(rules.sort()).toEqual(['position_matches_ledger', 'projection_matches_position', 'reserved_matches_reservations']);
    await waitFor(() => announced(sku).length >= 3, { timeoutMs: 20_000, what: 'three StockInvariantViolated' });
    expect([...announced(sku).map((event) => event.value)].sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([
      expect.objectContaining({ rule: 'POSITION_MATCHES_LEDGER', sku, locationId: 'dc-north' }),
      expect.objectContaining({ rule: 'PROJECTION_MATCHES_POSITION', sku, locationId: 'dc-north' }),
      expect.objectContaining({ rule: 'RESERVED_MATCHES_RESERVATIONS', sku, locationId: 'dc-north', detail: expect.stringContaining('reserved 1000') }),
    ]);
    expect(announced(sku).every((event) => event.key === 'dc-north')).toBe(true);

    await check();
    await check();
    await outboxDrained();
    expect(announced(sku)).toHaveLength(3);

    await db.query(`UPDATE stock_positions SET reserved = reserved - 1000 WHERE sku = $1 AND location_id = 'dc-north'`, [sku]);
    expect((await check()).violations.filter((violation) => violation.sku === sku)).toEqual([]);
    await db.query(`UPDATE stock_positions SET reserved = reserved + 1000 WHERE sku = $1 AND location_id = 'dc-north'`, [sku]);
    await check();
    await waitFor(() => announced(sku).length >= 6, { timeoutMs: 20_000, what: 'the recurring violations announced again' });
    await db.query(`UPDATE stock_positions SET reserved = reserved - 1000 WHERE sku = $1 AND location_id = 'dc-north'`, [sku]);
  });
});

describe('returns at an Odoo store', () => {
  it("a return picking validated in Odoo (2 in, 1 scrapped) and the disposition RESTOCK 1 + DAMAGED 1 put the unit back once: Odoo's count brings it", async () => {
    await caughtUp();
    // A delivered order of 2 from the central warehouse, straight in Odoo.
    const [productId] = await odoo.search('product.product', [['default_code', '!=', false]], { limit: 1, order: 'id asc' });
    const sku = await skuOf(productId);
    const orderId = uuidv7();
    const saleOrder = await odoo.create('sale.order', { partner_id: 8, client_order_ref: orderId, order_line: [[0, 0, { product_id: productId, product_uom_qty: 2 }]] });
    await odoo.callMethod('sale.order', 'action_confirm', [saleOrder]);
    const [{ picking_ids: [delivery] }] = await odoo.read<{ id: number; picking_ids: number[] }>('sale.order', [saleOrder], ['picking_ids']);
    expect(await odoo.callMethod('stock.picking', 'button_validate', [delivery])).toBe(true);
    await caughtUp();
    const before = (await onHand(sku, 'store-downtown')) ?? 0;

    const returnId = uuidv7();
    const lines = [{ lineId: '1', sku, quantity: { milli: 2000 } }];
    const disposition: ReturnDispositioned = {
      returnId,
      orderId,
      companyId: 'omnibus-retail',
      location: { locationId: 'store-downtown', locationType: 'STORE' },
      lines: [
        { lineId: '1', sku, quantity: { milli: 1000 }, disposition: 'RESTOCK', unitCost: null },
        { lineId: '1', sku, quantity: { milli: 1000 }, disposition: 'DAMAGED', unitCost: null },
      ],
      occurredAt: new Date(),
    };
    const dispositioned = await publisher.publish(ReturnDispositioned, disposition, topics['retail.returns']);
    const command: CreateReturnPicking = {
      commandId: uuidv7(),
      returnId,
      receiptId: `${returnId}-1`,
      orderId,
      companyId: 'omnibus-retail',
      toLocation: { locationId: 'store-downtown', locationType: 'STORE' },
      lines,
      scrapLines: [{ lineId: '1', sku, quantity: { milli: 1000 } }],
      occurredAt: new Date(),
    };
    await publisher.publish(CreateReturnPicking, command, topics['odoo.commands']);
    await waitFor(() => recorder.events.some((event) => event.type === OdooCommandSucceeded.type && (event.value as OdooCommandSucceeded).aggregateId === returnId), { timeoutMs: 30_000, what: 'the return picking done in Odoo' });
    await waitFor(async () => (await db.query(`SELECT 1 FROM messaging_inbox WHERE event_id = $1`, [dispositioned.headers.ce_id])).length === 1, { what: 'the disposition handled' });
    await waitFor(async () => ((await onHand(sku, 'store-downtown')) ?? 0) === before + 1000, { timeoutMs: 30_000, what: "Odoo's count with the restocked unit" });
    await caughtUp();
    expect(await onHand(sku, 'store-downtown')).toBe(before + 1000);
    expect(await db.query(`SELECT count(*)::int AS n FROM stock_ledger WHERE sku = $1 AND source = 'returns'`, [sku])).toEqual([{ n: 0 }]);
  });
});
