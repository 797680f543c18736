import { createHash, randomBytes } from 'node:crypto';
import { boolean, char, datetime, defineModel, integer, many2many, many2one, modelMethod, one2many, selection } from '../orm/define';
import type { Env } from '../orm/env';
import { accessDenied, userError, validationError } from '../orm/errors';
import { create, searchIds } from '../orm/orm';
import { parseDatetimeInput } from '../orm/time';
import type { ModelDef, OdooVersion, Row } from '../orm/types';
import { displayName } from '../orm/values';

/** res.company, res.currency, res.country, res.partner, res.users, API keys, ir.model.data (ir.model and its fields: ir-model.ts). */

const companyDefault = (env: Env) => env.companyId();

export function baseModels(version: OdooVersion): ModelDef[] {
  return [
    defineModel({
      name: 'res.currency',
      description: 'Currency',
      order: 'active desc, name',
      fields: {
        name: char('Currency', { required: true }),
        symbol: char('Symbol', { required: true }),
        rounding: { type: 'float', string: 'Rounding Factor', default: 0.01 },
        decimal_places: integer('Decimal Places', { default: 2 }),
        active: boolean('Active', { default: true }),
      },
    }),
    defineModel({
      name: 'res.country',
      description: 'Country',
      order: 'name',
      fields: { name: char('Country Name', { required: true, translate: true }), code: char('Country Code') },
    }),
    defineModel({
      name: 'res.company',
      description: 'Companies',
      order: 'sequence, name',
      fields: {
        name: char('Company Name', { required: true }),
        partner_id: many2one('res.partner', 'Partner', { required: true }),
        currency_id: many2one('res.currency', 'Currency', { required: true }),
        sequence: integer('Sequence', { default: 10 }),
        active: boolean('Active', { default: true }),
      },
    }),
    partnerModel(),
    defineModel({
      name: 'res.users',
      description: 'User',
      order: 'name, login',
      recName: 'name',
      fields: {
        login: char('Login', { required: true }),
        partner_id: many2one('res.partner', 'Related Partner', { required: true, ondelete: 'restrict' }),
        name: { type: 'char', string: 'Name', compute: (env, row) => (row.partner_id ? displayName(env, 'res.partner', row.partner_id as number) : false) },
        email: { type: 'char', string: 'Email', compute: (env, row) => env.db.get('res.partner', row.partner_id as number)?.email ?? false },
        company_id: many2one('res.company', 'Company', { required: true, default: companyDefault }),
        company_ids: many2many('res.company', 'Companies'),
        active: boolean('Active', { default: true }),
        share: boolean('Share User'),
        tz: char('Timezone', { default: 'UTC' }),
        lang: char('Language', { default: 'en_US' }),
      },
      methods: {
        context_get: modelMethod((env) => userContext(env)),
      },
    }),
    apiKeysModel(version),
    defineModel({
      name: 'ir.model.data',
      description: 'Model Data',
      order: 'module, model, name',
      recName: 'complete_name',
      fields: {
        name: char('External Identifier', { required: true }),
        complete_name: { type: 'char', string: 'Complete ID', compute: (_env, row) => `${row.module}.${row.name}` },
        model: char('Model Name', { required: true }),
        module: char('Module', { required: true, default: '' }),
        res_id: integer('Record ID'),
        noupdate: boolean('Non Updatable'),
      },
      hooks: {
        constrain: (env, ids) => {
          for (const id of ids) {
            const row = env.db.get('ir.model.data', id) as Row;
            for (const other of env.db.table('ir.model.data').values()) {
              if (other.id !== id && other.module === row.module && other.name === row.name) {
                const detail = `Key (module, name)=(${row.module}, ${row.name}) already exists.`;
                // 16–18 print psycopg2's text; 19's _sql_error_to_message names the columns.
                throw validationError(
                  env.version >= 19
                    ? `The operation cannot be completed: The value for 'module, name' (Module and External Identifier) already exists.\n\nDetail: ${detail}\n`
                    : `The operation cannot be completed: duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"\nDETAIL:  ${detail}\n`,
                );
              }
            }
          }
        },
      },
      methods: {
        check_object_reference: modelMethod(
          (env, _ids, a) => {
            const found = [...env.db.table('ir.model.data').values()].find((r) => r.module === a.module && r.name === a.xml_id);
            if (!found) throw userError(`No record found for unique ID ${a.module}.${a.xml_id}. It may have been deleted.`);
            return [found.model, found.res_id];
          },
          [{ name: 'module' }, { name: 'xml_id' }, { name: 'raise_on_access_error', default: false }],
        ),
      },
    }),
  ];
}

