import { Database } from '../orm/database';
import { Env, type OrmState } from '../orm/env';
import { create } from '../orm/orm';
import { nowMicros } from '../orm/time';
import type { OdooVersion, Vals } from '../orm/types';
import { baseFieldRows } from '../models/ir-model';

/**
 * Deterministic retail seed data: two companies, five warehouses (two DCs, three stores) plus an outlet of
 * the second company, ~1000 stocked products with SKUs, pricelists, customers, a drop-ship vendor, taxes,
 * a small chart of accounts and journals. Same seed -> same records and ids.
 */

export interface SeedOptions {
  seed?: number;
  productCount?: number;
  customerCount?: number;
}

/** Well-known ids the README documents (stable across versions and seeds). */
export const SEED_IDS = {
  companyMain: 1,
  companyOutlet: 2,
  userSystem: 1,
  userAdmin: 2,
  userIntegration: 6,
  userViewer: 7,
  currencyUsd: 1,
  currencyEur: 2,
  pricelistPublic: 1,
  pricelistPromo: 2,
  taxSale15: 1,
  taxPurchase15: 2,
  locationVendors: 4,
  locationCustomers: 5,
  locationInventoryLoss: 6,
  warehouseCentral: 1,
  warehouseNorth: 2,
  storeDowntown: 3,
  storeMall: 4,
  storeAirport: 5,
  warehouseOutlet: 6,
} as const;

export const SEED_PASSWORDS: Record<string, string> = { admin: 'admin', integration: 'integration', viewer: 'viewer' };

