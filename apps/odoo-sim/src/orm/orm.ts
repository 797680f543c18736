import { PyFloat } from '../wire/py-values';
import { invalidField, searchIds, searchRows, sortRows } from './domain';
import type { Env } from './env';
import { missingError, pythonError, validationError } from './errors';
import { datetimeToWire, parseDateInput, parseDatetimeInput, pyRepr, pyTypeName } from './time';
import type { FieldDef, ModelDef, Row, Vals } from './types';
import { childIds, displayName, emptyValue, isEmpty, rawValue } from './values';

/**
 * The ORM primitives behind create/read/write/unlink, with Odoo's observable behaviour: unknown fields are
 * refused (ValueError) on create/write/read, NOT NULL and foreign-key violations surface as the ValidationError that
 * service/model.py builds from an IntegrityError, log-access fields take the transaction's start time.
 */

const LOG_FIELDS = new Set(['id', 'display_name', 'create_uid', 'create_date', 'write_uid', 'write_date', '__last_update']);

export function missingRecords(env: Env, modelName: string, ids: number[]): never {
  const repr = `${modelName}(${ids.join(', ')}${ids.length === 1 ? ',' : ''})`;
  throw missingError(`Record does not exist or has been deleted.\n(Record: ${repr}, User: ${env.uid})`);
}

export function requireRows(env: Env, modelName: string, ids: number[]): Row[] {
  const table = env.db.table(modelName);
  const missing = ids.filter((id) => !table.has(id));
  if (missing.length) missingRecords(env, modelName, missing);
  return ids.map((id) => table.get(id) as Row);
}

/**
 * The ValidationError service/model.py makes of a NOT NULL violation: 16–18 `_as_validation_error`,
 * 19 `_sql_error_to_message` ("Missing required value for the field ...").
 */
export function notNullViolation(env: Env, model: ModelDef, field: FieldDef) {
  if (env.version >= 19) {
    return validationError(
      `The operation cannot be completed: Missing required value for the field '${field.string}' (${field.name}).\n` +
        `Model: '${model.description}' (${model.name})\n` +
        '- create/update: a mandatory field is not set\n' +
        '- delete: another model requires the record being deleted, you can archive it instead\n',
    );
  }
  return validationError(
    'The operation cannot be completed:\n' +
      '- Create/update: a mandatory field is not set.\n' +
      '- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n' +
      `Model: ${model.description} (${model.name})\n` +
      `Field: ${field.string} (${field.name})\n`,
  );
}

/** A foreign-key violation (a many2one to a missing record, or deleting a record others require). */
export function foreignKeyViolation(env: Env, model: ModelDef, field: FieldDef) {
  const constraint = `${tableName(model.name)}_${field.name}_fkey`;
  if (env.version >= 19) {
    return validationError(
      'The operation cannot be completed: Another model is using the record you are trying to delete.\n\n' +
        `The troublemaker is: '${model.description}' (${model.name})\n` +
        `Thanks to the following constraint: '${field.string}' (${field.name})\n` +
        'How about archiving the record instead?',
    );
  }
  return validationError(
    'The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\n' +
      `Model: ${model.description} (${model.name})\n` +
      `Constraint: ${constraint}\n`,
  );
}

function tableName(modelName: string): string {
  return modelName.replace(/\./g, '_');
}

function wrongValue(model: ModelDef, field: FieldDef, value: unknown): never {
  throw pythonError('builtins.ValueError', `Wrong value for ${model.name}.${field.name}: ${pyRepr(value)}`);
}

/**
 * Converts a value written over RPC into the internal form of a stored field. A many2one that is not an
 * int goes to PostgreSQL as is on create (a numeric string is cast, any other string is a DataError), while
 * write() converts it for the cache first, where Many2one.convert_to_cache turns it into None: the field
 * is cleared, silently, as on Odoo.
 */