function partnerModel(): ModelDef {
  return defineModel({
    name: 'res.partner',
    description: 'Contact',
    order: 'complete_name ASC, id DESC',
    parentName: 'parent_id',
    fields: {
      name: char('Name'),
      complete_name: { type: 'char', string: 'Complete Name', compute: (env, row) => partnerDisplayName(env, row) },
      is_company: boolean('Is a Company', { default: false }),
      company_type: {
        type: 'selection',
        string: 'Company Type',
        selection: [
          ['person', 'Individual'],
          ['company', 'Company'],
        ],
        compute: (_env, row) => (row.is_company ? 'company' : 'person'),
        inverse: (env, row, value) => env.db.update('res.partner', row.id, { is_company: value === 'company' }),
      },
      parent_id: many2one('res.partner', 'Related Company'),
      child_ids: one2many('res.partner', 'parent_id', 'Contact'),
      type: selection(
        [
          ['contact', 'Contact'],
          ['invoice', 'Invoice Address'],
          ['delivery', 'Delivery Address'],
          ['other', 'Other Address'],
        ],
        'Address Type',
        { default: 'contact' },
      ),
      ref: char('Reference'),
      email: char('Email'),
      phone: char('Phone'),
      mobile: char('Mobile'),
      street: char('Street'),
      street2: char('Street2'),
      zip: char('Zip'),
      city: char('City'),
      country_id: many2one('res.country', 'Country', { ondelete: 'restrict' }),
      vat: char('Tax ID'),
      lang: char('Language', { default: 'en_US' }),
      customer_rank: integer('Customer Rank', { default: 0 }),
      supplier_rank: integer('Supplier Rank', { default: 0 }),
      active: boolean('Active', { default: true }),
      company_id: many2one('res.company', 'Company'),
      property_product_pricelist: { type: 'many2one', string: 'Pricelist', relation: 'product.pricelist', companyDependent: true },
      commercial_partner_id: {
        type: 'many2one',
        string: 'Commercial Entity',
        relation: 'res.partner',
        compute: (env, row) => {
          let current: Row | undefined = row;
          while (current && !current.is_company && current.parent_id) current = env.db.get('res.partner', current.parent_id as number);
          return current?.id ?? row.id;
        },
      },
    },
    hooks: {
      beforeCreate: (_env, vals) => {
        if (vals.name === undefined && vals.type === 'contact') vals.name = false;
      },
      constrain: (env, ids) => {
        for (const id of ids) {
          const row = env.db.get('res.partner', id) as Row;
          if (!row.name && row.type === 'contact') {
            throw validationError('The operation cannot be completed: Contacts require a name');
          }
        }
      },
    },
    displayName: (env, row) => partnerDisplayName(env, row),
  });
}

function partnerDisplayName(env: Env, row: Row): string {
  const name = (row.name as string) || '';
  if (row.parent_id && !row.is_company) {
    const parent = env.db.get('res.partner', row.parent_id as number);
    if (parent) return `${partnerDisplayName(env, parent)}, ${name}`;
  }
  return name;
}

export function userContext(env: Env): Record<string, unknown> {
  const user = env.db.get('res.users', env.uid);
  return { lang: (user?.lang as string) ?? 'en_US', tz: (user?.tz as string) ?? 'UTC', uid: env.uid };
}

// ------------------------------------------------------------------------------------------- API keys

const INDEX_SIZE = 8;