/** mulberry32: a tiny seeded PRNG so the catalogue is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEPARTMENTS: Array<{ name: string; code: string; nouns: string[] }> = [
  { name: 'Apparel', code: 'APP', nouns: ['T-Shirt', 'Hoodie', 'Jacket', 'Jeans', 'Dress', 'Scarf', 'Polo', 'Sweater'] },
  { name: 'Footwear', code: 'FTW', nouns: ['Sneakers', 'Boots', 'Sandals', 'Loafers', 'Running Shoes', 'Slippers'] },
  { name: 'Home & Kitchen', code: 'HOM', nouns: ['Mug', 'Kettle', 'Pan', 'Knife Set', 'Cushion', 'Lamp', 'Towel', 'Blender'] },
  { name: 'Electronics', code: 'ELC', nouns: ['Headphones', 'Speaker', 'Charger', 'Power Bank', 'Keyboard', 'Mouse', 'Webcam'] },
  { name: 'Beauty', code: 'BTY', nouns: ['Shampoo', 'Face Cream', 'Lip Balm', 'Perfume', 'Soap', 'Serum'] },
  { name: 'Toys', code: 'TOY', nouns: ['Puzzle', 'Robot', 'Plush Bear', 'Board Game', 'Kite', 'Building Set'] },
  { name: 'Garden', code: 'GRD', nouns: ['Planter', 'Hose', 'Shears', 'Seed Kit', 'Watering Can', 'Gloves'] },
  { name: 'Grocery', code: 'GRO', nouns: ['Coffee Beans', 'Green Tea', 'Olive Oil', 'Dark Chocolate', 'Honey', 'Pasta'] },
];
const ADJECTIVES = ['Classic', 'Urban', 'Eco', 'Premium', 'Everyday', 'Nordic', 'Vintage', 'Sport', 'Compact', 'Deluxe', 'Organic', 'Smart'];
const COLOURS = ['Black', 'White', 'Navy', 'Red', 'Olive', 'Grey', 'Sand', 'Blue', 'Green', 'Pink'];
const FIRST = ['Ava', 'Liam', 'Mia', 'Noah', 'Emma', 'Lucas', 'Zoe', 'Ethan', 'Ines', 'Omar', 'Sofia', 'Hugo', 'Chloe', 'Ravi', 'Nina', 'Leo'];
const LAST = ['Martin', 'Nguyen', 'Garcia', 'Smith', 'Kowalski', 'Dubois', 'Rossi', 'Khan', 'Silva', 'Muller', 'Jensen', 'Okafor'];
const CITIES = ['Springfield', 'Riverton', 'Lakeside', 'Fairview', 'Georgetown', 'Maplewood', 'Oakdale', 'Brookfield'];

function ean13(body12: string): string {
  const digits = body12.split('').map(Number);
  const sum = digits.reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 1 : 3), 0);
  return body12 + String((10 - (sum % 10)) % 10);
}

export function seedDatabase(state: OrmState, options: SeedOptions = {}): void {
  const version: OdooVersion = state.version;
  const random = prng(options.seed ?? 42);
  const db: Database = state.db;
  db.begin(nowMicros());
  const env = new Env(state, 1, {}, true);
  const make = (model: string, vals: Vals) => create(env, model, [vals])[0];
  const makeMany = (model: string, valsList: Vals[]) => create(env, model, valsList);

  make('res.currency', { name: 'USD', symbol: '$' });
  make('res.currency', { name: 'EUR', symbol: '€' });
  makeMany('res.country', [
    { name: 'United States', code: 'US' },
    { name: 'Canada', code: 'CA' },
    { name: 'Germany', code: 'DE' },
  ]);

  // Partners 1-5 mirror a fresh database: company, OdooBot, admin, then ours.
  make('res.partner', { name: 'Omnibus Retail', is_company: true, email: 'info@omnibus-retail.example', city: 'Springfield', country_id: 1 });
  make('res.partner', { name: 'OdooBot', email: 'odoobot@example.com', active: false });
  make('res.partner', { name: 'Mitchell Admin', email: 'admin@omnibus-retail.example', company_id: false });
  make('res.partner', { name: 'Omnibus Outlet', is_company: true, city: 'Riverton', country_id: 1 });
  make('res.partner', { name: 'Integration Bot', email: 'integration@omnibus-retail.example' });
  make('res.partner', { name: 'Read-only Viewer', email: 'viewer@omnibus-retail.example' });
  make('res.company', { name: 'Omnibus Retail', partner_id: 1, currency_id: 1 });
  make('res.company', { name: 'Omnibus Outlet', partner_id: 4, currency_id: 1 });
  db.update('res.partner', 1, { company_id: 1 });
  db.update('res.partner', 4, { company_id: 2 });

  const users: Vals[] = [
    { login: '__system__', partner_id: 2, company_id: 1, company_ids: [1, 2], active: false },
    { login: 'admin', partner_id: 3, company_id: 1, company_ids: [1, 2] },
    { login: 'default', partner_id: 3, company_id: 1, company_ids: [1], active: false, share: false },
    { login: 'public', partner_id: 3, company_id: 1, company_ids: [1], active: false, share: true },
    { login: 'portaltemplate', partner_id: 3, company_id: 1, company_ids: [1], active: false, share: true },
    { login: 'integration', partner_id: 5, company_id: 1, company_ids: [1] },
    { login: 'viewer', partner_id: 6, company_id: 1, company_ids: [1] },
  ];
  for (const vals of users) {
    const id = make('res.users', vals);
    const password = SEED_PASSWORDS[vals.login as string];
    if (password) db.update('res.users', id, { __password: password });
  }

  // Product master data
  make('uom.uom', { name: 'Units', factor: 1 });
  make('uom.uom', { name: 'Dozens', factor: 1 / 12 });
  make('uom.uom', { name: 'kg', factor: 1 });
  make('product.category', { name: 'All' });
  make('product.category', { name: 'Saleable', parent_id: 1 });
  const categoryIds = DEPARTMENTS.map((dept) => make('product.category', { name: dept.name, parent_id: 2 }));

  // Accounting
  make('account.tax', { name: '15%', amount: 15, amount_type: 'percent', type_tax_use: 'sale', company_id: 1 });
  make('account.tax', { name: '15%', amount: 15, amount_type: 'percent', type_tax_use: 'purchase', company_id: 1 });
  const account = (code: string, name: string, accountType: string, reconcile = false) =>
    make('account.account', {
      code,
      name,
      account_type: accountType,
      reconcile,
      ...(version >= 18 ? { company_ids: [[6, 0, [1]]] } : { company_id: 1 }),
    });
  const receivable = account('121000', 'Account Receivable', 'asset_receivable', true);
  account('211000', 'Account Payable', 'liability_payable', true);
  const bank = account('101401', 'Bank', 'asset_cash');
  const cash = account('101501', 'Cash', 'asset_cash');
  account('101402', 'Bank Suspense Account', 'asset_current');
  account('101403', 'Outstanding Receipts', 'asset_current', true);
  account('110100', 'Stock Valuation', 'asset_current');
  account('251000', 'Tax Received', 'liability_current');
  account('131000', 'Tax Paid', 'asset_current');
  const income = account('400000', 'Product Sales', 'income');
  const expense = account('600000', 'Expenses', 'expense');
  account('500000', 'Cost of Goods Sold', 'expense_direct_cost');
  account('999999', 'Undistributed Profits/Losses', 'equity_unaffected');
  void receivable;
  makeMany('account.journal', [
    { name: 'Customer Invoices', code: 'INV', type: 'sale', default_account_id: income, sequence: 5, company_id: 1 },
    { name: 'Vendor Bills', code: 'BILL', type: 'purchase', default_account_id: expense, sequence: 6, company_id: 1 },
    { name: 'Miscellaneous Operations', code: 'MISC', type: 'general', sequence: 7, company_id: 1 },
    { name: 'Bank', code: 'BNK1', type: 'bank', default_account_id: bank, sequence: 10, company_id: 1 },
    { name: 'Cash', code: 'CSH1', type: 'cash', default_account_id: cash, sequence: 11, company_id: 1 },
  ]);
  makeMany('account.payment.method.line', [
    { name: 'Manual Payment', payment_type: 'inbound', journal_id: 4 },
    { name: 'Manual Payment', payment_type: 'outbound', journal_id: 4 },
  ]);

  // Locations 1-7 like a fresh stock install, then one view + stock location per warehouse.
  make('stock.location', { name: 'Physical Locations', usage: 'view' });
  make('stock.location', { name: 'Partners', usage: 'view' });
  make('stock.location', { name: 'Virtual Locations', usage: 'view' });
  make('stock.location', { name: 'Vendors', usage: 'supplier', location_id: 2 });
  make('stock.location', { name: 'Customers', usage: 'customer', location_id: 2 });
  make('stock.location', { name: 'Inventory adjustment', usage: 'inventory', location_id: 3 });
  make('stock.location', { name: 'Scrap', usage: 'inventory', location_id: 3, ...(version <= 17 ? { scrap_location: true } : {}) });

  const warehouses = [
    { name: 'Central Warehouse', code: 'WH', company: 1 },
    { name: 'North Distribution Center', code: 'NDC', company: 1 },
    { name: 'Store Downtown', code: 'ST01', company: 1 },
    { name: 'Store Mall', code: 'ST02', company: 1 },
    { name: 'Store Airport', code: 'ST03', company: 1 },
    { name: 'Outlet Store', code: 'OUTL', company: 2 },
  ];
  const stockLocations: number[] = [];
  warehouses.forEach((wh, index) => {
    const view = make('stock.location', { name: wh.code, usage: 'view', location_id: 1, company_id: wh.company });
    const stock = make('stock.location', { name: 'Stock', usage: 'internal', location_id: view, company_id: wh.company, barcode: `${wh.code}-STOCK` });
    stockLocations.push(stock);
    const warehouseId = index + 1;
    const types = makeMany('stock.picking.type', [
      { name: 'Receipts', code: 'incoming', sequence_code: 'IN', default_location_src_id: 4, default_location_dest_id: stock, company_id: wh.company },
      { name: 'Delivery Orders', code: 'outgoing', sequence_code: 'OUT', default_location_src_id: stock, default_location_dest_id: 5, company_id: wh.company },
      { name: 'Internal Transfers', code: 'internal', sequence_code: 'INT', default_location_src_id: stock, default_location_dest_id: stock, company_id: wh.company },
    ]);
    const id = make('stock.warehouse', {
      name: wh.name,
      code: wh.code,
      company_id: wh.company,
      partner_id: wh.company === 1 ? 1 : 4,
      view_location_id: view,
      lot_stock_id: stock,
      in_type_id: types[0],
      out_type_id: types[1],
      int_type_id: types[2],
    });
    if (id !== warehouseId) throw new Error('seed: unexpected warehouse id');
    for (const typeId of types) db.update('stock.picking.type', typeId, { warehouse_id: id });
    db.update('stock.picking.type', types[1], { return_picking_type_id: types[0] });
  });

  // Drop-ship vendor and pricelists
  make('res.partner', { name: 'Dropship Direct Ltd', is_company: true, supplier_rank: 1, ref: 'DS-001', email: 'orders@dropship-direct.example', city: 'Oakdale', country_id: 1 });
  make('product.pricelist', { name: 'Public Pricelist', currency_id: 1, sequence: 1 });
  const promo = make('product.pricelist', { name: 'Retail Promo', currency_id: 1, sequence: 2, company_id: 1 });

  // Catalogue
  const storable = version >= 18 ? { type: 'consu', is_storable: true } : { type: 'product' };
  const productCount = options.productCount ?? 1000;
  const templates: Vals[] = [];
  for (let i = 0; i < productCount; i++) {
    const deptIndex = i % DEPARTMENTS.length;
    const dept = DEPARTMENTS[deptIndex];
    const noun = dept.nouns[Math.floor(random() * dept.nouns.length)];
    const name = `${ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]} ${noun} ${COLOURS[Math.floor(random() * COLOURS.length)]}`;
    const cents = 499 + Math.floor(random() * 195) * 100;
    templates.push({
      name,
      ...storable,
      categ_id: categoryIds[deptIndex],
      list_price: cents / 100,
      default_code: `${dept.code}-${String(10001 + i)}`,
      barcode: ean13(`400${String(1000000 + i).padStart(9, '0')}`),
      taxes_id: [[6, 0, [1]]],
      sale_ok: true,
      purchase_ok: true,
    });
  }
  makeMany('product.template', templates);
  for (let i = 0; i < productCount; i++) {
    db.update('product.product', i + 1, { standard_price: Math.round(((templates[i].list_price as number) * 55) / 100 * 100) / 100 });
  }
  make('product.template', { name: 'Gift Wrapping', type: 'service', list_price: 4.99, default_code: 'SRV-WRAP', taxes_id: [[6, 0, [1]]] });
  make('product.template', { name: 'Home Delivery', type: 'service', list_price: 7.5, default_code: 'SRV-SHIP', taxes_id: [[6, 0, [1]]] });
  make('product.template', { name: 'Paper Bag', type: 'consu', list_price: 0.2, default_code: 'CON-BAG' });
  make('product.template', { name: 'Order Discount', type: 'service', list_price: 0, default_code: 'SRV-DISC', taxes_id: [[6, 0, []]] });

  // Quants: every product in the central warehouse, half in the DC, a third in each store.
  const quants: Vals[] = [];
  for (let productId = 1; productId <= productCount; productId++) {
    quants.push({ product_id: productId, location_id: stockLocations[0], quantity: 20 + Math.floor(random() * 180) });
    if (productId % 2 === 0) quants.push({ product_id: productId, location_id: stockLocations[1], quantity: 10 + Math.floor(random() * 90) });
    if (productId % 3 === 0) {
      for (const store of [2, 3, 4]) quants.push({ product_id: productId, location_id: stockLocations[store], quantity: Math.floor(random() * 25) });
    }
    if (productId % 10 === 0) quants.push({ product_id: productId, location_id: stockLocations[5], quantity: 5 + Math.floor(random() * 20) });
  }
  makeMany('stock.quant', quants);

  // Promo pricelist rules: 10% off apparel, a fixed price for five SKUs, 15% off from 10 units.
  makeMany('product.pricelist.item', [
    { pricelist_id: promo, applied_on: '2_product_category', categ_id: categoryIds[0], compute_price: 'percentage', percent_price: 10 },
    ...[2, 4, 6, 8, 10].map((productId) => ({ pricelist_id: promo, applied_on: '0_product_variant', product_id: productId, compute_price: 'fixed', fixed_price: 9.99 })),
    { pricelist_id: promo, applied_on: '3_global', min_quantity: 10, compute_price: 'percentage', percent_price: 15 },
  ]);

  // Customers: individuals and a few companies with contacts; every 50th archived.
  const customerCount = options.customerCount ?? 200;
  for (let i = 0; i < customerCount; i++) {
    const first = FIRST[Math.floor(random() * FIRST.length)];
    const last = LAST[Math.floor(random() * LAST.length)];
    const isCompany = i % 20 === 0;
    const name = isCompany ? `${last} ${['Trading', 'Group', 'Stores', 'Outfitters'][i % 4]}` : `${first} ${last}`;
    const id = make('res.partner', {
      name,
      is_company: isCompany,
      email: `${(isCompany ? last : `${first}.${last}`).toLowerCase()}.${i + 1}@customers.example`,
      phone: `+1 555 ${String(1000 + i).padStart(4, '0')}`,
      city: CITIES[i % CITIES.length],
      zip: String(10000 + Math.floor(random() * 89999)),
      country_id: 1,
      customer_rank: 1,
      ref: `CUST-${String(i + 1).padStart(5, '0')}`,
      active: i % 50 !== 49,
      property_product_pricelist: i % 4 === 0 ? promo : 1,
    });
    if (isCompany) make('res.partner', { name: `${first} ${last}`, parent_id: id, type: 'contact', email: `${first.toLowerCase()}@${last.toLowerCase()}.example`, customer_rank: 1 });
  }

  // A few of the xml ids every Odoo database has (env.ref / check_object_reference use them).
  const xmlids: Array<[string, string, string, number]> = [
    ['base', 'main_company', 'res.company', 1],
    ['base', 'main_partner', 'res.partner', 1],
    ['base', 'partner_admin', 'res.partner', 3],
    ['base', 'user_root', 'res.users', 1],
    ['base', 'user_admin', 'res.users', 2],
    ['base', 'USD', 'res.currency', 1],
    ['base', 'EUR', 'res.currency', 2],
    ['base', 'us', 'res.country', 1],
    ['uom', 'product_uom_unit', 'uom.uom', 1],
    ['product', 'product_category_all', 'product.category', 1],
    ['product', 'list0', 'product.pricelist', 1],
    ['stock', 'warehouse0', 'stock.warehouse', 1],
    ['stock', 'stock_location_stock', 'stock.location', stockLocations[0]],
    ['stock', 'stock_location_suppliers', 'stock.location', 4],
    ['stock', 'stock_location_customers', 'stock.location', 5],
    ['stock', 'stock_location_inventory', 'stock.location', 6],
    ['stock', 'picking_type_in', 'stock.picking.type', 1],
    ['stock', 'picking_type_out', 'stock.picking.type', 2],
  ];
  makeMany(
    'ir.model.data',
    xmlids.map(([module, name, model, resId]) => ({ module, name, model, res_id: resId, noupdate: true })),
  );

  // ir.model: one row per model of this version (odoorpc checks `'x' in odoo.env` through it).
  const models = [...state.registry.models.values()];
  const modelIds = makeMany(
    'ir.model',
    models.map((model) => ({ name: model.description, model: model.name, transient: Boolean(model.transient), state: 'base' })),
  );
  // ir.model.fields: the base fields, for introspection and for the custom-field checks (one2many inverses).
  makeMany('ir.model.fields', models.flatMap((model, i) => baseFieldRows(model, modelIds[i])));
  db.commit();
}
