import type { Env } from './env';
import { pythonError } from './errors';
import {
  create,
  defaultValues,
  fieldsGet,
  formattedReadGroup,
  nameSearch,
  read,
  readGroup,
  requireRows,
  searchIds,
  unlink,
  write,
} from './orm';
import { datetimeToWire } from './time';
import type { MethodDef, ModelDef, OdooVersion, Vals } from './types';
import { displayName } from './values';

/** BaseModel's public methods, with each version's Python signature (parameter names matter for kwargs and JSON-2). */

type Owned = MethodDef & { owner?: string };
const base = (def: MethodDef): Owned => ({ ...def, owner: 'BaseModel' });

function asInt(value: unknown, fallback: number | null): number | null {
  if (value === null || value === undefined || value === false) return fallback;
  if (typeof value === 'number') return value;
  throw pythonError('builtins.TypeError', `'<' not supported between instances of 'str' and 'int'`);
}

function asOrder(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}

export function toValsList(value: unknown): Vals[] {
  if (Array.isArray(value)) return value as Vals[];
  if (value !== null && typeof value === 'object') return [value as Vals];
  throw pythonError('builtins.TypeError', `'${typeof value === 'string' ? 'str' : 'int'}' object is not a mapping`);
}

export function standardMethods(version: OdooVersion, model: ModelDef): Record<string, Owned> {
  const name = model.name;
  const methods: Record<string, Owned> = {
    search: base({
      api: 'model',
      params:
        version === 16
          ? [{ name: 'args' }, { name: 'offset', default: 0 }, { name: 'limit', default: null }, { name: 'order', default: null }, { name: 'count', default: false }]
          : [{ name: 'domain' }, { name: 'offset', default: 0 }, { name: 'limit', default: null }, { name: 'order', default: null }],
      run: (env, _ids, a) => {
        const domain = version === 16 ? a.args : a.domain;
        const ids = searchIds(env, name, domain, { offset: asInt(a.offset, 0) ?? 0, limit: asInt(a.limit, null), order: asOrder(a.order) });
        return a.count ? ids.length : ids;
      },
    }),
    search_read: base({
      api: 'model',
      params: [
        { name: 'domain', default: null },
        { name: 'fields', default: null },
        { name: 'offset', default: 0 },
        { name: 'limit', default: null },
        { name: 'order', default: null },
      ],
      varKeywords: true,
      run: (env, _ids, a) => {
        const ids = searchIds(env, name, a.domain ?? [], { offset: asInt(a.offset, 0) ?? 0, limit: asInt(a.limit, null), order: asOrder(a.order) });
        // 16 returns before reading anything; 17+ fetches through search_fetch, which checks `fields` first.
        if (ids.length === 0) return version === 16 ? [] : read(env, name, [], a.fields, '_classic_read');
        const extra = (a.__kwargs as Record<string, unknown>) ?? {};
        for (const key of Object.keys(extra)) {
          if (key !== 'load') {
            const reader = version === 16 ? 'BaseModel.read' : 'BaseModel._read_format';
            throw pythonError('builtins.TypeError', `${reader}() got an unexpected keyword argument '${key}'`);
          }
        }
        return read(env, name, ids, a.fields, 'load' in extra ? extra.load : '_classic_read');
      },
    }),
    search_count: base({
      api: 'model',
      params: [{ name: 'domain' }, { name: 'limit', default: null }],
      run: (env, _ids, a) => searchIds(env, name, a.domain, { limit: asInt(a.limit, null) }).length,
    }),
    read: base({
      api: 'multi',
      params: [{ name: 'fields', default: null }, { name: 'load', default: '_classic_read' }],
      run: (env, ids, a) => read(env, name, ids, a.fields, a.load),
    }),
    create: base({
      api: 'create',
      params: [{ name: 'vals_list' }],
      run: (env, _ids, a) => create(env, name, toValsList(a.vals_list)),
    }),
    write: base({
      api: 'multi',
      params: [{ name: 'vals' }],
      run: (env, ids, a) => write(env, name, ids, a.vals as Vals),
    }),
    unlink: base({ api: 'multi', params: [], run: (env, ids) => unlink(env, name, ids) }),
    fields_get: base({
      api: 'model',
      params: [{ name: 'allfields', default: null }, { name: 'attributes', default: null }],
      run: (env, _ids, a) => fieldsGet(env, name, a.allfields, a.attributes),
    }),
    name_search: base({
      api: 'model',
      params: [
        { name: 'name', default: '' },
        { name: version >= 19 ? 'domain' : 'args', default: null },
        { name: 'operator', default: 'ilike' },
        { name: 'limit', default: 100 },
      ],
      run: (env, _ids, a) => nameSearch(env, name, a.name, version >= 19 ? a.domain : a.args, a.operator, a.limit),
    }),
    default_get: base({
      api: 'model',
      params: [{ name: version >= 19 ? 'fields' : 'fields_list' }],
      run: (env, _ids, a) => defaultValues(env, name, (version >= 19 ? a.fields : a.fields_list) as string[]),
    }),
    exists: base({ api: 'multi', params: [], run: (env, ids) => ids.filter((id) => env.db.get(name, id)) }),
    copy: base({
      api: 'multi',
      params: [{ name: 'default', default: null }],
      run: (env, ids, a) => copyRecord(env, model, ids, (a.default as Vals) ?? {}),
    }),
    get_metadata: base({
      api: 'multi',
      params: [],
      run: (env, ids) =>
        requireRows(env, name, ids).map((row) => ({
          id: row.id,
          create_uid: row.create_uid ? [row.create_uid, displayName(env, 'res.users', row.create_uid as number)] : false,
          create_date: row.create_date ? datetimeToWire(row.create_date as string) : false,
          write_uid: row.write_uid ? [row.write_uid, displayName(env, 'res.users', row.write_uid as number)] : false,
          write_date: row.write_date ? datetimeToWire(row.write_date as string) : false,
          xmlid: xmlidOf(env, name, row.id),
          xmlids: [],
          noupdate: false,
        })),
    }),
  };
  if (version <= 18) {
    methods.read_group = base({
      api: 'model',
      params: [
        { name: 'domain' },
        { name: 'fields' },
        { name: 'groupby' },
        { name: 'offset', default: 0 },
        { name: 'limit', default: null },
        { name: 'orderby', default: false },
        { name: 'lazy', default: true },
      ],
      run: (env, _ids, a) =>
        readGroup(env, name, a.domain, (a.fields as string[]) ?? [], a.groupby as string[], asInt(a.offset, 0) ?? 0, asInt(a.limit, null), a.orderby as string | false, a.lazy !== false),
    });
  } else {
    methods.formatted_read_group = base({
      api: 'model',
      params: [
        { name: 'domain' },
        { name: 'groupby', default: [] },
        { name: 'aggregates', default: [] },
        { name: 'having', default: [] },
        { name: 'offset', default: 0 },
        { name: 'limit', default: null },
        { name: 'order', default: null },
      ],
      run: (env, _ids, a) =>
        formattedReadGroup(env, name, a.domain, (a.groupby as string[]) ?? [], (a.aggregates as string[]) ?? [], asInt(a.offset, 0) ?? 0, asInt(a.limit, null)),
    });
  }
  if (version <= 17) {
    methods.name_get = base({ api: 'multi', params: [], run: (env, ids) => requireRows(env, name, ids).map((row) => [row.id, displayName(env, name, row.id)]) });
    methods.check_access_rights = base({
      api: 'model',
      params: [{ name: 'operation' }, { name: 'raise_exception', default: true }],
      run: () => true,
    });
  }
  if (model.fields.has('active')) {
    // toggle_active()/action_archive() return nothing: a None reply, i.e. an XML-RPC fault after commit.
    methods.action_archive = base({
      api: 'multi',
      params: [],
      run: (env, ids) => {
        write(env, name, ids, { active: false });
        return null;
      },
    });
    methods.action_unarchive = base({
      api: 'multi',
      params: [],
      run: (env, ids) => {
        write(env, name, ids, { active: true });
        return null;
      },
    });
  }
  return methods;
}