function convertScalar(env: Env, model: ModelDef, field: FieldDef, value: unknown, mode: 'create' | 'write'): unknown {
  switch (field.type) {
    case 'many2one': {
      if (value === false || value === null || value === undefined || value === 0) return false;
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (mode === 'write') return false;
      if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
      if (typeof value === 'string') {
        throw pythonError('psycopg2.errors.InvalidTextRepresentation', `invalid input syntax for type integer: "${value}"\n`);
      }
      return wrongValue(model, field, value);
    }
    case 'integer':
      if (value === false || value === null) return 0;
      if (typeof value === 'number') return Math.trunc(value);
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
      throw pythonError('builtins.ValueError', `invalid literal for int() with base 10: ${pyRepr(value)}`);
    case 'float':
    case 'monetary':
      if (value === false || value === null) return 0;
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
      throw pythonError('builtins.ValueError', `could not convert string to float: ${pyRepr(value)}`);
    case 'boolean':
      return Boolean(value);
    case 'date':
      return parseDateInput(value);
    case 'datetime':
      return parseDatetimeInput(value);
    case 'selection': {
      if (value === false || value === null || value === '') return false;
      const allowed = field.selection?.map(([key]) => key) ?? [];
      if (!allowed.includes(value as string)) {
        throw pythonError('builtins.ValueError', `Wrong value for ${model.name}.${field.name}: ${pyRepr(value)}`);
      }
      return value;
    }
    case 'html':
      if (value === false || value === null) return false;
      if (typeof value === 'string') return sanitizeHtml(value);
      return wrongValue(model, field, value);
    case 'char':
    case 'text':
    case 'binary':
      if (value === false || value === null) return false;
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      return wrongValue(model, field, value);
    case 'json':
      return value ?? false;
    default:
      return value;
  }
}

/**
 * fields.Html sanitizes what is written (tools.mail.html_sanitize, through lxml): plain text comes back
 * wrapped in a paragraph, "SHIP-1" is stored and read as "<p>SHIP-1</p>", so `=` on the plain text no
 * longer matches. Markup is kept as sent (the sim does not strip tags).
 */
