import { boolean, char, date, defineModel, float, integer, many2many, many2one, one2many, selection, text } from '../orm/define';
import type { Env } from '../orm/env';
import { validationError } from '../orm/errors';
import { create, write } from '../orm/orm';
import type { FieldSpec } from '../orm/define';
import type { ModelDef, OdooVersion, Row, Vals } from '../orm/types';
import { childIds, rawValue, roundMoney } from '../orm/values';
import { onHandQuantity } from './stock-quantities';

/** product.category, uom.uom, product.template / product.product (delegation), pricelists. */

export function typeSelection(version: OdooVersion): Array<[string, string]> {
  return version >= 18
    ? [
        ['consu', 'Goods'],
        ['service', 'Service'],
        ['combo', 'Combo'],
      ]
    : [
        ['consu', 'Consumable'],
        ['service', 'Service'],
        ['product', 'Storable Product'],
      ];
}

/** 16/17 "storable" = type 'product'; 18+ = type 'consu' with is_storable. */
export function isStorableProduct(env: Env, productId: number): boolean {
  const product = env.db.get('product.product', productId);
  const template = product && env.db.get('product.template', product.product_tmpl_id as number);
  if (!template) return false;
  return env.version >= 18 ? template.type === 'consu' && Boolean(template.is_storable) : template.type === 'product';
}

/** Template fields a variant exposes through _inherits delegation. */
function delegatedFields(version: OdooVersion): string[] {
  return [
    'name', 'type', ...(version <= 17 ? ['detailed_type'] : ['is_storable']), 'list_price', 'categ_id', 'uom_id',
    'sale_ok', 'purchase_ok', 'taxes_id', 'company_id', 'description_sale', 'invoice_policy',
  ];
}

function templateFields(version: OdooVersion): Record<string, FieldSpec | undefined> {
  return {
    name: char('Name', { required: true, translate: true }),
    sequence: integer('Sequence', { default: 1 }),
    description_sale: text('Sales Description', { translate: true }),
    type: selection(typeSelection(version), version >= 18 ? 'Product Type' : 'Type', { required: true, default: 'consu' }),
    detailed_type: version <= 17 ? selection(typeSelection(version), 'Product Type', { required: true, default: 'consu' }) : undefined,
    is_storable: version >= 18 ? boolean('Track Inventory', { default: false }) : undefined,
    categ_id: many2one('product.category', 'Product Category', { required: true, default: 1 }),
    uom_id: many2one('uom.uom', 'Unit of Measure', { required: true, default: 1 }),
    uom_po_id: version <= 18 ? many2one('uom.uom', 'Purchase Unit', { required: true, default: 1 }) : undefined,
    list_price: float('Sales Price', { default: 1.0, digits: [16, 2] }),
    sale_ok: boolean('Can be Sold', { default: true }),
    purchase_ok: boolean('Can be Purchased', { default: true }),
    taxes_id: many2many('account.tax', 'Customer Taxes'),
    company_id: many2one('res.company', 'Company'),
    active: boolean('Active', { default: true }),
    invoice_policy: selection(
      [
        ['order', 'Ordered quantities'],
        ['delivery', 'Delivered quantities'],
      ],
      'Invoicing Policy',
      { default: 'order' },
    ),
  };
}