function xmlidOf(env: Env, modelName: string, id: number): string | false {
  for (const row of env.db.table('ir.model.data').values()) {
    if (row.model === modelName && row.res_id === id) return `${row.module}.${row.name}`;
  }
  return false;
}

function copyRecord(env: Env, model: ModelDef, ids: number[], overrides: Vals): number {
  if (ids.length !== 1) throw pythonError('builtins.ValueError', `Expected singleton: ${model.name}(${ids.join(', ')})`);
  const [row] = requireRows(env, model.name, ids);
  const vals: Vals = {};
  for (const field of model.fields.values()) {
    if (field.compute || field.type === 'one2many' || ['id', 'create_date', 'write_date', 'create_uid', 'write_uid'].includes(field.name)) continue;
    if (field.manualId !== undefined && !field.copy) continue; // a custom field created with copied: false
    vals[field.name] = field.type === 'many2many' ? [[6, 0, row[field.name] ?? []]] : row[field.name];
  }
  if (typeof vals.name === 'string' && model.fields.get('name')?.type === 'char') vals.name = `${vals.name} (copy)`;
  if (model.name === 'product.product' || model.name === 'product.template') vals.default_code = false;
  return create(env, model.name, [{ ...vals, ...overrides }])[0];
}

export function ensureOne(modelName: string, ids: number[]): number {
  if (ids.length !== 1) throw pythonError('builtins.ValueError', `Expected singleton: ${modelName}(${ids.join(', ')}${ids.length === 1 ? ',' : ''})`);
  return ids[0];
}