function sanitizeHtml(value: string): string {
  if (value.trim() === '' || value.trimStart().startsWith('<')) return value;
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<p>${escaped}</p>`;
}

/** Applies x2many commands to a list of linked ids (many2many) and returns the new list. */
function applyMany2manyCommands(env: Env, model: ModelDef, field: FieldDef, current: number[], commands: unknown): number[] {
  let ids = [...current];
  if (commands === false || commands === null) return [];
  if (!Array.isArray(commands)) return wrongValue(model, field, commands);
  for (const command of commands) {
    if (typeof command === 'number') {
      if (!ids.includes(command)) ids.push(command);
      continue;
    }
    if (!Array.isArray(command)) return wrongValue(model, field, commands);
    const [code, id, payload] = command as [number, number, unknown];
    switch (code) {
      case 0:
        ids.push(create(env, field.relation as string, [payload as Vals])[0]);
        break;
      case 1:
        write(env, field.relation as string, [id], payload as Vals);
        break;
      case 2:
        unlink(env, field.relation as string, [id]);
        ids = ids.filter((x) => x !== id);
        break;
      case 3:
        ids = ids.filter((x) => x !== id);
        break;
      case 4:
        if (!ids.includes(id)) ids.push(id);
        break;
      case 5:
        ids = [];
        break;
      case 6:
        ids = [...new Set((payload as number[]) ?? [])];
        break;
      default:
        return wrongValue(model, field, commands);
    }
  }
  if (commands.every((c) => typeof c === 'number')) ids = [...new Set(commands as number[])];
  return ids;
}

/** Applies x2many commands on a one2many: children are created, re-parented, detached or deleted. */
function applyOne2manyCommands(env: Env, model: ModelDef, field: FieldDef, parentId: number, commands: unknown): void {
  const comodel = env.model(field.relation as string);
  const inverse = comodel.fields.get(field.inverseName as string) as FieldDef;
  const detach = (childId: number) => {
    if (inverse.ondelete === 'cascade' || inverse.required) unlink(env, comodel.name, [childId]);
    else write(env, comodel.name, [childId], { [inverse.name]: false });
  };
  if (commands === false || commands === null) commands = [[5, 0, 0]];
  if (!Array.isArray(commands)) return wrongValue(model, field, commands);
  if (commands.every((c) => typeof c === 'number')) commands = [[6, 0, commands]];
  for (const command of commands as unknown[]) {
    if (!Array.isArray(command)) return wrongValue(model, field, commands);
    const [code, id, payload] = command as [number, number, unknown];
    switch (code) {
      case 0:
        create(env, comodel.name, [{ ...(payload as Vals), [inverse.name]: parentId }]);
        break;
      case 1:
        write(env, comodel.name, [id], payload as Vals);
        break;
      case 2:
        unlink(env, comodel.name, [id]);
        break;
      case 3:
        detach(id);
        break;
      case 4:
        write(env, comodel.name, [id], { [inverse.name]: parentId });
        break;
      case 5:
        for (const childId of childIds(env, field, parentId)) detach(childId);
        break;
      case 6: {
        const keep = new Set((payload as number[]) ?? []);
        for (const childId of childIds(env, field, parentId)) if (!keep.has(childId)) detach(childId);
        for (const childId of keep) write(env, comodel.name, [childId], { [inverse.name]: parentId });
        break;
      }
      default:
        return wrongValue(model, field, commands);
    }
  }
}

function defaultFor(env: Env, field: FieldDef, vals: Vals): unknown {
  const fromContext = env.context[`default_${field.name}`];
  if (fromContext !== undefined) return fromContext;
  if (field.default === undefined) return undefined;
  return typeof field.default === 'function' ? (field.default as (env: Env, vals: Vals) => unknown)(env, vals) : field.default;
}

/** The values create() would use for missing fields: context default_<field> first, then field defaults. */
export function defaultValues(env: Env, modelName: string, fieldNames?: string[]): Vals {
  const model = env.model(modelName);
  const out: Vals = {};
  for (const field of model.fields.values()) {
    if (fieldNames && !fieldNames.includes(field.name)) continue;
    const value = defaultFor(env, field, out);
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

function checkForeignKeys(env: Env, model: ModelDef, row: Row): void {
  for (const field of model.fields.values()) {
    if (field.type !== 'many2one' || field.compute || LOG_FIELDS.has(field.name)) continue;
    const target = row[field.name];
    if (typeof target === 'number' && !env.db.get(field.relation as string, target)) {
      throw foreignKeyViolation(env, model, field);
    }
  }
}

function checkRequired(env: Env, model: ModelDef, row: Row): void {
  for (const field of model.fields.values()) {
    if (!field.required || field.compute || field.type === 'one2many' || field.type === 'many2many') continue;
    if (field.type === 'boolean' || field.type === 'integer' || field.type === 'float' || field.type === 'monetary') continue;
    // NOT NULL: an empty string is a value for PostgreSQL (ir.model.fields.field_description defaults to '').
    const value = row[field.name];
    if (value === false || value === null || value === undefined) throw notNullViolation(env, model, field);
  }
}

/** Values of create/write without the log-access fields (silently dropped); a field the model lacks is refused. */
function knownValues(model: ModelDef, input: Vals): Vals {
  const vals: Vals = {};
  for (const [key, value] of Object.entries(input)) {
    if (!model.fields.has(key)) throw invalidField(model.name, key);
    if (!LOG_FIELDS.has(key)) vals[key] = value;
  }
  return vals;
}

export function create(env: Env, modelName: string, valsList: Vals[]): number[] {
  const model = env.model(modelName);
  const ids: number[] = [];
  const deferred: Array<{ id: number; vals: Vals }> = [];
  for (const input of valsList) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw pythonError('builtins.TypeError', `'${pyTypeName(input)}' object is not a mapping`);
    }
    const vals = knownValues(model, input);
    for (const field of model.fields.values()) {
      if (vals[field.name] === undefined && !LOG_FIELDS.has(field.name)) {
        const value = defaultFor(env, field, vals);
        if (value !== undefined) vals[field.name] = value;
      }
    }
    model.hooks.beforeCreate?.(env, vals);
    const id = env.db.allocateId(modelName);
    const row: Row = { id };
    const later: Vals = {};
    for (const field of model.fields.values()) {
      if (LOG_FIELDS.has(field.name)) continue;
      const value = vals[field.name];
      if (field.compute) {
        if (value !== undefined && field.inverse) later[field.name] = value;
        continue;
      }
      if (field.type === 'one2many') {
        if (value !== undefined) later[field.name] = value;
        continue;
      }
      if (field.type === 'many2many') {
        row[field.name] = value === undefined ? [] : applyMany2manyCommands(env, model, field, [], value);
        continue;
      }
      row[field.name] = value === undefined ? emptyValue(field) : convertScalar(env, model, field, value, 'create');
    }
    const now = env.now;
    Object.assign(row, { create_uid: env.uid, create_date: now, write_uid: env.uid, write_date: now });
    checkRequired(env, model, row);
    checkForeignKeys(env, model, row);
    env.db.insert(modelName, row);
    ids.push(id);
    deferred.push({ id, vals: later });
  }
  for (const { id, vals } of deferred) {
    for (const [fname, value] of Object.entries(vals)) {
      const field = model.fields.get(fname) as FieldDef;
      if (field.type === 'one2many' && !field.compute) applyOne2manyCommands(env, model, field, id, value);
      else field.inverse?.(env, env.db.get(modelName, id) as Row, value);
    }
  }
  model.hooks.afterCreate?.(env, ids, valsList);
  model.hooks.constrain?.(env, ids);
  env.state.onRecordEvent?.(env, { model: modelName, ids, kind: 'create', fields: [...model.fields.keys()] });
  return ids;
}

export function write(env: Env, modelName: string, ids: number[], input: Vals): true {
  const model = env.model(modelName);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw pythonError('builtins.AttributeError', `'${pyTypeName(input)}' object has no attribute 'items'`);
  }
  requireRows(env, modelName, ids);
  const vals = knownValues(model, input);
  model.hooks.beforeWrite?.(env, ids, vals);
  const now = env.now;
  for (const id of ids) {
    const row = env.db.get(modelName, id) as Row;
    const patch: Vals = { write_uid: env.uid, write_date: now };
    for (const [fname, value] of Object.entries(vals)) {
      const field = model.fields.get(fname) as FieldDef;
      if (field.compute || field.type === 'one2many') continue;
      patch[fname] =
        field.type === 'many2many'
          ? applyMany2manyCommands(env, model, field, (row[fname] as number[]) ?? [], value)
          : convertScalar(env, model, field, value, 'write');
    }
    const updated = { ...row, ...patch } as Row;
    checkRequired(env, model, updated);
    checkForeignKeys(env, model, updated);
    env.db.update(modelName, id, patch);
    for (const [fname, value] of Object.entries(vals)) {
      const field = model.fields.get(fname) as FieldDef;
      if (field.type === 'one2many' && !field.compute) applyOne2manyCommands(env, model, field, id, value);
      else if (field.compute && field.inverse) field.inverse(env, env.db.get(modelName, id) as Row, value);
    }
  }
  model.hooks.afterWrite?.(env, ids, vals);
  model.hooks.constrain?.(env, ids);
  env.state.onRecordEvent?.(env, { model: modelName, ids, kind: 'write', fields: Object.keys(vals) });
  return true;
}

/** Deletes records; ids already gone are ignored. Cascades and restricts like the foreign keys would. */
export function unlink(env: Env, modelName: string, ids: number[]): true {
  const model = env.model(modelName);
  const existing = ids.filter((id) => env.db.get(modelName, id));
  if (existing.length === 0) return true;
  model.hooks.beforeUnlink?.(env, existing);
  env.state.onRecordEvent?.(env, { model: modelName, ids: existing, kind: 'unlink', fields: [] });
  for (const id of existing) env.db.remove(modelName, id);
  const gone = new Set(existing);
  for (const other of env.registry.models.values()) {
    for (const field of other.fields.values()) {
      if (field.type === 'many2one' && field.relation === modelName && !field.compute) {
        for (const row of [...env.db.table(other.name).values()]) {
          const target = row[field.name];
          if (typeof target !== 'number' || !gone.has(target)) continue;
          if (field.ondelete === 'cascade') unlink(env, other.name, [row.id]);
          else if (field.ondelete === 'restrict' || field.required) {
            throw foreignKeyViolation(env, other, field);
          } else env.db.update(other.name, row.id, { [field.name]: false });
        }
      }
      if (field.type === 'many2many' && field.relation === modelName) {
        for (const row of env.db.table(other.name).values()) {
          const linked = row[field.name] as number[] | undefined;
          if (linked?.some((id) => gone.has(id))) env.db.update(other.name, row.id, { [field.name]: linked.filter((id) => !gone.has(id)) });
        }
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------- read

export type LoadMode = '_classic_read' | 'other';

/** The value read() returns for a field (many2one [id, name] with the classic load, empty = False). */
export function readValue(env: Env, field: FieldDef, value: unknown, load: LoadMode): unknown {
  switch (field.type) {
    case 'many2one':
      if (!value) return false;
      return load === '_classic_read' ? [value, displayName(env, field.relation as string, value as number)] : value;
    case 'one2many':
    case 'many2many':
      return Array.isArray(value) ? [...value] : [];
    case 'integer':
      return typeof value === 'number' ? value : 0;
    case 'float':
    case 'monetary':
      return new PyFloat(typeof value === 'number' ? value : 0);
    case 'boolean':
      return Boolean(value);
    case 'datetime':
      return isEmpty(value) ? false : datetimeToWire(value as string);
    default:
      return isEmpty(value) ? false : value;
  }
}

function readableFields(model: ModelDef): string[] {
  return [...model.fields.keys()];
}

export function read(env: Env, modelName: string, ids: number[], fields: unknown, load: unknown): Record<string, unknown>[] {
  const model = env.model(modelName);
  const names = Array.isArray(fields) && fields.length > 0 ? (fields as string[]) : readableFields(model);
  for (const name of names) {
    if (name !== 'id' && !model.fields.has(name)) throw invalidField(modelName, name);
  }
  const loadMode: LoadMode = load === '_classic_read' || load === undefined ? '_classic_read' : 'other';
  const rows = requireRows(env, modelName, ids);
  return rows.map((row) => {
    const out: Record<string, unknown> = { id: row.id };
    for (const name of names) {
      if (name === 'id') continue;
      const field = model.fields.get(name) as FieldDef;
      out[name] = readValue(env, field, rawValue(env, model, row, name), loadMode);
    }
    return out;
  });
}

// ------------------------------------------------------------------------------------------ metadata

/** fields_get() description of one field; Odoo emits the attributes in alphabetical order. */
export function describeField(env: Env, model: ModelDef, field: FieldDef): Record<string, unknown> {
  const stored = !field.compute && field.store !== false;
  const desc: Record<string, unknown> = {
    change_default: false,
    company_dependent: Boolean(field.companyDependent),
    depends: [],
    exportable: true,
    manual: field.manualId !== undefined,
    name: field.name,
    readonly: Boolean(field.readonly) || Boolean(field.compute && !field.inverse),
    required: Boolean(field.required),
    searchable: true,
    sortable: stored,
    store: stored,
    string: field.string,
    type: field.type,
  };
  if (env.version >= 17) desc.groupable = stored && field.type !== 'one2many' && field.type !== 'many2many' && field.type !== 'text' && field.type !== 'html';
  if (field.help) desc.help = field.help;
  if (field.type === 'many2one' || field.type === 'one2many' || field.type === 'many2many') {
    desc.context = {};
    desc.domain = [];
    desc.relation = field.relation;
  }
  if (field.type === 'one2many') desc.relation_field = field.inverseName;
  if (field.type === 'many2one') desc.ondelete = field.ondelete === 'cascade' ? 'cascade' : field.ondelete === 'restrict' ? 'restrict' : 'set null';
  if (field.type === 'selection') desc.selection = (field.selection ?? []).map(([k, v]) => [k, v]);
  if (field.type === 'char') {
    desc.size = undefined;
    desc.trim = true;
  }
  if (field.type === 'char' || field.type === 'text' || field.type === 'html') desc.translate = Boolean(field.translate);
  if (field.type === 'float' || field.type === 'monetary' || field.type === 'integer') {
    if (env.version >= 18) desc.aggregator = field.name === 'id' ? undefined : 'sum';
    else desc.group_operator = 'sum';
  }
  if (field.type === 'monetary') desc.currency_field = 'currency_id';
  if (field.type === 'float' && field.digits) desc.digits = [...field.digits];
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(desc).sort()) if (desc[key] !== undefined) sorted[key] = desc[key];
  return sorted;
}

export function fieldsGet(env: Env, modelName: string, allfields: unknown, attributes: unknown): Record<string, unknown> {
  const model = env.model(modelName);
  const wanted = Array.isArray(allfields) && allfields.length ? new Set(allfields as string[]) : null;
  const attrs = Array.isArray(attributes) && attributes.length ? (attributes as string[]) : null;
  const out: Record<string, unknown> = {};
  for (const field of model.fields.values()) {
    if (wanted && !wanted.has(field.name)) continue;
    const desc = describeField(env, model, field);
    if (attrs) {
      const filtered: Record<string, unknown> = {};
      for (const attr of attrs) if (attr in desc) filtered[attr] = desc[attr];
      out[field.name] = filtered;
    } else out[field.name] = desc;
  }
  return out;
}

// ------------------------------------------------------------------------------------------ grouping

interface Group {
  key: unknown[];
  rows: Row[];
}

function groupRows(env: Env, model: ModelDef, rows: Row[], groupby: string[]): Group[] {
  for (const spec of groupby) {
    const fname = spec.split(':')[0];
    if (fname !== 'id' && !model.fields.has(fname)) throw invalidField(model.name, fname);
  }
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const key = groupby.map((spec) => {
      const [fname, granularity] = spec.split(':');
      const value = rawValue(env, model, row, fname);
      if (granularity && typeof value === 'string') {
        if (granularity === 'year') return value.slice(0, 4);
        if (granularity === 'month') return value.slice(0, 7);
        return value.slice(0, 10);
      }
      return value;
    });
    const k = JSON.stringify(key);
    let group = groups.get(k);
    if (!group) {
      group = { key, rows: [] };
      groups.set(k, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()];
}

function groupValue(env: Env, model: ModelDef, spec: string, value: unknown): unknown {
  const field = model.fields.get(spec.split(':')[0]);
  if (field?.type === 'many2one') return value ? [value, displayName(env, field.relation as string, value as number)] : false;
  return isEmpty(value) ? false : value;
}

function aggregate(env: Env, model: ModelDef, rows: Row[], fname: string, fn: string): unknown {
  const values = rows.map((row) => rawValue(env, model, row, fname)).filter((v) => typeof v === 'number') as number[];
  const field = model.fields.get(fname);
  const wrap = (n: number) => (field?.type === 'integer' ? n : new PyFloat(n));
  switch (fn) {
    case 'sum':
      return wrap(values.reduce((a, b) => a + b, 0));
    case 'min':
      return values.length ? wrap(Math.min(...values)) : false;
    case 'max':
      return values.length ? wrap(Math.max(...values)) : false;
    case 'avg':
      return values.length ? new PyFloat(values.reduce((a, b) => a + b, 0) / values.length) : false;
    case 'count':
      return rows.length;
    case 'count_distinct':
      return new Set(rows.map((row) => JSON.stringify(rawValue(env, model, row, fname)))).size;
    default:
      throw pythonError('builtins.ValueError', `Invalid aggregate function ${pyRepr(fn)}`);
  }
}

/** 16–18 read_group (lazy groups by the first field only). */
export function readGroup(
  env: Env,
  modelName: string,
  domain: unknown,
  fields: string[],
  groupby: string[] | string,
  offset: number,
  limit: number | null,
  orderby: string | false,
  lazy: boolean,
): Record<string, unknown>[] {
  const model = env.model(modelName);
  const allGroupby = (Array.isArray(groupby) ? groupby : [groupby]).filter(Boolean);
  const effective = lazy ? allGroupby.slice(0, 1) : allGroupby;
  const rows = searchRows(env, modelName, domain);
  const groups = groupRows(env, model, rows, effective);
  const result = groups.map((group) => {
    const out: Record<string, unknown> = {};
    effective.forEach((spec, i) => (out[spec] = groupValue(env, model, spec, group.key[i])));
    if (lazy && effective.length) out[`${effective[0].split(':')[0]}_count`] = group.rows.length;
    else out.__count = group.rows.length;
    for (const spec of fields) {
      const m = /^(\w+)(?::(\w+))?(?:\((\w+)\))?$/.exec(spec);
      if (!m) continue;
      const [, name, fn] = m;
      const field = model.fields.get(name);
      if (!field && name !== '__count') throw invalidField(modelName, name);
      if (!field || effective.some((g) => g.split(':')[0] === name)) continue;
      if (!fn && !['integer', 'float', 'monetary'].includes(field.type)) continue;
      out[name] = aggregate(env, model, group.rows, name, fn ?? 'sum');
    }
    const groupDomain: unknown[] = effective.map((spec, i) => [spec.split(':')[0], '=', group.key[i]]);
    out.__domain = [...groupDomain, ...(Array.isArray(domain) ? domain : [])];
    if (lazy && allGroupby.length > 1) out.__context = { group_by: allGroupby.slice(1) };
    return out;
  });
  void orderby; // groups come in first-seen order; Odoo's orderby is not emulated
  return result.slice(offset || 0, limit ? (offset || 0) + limit : undefined);
}

/** 19 formatted_read_group: aggregates as "field:fn" plus "__count". */
export function formattedReadGroup(
  env: Env,
  modelName: string,
  domain: unknown,
  groupby: string[],
  aggregates: string[],
  offset: number,
  limit: number | null,
): Record<string, unknown>[] {
  const model = env.model(modelName);
  const rows = searchRows(env, modelName, domain);
  const groups = groupRows(env, model, rows, groupby);
  return groups
    .map((group) => {
      const out: Record<string, unknown> = {};
      groupby.forEach((spec, i) => (out[spec] = groupValue(env, model, spec, group.key[i])));
      for (const spec of aggregates) {
        if (spec === '__count') out.__count = group.rows.length;
        else {
          const [fname, fn] = spec.split(':');
          if (!model.fields.has(fname)) throw invalidField(modelName, fname);
          out[spec] = aggregate(env, model, group.rows, fname, fn ?? 'sum');
        }
      }
      out.__extra_domain = groupby.map((spec, i) => [spec.split(':')[0], '=', group.key[i]]);
      return out;
    })
    .slice(offset || 0, limit ? (offset || 0) + limit : undefined);
}

export function nameSearch(env: Env, modelName: string, name: unknown, domain: unknown, operator: unknown, limit: unknown): unknown[] {
  const model = env.model(modelName);
  const base = Array.isArray(domain) ? domain : [];
  const op = typeof operator === 'string' ? operator : 'ilike';
  let nameDomain: unknown[] = [];
  if (typeof name === 'string' && name !== '') {
    nameDomain = model.fields.has('default_code')
      ? ['|', ['default_code', op, name], [model.recName, op, name]]
      : [[model.recName, op, name]];
  }
  const ids = searchIds(env, modelName, [...nameDomain, ...base], { limit: typeof limit === 'number' ? limit : 100 });
  return ids.map((id) => [id, displayName(env, modelName, id)]);
}

export { searchIds, searchRows, sortRows };