export function productModels(version: OdooVersion): ModelDef[] {
  const delegated = delegatedFields(version);
  const tmplFields = templateFields(version);

  const variantDelegates: Record<string, FieldSpec | undefined> = {};
  for (const fname of delegated) {
    const spec = tmplFields[fname];
    if (!spec) continue;
    variantDelegates[fname] = {
      ...spec,
      default: undefined,
      required: false,
      compute: (env, row) => {
        const tmpl = env.db.get('product.template', row.product_tmpl_id as number);
        return tmpl ? rawValue(env, env.model('product.template'), tmpl, fname) : false;
      },
      inverse: (env, row, value) => write(env, 'product.template', [row.product_tmpl_id as number], { [fname]: value }),
    };
  }

  const quantityField = (string: string, kind: 'on_hand' | 'free' | 'virtual'): FieldSpec => ({
    type: 'float',
    string,
    compute: (env, row) => onHandQuantity(env, [row.id], kind),
  });

  return [
    defineModel({
      name: 'product.category',
      description: 'Product Category',
      order: 'complete_name',
      parentName: 'parent_id',
      fields: {
        name: char('Name', { required: true }),
        parent_id: many2one('product.category', 'Parent Category', { ondelete: 'cascade' }),
        complete_name: { type: 'char', string: 'Complete Name', compute: (env, row) => categoryName(env, row) },
      },
      displayName: (env, row) => categoryName(env, row),
    }),
    defineModel({
      name: 'uom.uom',
      description: 'Product Unit of Measure',
      order: 'factor DESC, id',
      fields: {
        name: char('Unit of Measure', { required: true, translate: true }),
        factor: float('Ratio', { default: 1.0 }),
        rounding: float('Rounding Precision', { default: 0.01 }),
        active: boolean('Active', { default: true }),
      },
    }),
    defineModel({
      name: 'product.template',
      description: 'Product',
      order: 'priority desc, name',
      fields: {
        ...tmplFields,
        priority: selection(
          [
            ['0', 'Normal'],
            ['1', 'Favorite'],
          ],
          'Favorite',
          { default: '0' },
        ),
        default_code: {
          type: 'char',
          string: 'Internal Reference',
          compute: (env, row) => {
            const variants = activeVariants(env, row.id);
            return variants.length === 1 ? ((env.db.get('product.product', variants[0])?.default_code as string) ?? false) : false;
          },
          inverse: (env, row, value) => {
            const variants = activeVariants(env, row.id);
            if (variants.length === 1) write(env, 'product.product', variants, { default_code: value });
          },
        },
        barcode: {
          type: 'char',
          string: 'Barcode',
          compute: (env, row) => {
            const variants = activeVariants(env, row.id);
            return variants.length === 1 ? ((env.db.get('product.product', variants[0])?.barcode as string) ?? false) : false;
          },
          inverse: (env, row, value) => {
            const variants = activeVariants(env, row.id);
            if (variants.length === 1) write(env, 'product.product', variants, { barcode: value });
          },
        },
        product_variant_ids: one2many('product.product', 'product_tmpl_id', 'Products'),
        product_variant_id: {
          type: 'many2one',
          string: 'Product',
          relation: 'product.product',
          compute: (env, row) => activeVariants(env, row.id)[0] ?? false,
        },
        product_variant_count: { type: 'integer', string: '# Product Variants', compute: (env, row) => activeVariants(env, row.id).length },
        qty_available: {
          type: 'float',
          string: 'Quantity On Hand',
          compute: (env, row) => onHandQuantity(env, activeVariants(env, row.id), 'on_hand'),
        },
        virtual_available: {
          type: 'float',
          string: 'Forecasted Quantity',
          compute: (env, row) => onHandQuantity(env, activeVariants(env, row.id), 'virtual'),
        },
      },
      hooks: {
        beforeCreate: (env, vals) => syncTypeFields(env.version, vals),
        beforeWrite: (env, _ids, vals) => syncTypeFields(env.version, vals),
        afterCreate: (env, ids, valsList) => {
          if (env.context.create_product_product === false) return;
          ids.forEach((id, i) => {
            const vals = valsList[i] ?? {};
            if (childIds(env, env.model('product.template').fields.get('product_variant_ids') as never, id).length) return;
            create(env, 'product.product', [{ product_tmpl_id: id, default_code: vals.default_code ?? false, barcode: vals.barcode ?? false }]);
          });
        },
        afterWrite: (env, ids, vals) => {
          if ('active' in vals) {
            for (const id of ids) {
              const variants = childIds(env, env.model('product.template').fields.get('product_variant_ids') as never, id);
              if (variants.length) write(env, 'product.product', variants, { active: vals.active });
            }
          }
        },
      },
    }),
    defineModel({
      name: 'product.product',
      description: 'Product Variant',
      order: 'default_code, name, id',
      fields: {
        product_tmpl_id: many2one('product.template', 'Product Template', { required: true, ondelete: 'cascade' }),
        default_code: char('Internal Reference'),
        barcode: char('Barcode'),
        active: boolean('Active', { default: true }),
        standard_price: float('Cost', { companyDependent: true }),
        ...variantDelegates,
        lst_price: {
          type: 'float',
          string: 'Sales Price',
          compute: (env, row) => (env.db.get('product.template', row.product_tmpl_id as number)?.list_price as number) ?? 0,
          inverse: (env, row, value) => write(env, 'product.template', [row.product_tmpl_id as number], { list_price: value }),
        },
        qty_available: quantityField('Quantity On Hand', 'on_hand'),
        free_qty: quantityField('Free To Use Quantity ', 'free'),
        virtual_available: quantityField('Forecasted Quantity', 'virtual'),
      },
      hooks: {
        beforeCreate: (env, vals) => {
          // _inherits: creating a variant without a template creates the template from the delegated values.
          const tmplVals: Vals = {};
          for (const fname of delegated) {
            if (vals[fname] !== undefined) {
              tmplVals[fname] = vals[fname];
              delete vals[fname];
            }
          }
          if (!vals.product_tmpl_id) {
            vals.product_tmpl_id = create(env.withContext({ create_product_product: false }), 'product.template', [tmplVals])[0];
          } else if (Object.keys(tmplVals).length) {
            write(env, 'product.template', [vals.product_tmpl_id as number], tmplVals);
          }
        },
        constrain: (env, ids) => checkBarcodes(env, ids),
      },
      displayName: (env, row) => {
        const tmpl = env.db.get('product.template', row.product_tmpl_id as number);
        const name = (tmpl?.name as string) ?? '';
        return row.default_code ? `[${row.default_code}] ${name}` : name;
      },
    }),
    defineModel({
      name: 'product.pricelist',
      description: 'Pricelist',
      order: 'sequence asc, id asc',
      fields: {
        name: char('Pricelist Name', { required: true, translate: true }),
        active: boolean('Active', { default: true }),
        sequence: integer('Sequence', { default: 16 }),
        currency_id: many2one('res.currency', 'Currency', { required: true, default: 1 }),
        company_id: many2one('res.company', 'Company'),
        item_ids: one2many('product.pricelist.item', 'pricelist_id', 'Pricelist Rules'),
      },
    }),
    defineModel({
      name: 'product.pricelist.item',
      description: 'Pricelist Rule',
      order: 'applied_on, min_quantity desc, categ_id desc, id desc',
      fields: {
        pricelist_id: many2one('product.pricelist', 'Pricelist', { required: true, ondelete: 'cascade' }),
        applied_on: selection(
          [
            ['3_global', 'All Products'],
            ['2_product_category', 'Product Category'],
            ['1_product', 'Product'],
            ['0_product_variant', 'Product Variant'],
          ],
          'Apply On',
          { required: true, default: '3_global' },
        ),
        product_tmpl_id: many2one('product.template', 'Product', { ondelete: 'cascade' }),
        product_id: many2one('product.product', 'Product Variant', { ondelete: 'cascade' }),
        categ_id: many2one('product.category', 'Product Category', { ondelete: 'cascade' }),
        min_quantity: float('Min. Quantity', { default: 0 }),
        date_start: date('Start Date'),
        date_end: date('End Date'),
        compute_price: selection(
          [
            ['fixed', 'Fixed Price'],
            ['percentage', 'Discount'],
            ['formula', 'Formula'],
          ],
          'Computation',
          { required: true, default: 'fixed' },
        ),
        fixed_price: float('Fixed Price'),
        percent_price: float('Percentage Price'),
        base: selection(
          [
            ['list_price', 'Sales Price'],
            ['standard_price', 'Cost'],
            ['pricelist', 'Other Pricelist'],
          ],
          'Based on',
          { required: true, default: 'list_price' },
        ),
        price_discount: float('Price Discount'),
        price_surcharge: float('Price Surcharge'),
        company_id: many2one('res.company', 'Company'),
      },
    }),
  ];
}