export function hashKey(key: string): string {
  return createHash('sha512').update(key).digest('hex');
}

/** 18+: non-admin keys must expire within 90 days (the internal users' api_key_duration). */
function checkExpiration(env: Env, expiration: string | false): void {
  if (env.version < 18) return;
  const isAdmin = env.uid === 2 || env.uid === 1;
  if (!expiration) {
    if (!isAdmin) throw userError('You cannot exceed 90 days.');
    return;
  }
  const days = (Date.parse(`${expiration.slice(0, 19).replace(' ', 'T')}Z`) - Date.now()) / 86_400_000;
  if (!isAdmin && days > 90) throw userError('You cannot exceed 90 days.');
}

/** Creates a key for the env's user; returns the 40-hex key, shown once. */
export function generateApiKey(env: Env, scope: string | false, name: string, expiration: string | false): string {
  const key = randomBytes(20).toString('hex');
  checkExpiration(env, expiration);
  create(env.sudo(), 'res.users.apikeys', [
    { name, user_id: env.uid, scope: scope || false, index: key.slice(0, INDEX_SIZE), key_hash: hashKey(key), ...(env.version >= 18 ? { expiration_date: expiration } : {}) },
  ]);
  return key;
}

/** The user a key belongs to, or null when unknown, revoked, out of scope or (18+) expired. */
export function apiKeyUser(env: Env, key: string, scope = 'rpc'): number | null {
  if (typeof key !== 'string' || key.length < INDEX_SIZE) return null;
  const hash = hashKey(key);
  const now = new Date().toISOString().slice(0, 19).replace('T', ' ');
  for (const row of env.db.table('res.users.apikeys').values()) {
    if (row.index !== key.slice(0, INDEX_SIZE) || row.key_hash !== hash) continue;
    if (row.scope && row.scope !== scope) continue;
    if (env.version >= 18 && row.expiration_date && (row.expiration_date as string).slice(0, 19) < now) continue;
    return row.user_id as number;
  }
  return null;
}

function apiKeysModel(version: OdooVersion): ModelDef {
  return defineModel({
    name: 'res.users.apikeys',
    description: 'Users API Keys',
    order: 'id',
    fields: {
      name: char('Description', { required: true, readonly: true }),
      user_id: many2one('res.users', 'User', { required: true, readonly: true, ondelete: 'cascade' }),
      scope: char('Scope', { readonly: true }),
      index: char('Index', { readonly: true }),
      key_hash: char('Key', { readonly: true }),
      expiration_date: version >= 18 ? datetime('Expiration Date', { readonly: true }) : undefined,
    },
    methods:
      version >= 19
        ? {
            generate: modelMethod(
              (env, _ids, a) => {
                if (env.uid !== 2 && env.uid !== 1) throw userError('Programmatic API keys are not enabled');
                const active = searchIds(env.sudo(), 'res.users.apikeys', [['user_id', '=', env.uid]]).length;
                if (active >= 10) throw userError('Limit of 10 API keys is reached for programmatic creation');
                const owner = apiKeyUser(env, a.key as string, (a.scope as string) || 'rpc');
                if (!owner || owner !== env.uid) throw accessDenied('The provided API key is invalid or does not belong to the current user.');
                return generateApiKey(env, (a.scope as string) || false, a.name as string, parseDatetimeInput(a.expiration_date));
              },
              [{ name: 'key' }, { name: 'scope' }, { name: 'name' }, { name: 'expiration_date' }],
            ),
            revoke: modelMethod(
              (env, _ids, a) => {
                if (env.uid !== 2 && env.uid !== 1) throw userError('Programmatic API keys are not enabled');
                const hash = hashKey(String(a.key ?? ''));
                for (const row of env.db.table('res.users.apikeys').values()) {
                  if (row.key_hash === hash) {
                    env.db.remove('res.users.apikeys', row.id);
                    return true;
                  }
                }
                throw accessDenied('The provided API key is invalid.');
              },
              [{ name: 'key' }],
            ),
          }
        : {},
  });
}