function categoryName(env: Env, row: Row): string {
  const parent = row.parent_id ? env.db.get('product.category', row.parent_id as number) : undefined;
  return parent ? `${categoryName(env, parent)} / ${row.name}` : (row.name as string);
}

function activeVariants(env: Env, templateId: number): number[] {
  const ids: number[] = [];
  for (const row of env.db.table('product.product').values()) if (row.product_tmpl_id === templateId && row.active !== false) ids.push(row.id);
  return ids.sort((a, b) => a - b);
}

/** 16/17 keep `type` and `detailed_type` in step (write either, as the UI does). */
function syncTypeFields(version: OdooVersion, vals: Vals): void {
  if (version > 17) return;
  if (vals.detailed_type !== undefined && vals.type === undefined) vals.type = vals.detailed_type;
  else if (vals.type !== undefined && vals.detailed_type === undefined) vals.detailed_type = vals.type;
}

function checkBarcodes(env: Env, ids: number[]): void {
  for (const id of ids) {
    const row = env.db.get('product.product', id) as Row;
    if (!row.barcode) continue;
    for (const other of env.db.table('product.product').values()) {
      if (other.id !== id && other.barcode === row.barcode && other.active !== false) {
        if (env.version === 16) throw validationError('The operation cannot be completed: A barcode can only be assigned to one product !');
        throw validationError(`Barcode(s) already assigned:\n\n- Barcode "${row.barcode}" already assigned to product(s): ${env.db.get('product.template', other.product_tmpl_id as number)?.name}`);
      }
    }
  }
}

/** The unit price a pricelist gives a product (first matching rule wins, like _compute_price_rule). */
export function pricelistPrice(env: Env, pricelistId: number | false, productId: number, quantity: number, day: string): number {
  const product = env.db.get('product.product', productId) as Row;
  const template = env.db.get('product.template', product.product_tmpl_id as number) as Row;
  const listPrice = (template.list_price as number) ?? 0;
  if (!pricelistId) return listPrice;
  const items = [...env.db.table('product.pricelist.item').values()]
    .filter((item) => item.pricelist_id === pricelistId)
    .sort((a, b) => String(a.applied_on).localeCompare(String(b.applied_on)) || (b.min_quantity as number) - (a.min_quantity as number) || b.id - a.id);
  for (const item of items) {
    if ((item.min_quantity as number) > quantity) continue;
    if (item.date_start && (item.date_start as string) > day) continue;
    if (item.date_end && (item.date_end as string) < day) continue;
    if (item.applied_on === '0_product_variant' && item.product_id !== productId) continue;
    if (item.applied_on === '1_product' && item.product_tmpl_id !== template.id) continue;
    if (item.applied_on === '2_product_category' && !inCategory(env, template.categ_id as number, item.categ_id as number)) continue;
    const base = item.base === 'standard_price' ? ((product.standard_price as number) ?? 0) : listPrice;
    if (item.compute_price === 'fixed') return item.fixed_price as number;
    if (item.compute_price === 'percentage') return roundMoney(base * (1 - (item.percent_price as number) / 100));
    return roundMoney(base * (1 - (item.price_discount as number) / 100) + (item.price_surcharge as number));
  }
  return listPrice;
}

function inCategory(env: Env, categId: number, ancestorId: number): boolean {
  let current: number | false = categId;
  while (current) {
    if (current === ancestorId) return true;
    current = (env.db.get('product.category', current)?.parent_id as number | false) ?? false;
  }
  return false;
}
