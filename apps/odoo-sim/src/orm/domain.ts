import type { Env } from './env';
import { pythonError, userError } from './errors';
import { pyRepr } from './time';
import type { Domain, FieldDef, ModelDef, Row } from './types';
import { displayName, isEmpty, rawValue } from './values';

/**
 * Odoo's domain language, evaluated in memory: prefix operators & | !, implicit AND between terms,
 * leaves [path, operator, value] with dotted paths through relations, and every operator of §3.4.
 */

export const OPERATORS = new Set([
  '=', '!=', '<>', '>', '>=', '<', '<=', '=?', 'like', 'not like', 'ilike', 'not ilike', '=like', '=ilike',
  'in', 'not in', 'child_of', 'parent_of', 'any', 'not any',
]);

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; child: Node }
  | { kind: 'leaf'; path: string; op: string; value: unknown }
  | { kind: 'const'; value: boolean };

/** models.py (16–19): `ValueError: Invalid field 'x' on model 'y'` for values, fields lists and order keys. */
export function invalidField(modelName: string, fname: string) {
  return pythonError('builtins.ValueError', `Invalid field ${pyRepr(fname)} on model ${pyRepr(modelName)}`);
}

function invalidLeafField(env: Env, name: string, leaf: unknown[]) {
  return pythonError('builtins.ValueError', `Invalid field ${name} in ${env.version >= 19 ? 'condition' : 'leaf'} ${leafRepr(leaf)}`);
}

function invalidDomain(domain: unknown): never {
  throw pythonError('builtins.ValueError', `Invalid domain: ${pyRepr(domain)}`);
}

/** Odoo normalizes leaves to tuples, so its messages print them with parentheses. */
function leafRepr(leaf: unknown): string {
  return Array.isArray(leaf) ? `(${leaf.map(pyRepr).join(', ')})` : pyRepr(leaf);
}

function isLeaf(term: unknown): term is [unknown, unknown, unknown] {
  return Array.isArray(term) && term.length === 3;
}

/** Parses a domain into a tree; implicit '&' between consecutive terms, as normalize_domain does. */
export function parseDomain(domain: unknown): Node {
  if (domain === false || domain === null || domain === undefined) return { kind: 'const', value: true };
  if (!Array.isArray(domain)) invalidDomain(domain);
  if (domain.length === 0) return { kind: 'const', value: true };
  let pos = 0;
  const parseTerm = (): Node => {
    if (pos >= domain.length) invalidDomain(domain);
    const term = domain[pos++];
    if (term === '&' || term === '|') {
      const left = parseTerm();
      const right = parseTerm();
      return { kind: term === '&' ? 'and' : 'or', left, right };
    }
    if (term === '!') return { kind: 'not', child: parseTerm() };
    if (term === true) return { kind: 'const', value: true };
    if (term === false) return { kind: 'const', value: false };
    if (!isLeaf(term)) invalidDomain(domain);
    const [path, rawOp, value] = term;
    // TRUE_LEAF / FALSE_LEAF
    if ((path === 1 || path === 0) && rawOp === '=' && value === 1) return { kind: 'const', value: path === 1 };
    const op = typeof rawOp === 'string' ? rawOp.toLowerCase() : rawOp;
    if (typeof path !== 'string' || typeof op !== 'string' || !OPERATORS.has(op)) {
      throw pythonError('builtins.ValueError', `Invalid leaf ${leafRepr(term)}`);
    }
    return { kind: 'leaf', path, op: op === '<>' ? '!=' : op, value };
  };
  let node = parseTerm();
  while (pos < domain.length) node = { kind: 'and', left: node, right: parseTerm() };
  return node;
}

/** Whether a domain mentions the active field at its top level (then active_test does not apply). */
function mentionsField(domain: unknown, fname: string): boolean {
  return Array.isArray(domain) && domain.some((term) => isLeaf(term) && term[0] === fname);
}

export interface SearchOptions {
  offset?: number;
  limit?: number | null | false;
  order?: string | null | false;
}

/** All ids of a model matching a domain, with active_test and multi-company record rules applied. */
export function searchRows(env: Env, modelName: string, domain: unknown, options: SearchOptions = {}): Row[] {
  const model = env.model(modelName);
  let node = parseDomain(domain);
  // Odoo compiles the whole domain to SQL first: a bad field fails even when the table is empty.
  checkFields(env, model, node);
  if (model.fields.has('active') && env.context.active_test !== false && !mentionsField(domain, 'active')) {
    node = { kind: 'and', left: { kind: 'leaf', path: 'active', op: '=', value: true }, right: node };
  }
  const companies = env.su ? null : companyFilter(env, model);
  const matches: Row[] = [];
  for (const row of candidatesOf(env, model, node) ?? env.db.table(modelName).values()) {
    if (companies && !companies(row)) continue;
    if (evaluate(env, model, row, node)) matches.push(row);
  }
  const sorted = sortRows(env, model, matches, options.order || model.order);
  const offset = options.offset || 0;
  const limit = options.limit ? Number(options.limit) : undefined;
  return sorted.slice(offset, limit === undefined ? undefined : offset + limit);
}

/**
 * The rows worth evaluating: when the domain's top level requires `field = value` or `field in values`
 * on a stored char, selection, integer or many2one field, only the rows its index holds for those values
 * (the whole domain is still evaluated on each). Undefined: every row.
 */
function candidatesOf(env: Env, model: ModelDef, node: Node): Row[] | undefined {
  const leaves: Array<Extract<Node, { kind: 'leaf' }>> = [];
  const conjuncts = (n: Node): void => {
    if (n.kind === 'and') {
      conjuncts(n.left);
      conjuncts(n.right);
    } else if (n.kind === 'leaf') leaves.push(n);
  };
  conjuncts(node);
  for (const leaf of leaves) {
    const field = model.fields.get(leaf.path);
    if (!field || field.compute || field.translate) continue;
    const numeric = field.type === 'many2one' || field.type === 'integer';
    if (!numeric && field.type !== 'char' && field.type !== 'selection') continue;
    const values = leaf.op === '=' ? [leaf.value] : leaf.op === 'in' && Array.isArray(leaf.value) ? leaf.value : undefined;
    if (!values || !values.every((value) => (numeric ? typeof value === 'number' : typeof value === 'string' && value !== ''))) continue;
    const rows = new Map<number, Row>();
    for (const value of values) for (const row of env.db.rowsWhere(model.name, leaf.path, value)) rows.set(row.id, row);
    return [...rows.values()];
  }
  return undefined;
}

export function searchIds(env: Env, modelName: string, domain: unknown, options: SearchOptions = {}): number[] {
  return searchRows(env, modelName, domain, options).map((row) => row.id);
}

/** The multi-company record rule: records of a company outside env.companies are invisible. */
function companyFilter(env: Env, model: ModelDef): ((row: Row) => boolean) | null {
  const hasCompany = model.fields.get('company_id')?.type === 'many2one' && !model.fields.get('company_id')?.compute;
  const hasCompanies = model.fields.get('company_ids')?.type === 'many2many';
  if (!hasCompany && !hasCompanies) return null;
  const allowed = new Set(env.companyIds());
  return (row) => {
    if (hasCompany && row.company_id && !allowed.has(row.company_id as number)) return false;
    if (hasCompanies && Array.isArray(row.company_ids) && row.company_ids.length > 0) {
      return (row.company_ids as number[]).some((id) => allowed.has(id));
    }
    return true;
  };
}

/** Every leaf's path must name fields of the model (through relational fields for dotted paths). */
function checkFields(env: Env, model: ModelDef, node: Node): void {
  switch (node.kind) {
    case 'const':
      return;
    case 'and':
    case 'or':
      checkFields(env, model, node.left);
      checkFields(env, model, node.right);
      return;
    case 'not':
      checkFields(env, model, node.child);
      return;
    case 'leaf':
      checkPath(env, model, node.path, [node.path, node.op, node.value], node.op, node.value);
  }
}

/**
 * A dotted path is searched as a sub-domain on the comodel, so a bad name further down is reported with
 * the comodel and the remaining leaf. 16–18 word it "in leaf (...)", 19's Domain "in condition (...)".
 */
function checkPath(env: Env, model: ModelDef, path: string, leaf: unknown[], op: string, value: unknown): void {
  const [fname, ...rest] = path.split('.');
  const field = fname === 'id' ? undefined : model.fields.get(fname);
  if (fname !== 'id' && !field) throw invalidLeafField(env, `${model.name}.${fname}`, [path, op, value]);
  const relation = field?.relation;
  if (rest.length > 0) {
    if (!relation) throw invalidLeafField(env, `${model.name}.${path}`, [path, op, value]);
    checkPath(env, env.model(relation), rest.join('.'), leaf, op, value);
  } else if ((op === 'any' || op === 'not any') && relation) {
    checkFields(env, env.model(relation), parseDomain(value));
  }
}

/** Evaluates a domain on one row (no active_test / record rules). */
export function matchesDomain(env: Env, modelName: string, row: Row, domain: unknown): boolean {
  return evaluate(env, env.model(modelName), row, parseDomain(domain));
}

function evaluate(env: Env, model: ModelDef, row: Row, node: Node): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'and':
      return evaluate(env, model, row, node.left) && evaluate(env, model, row, node.right);
    case 'or':
      return evaluate(env, model, row, node.left) || evaluate(env, model, row, node.right);
    case 'not':
      return !evaluate(env, model, row, node.child);
    case 'leaf':
      return evaluateLeaf(env, model, row, node.path, node.op, node.value);
  }
}

function fieldOf(model: ModelDef, fname: string, leaf: unknown[]): FieldDef | { name: 'id'; type: 'integer' } {
  if (fname === 'id') return { name: 'id', type: 'integer' };
  const field = model.fields.get(fname);
  if (!field) throw pythonError('builtins.ValueError', `Invalid field ${model.name}.${fname} in leaf ${leafRepr(leaf)}`);
  return field;
}

function relatedIds(value: unknown): number[] {
  if (Array.isArray(value)) return value as number[];
  return typeof value === 'number' && value ? [value] : [];
}

function evaluateLeaf(env: Env, model: ModelDef, row: Row, path: string, op: string, value: unknown): boolean {
  const leaf = [path, op, value];
  const [fname, ...rest] = path.split('.');
  const field = fieldOf(model, fname, leaf);
  const raw = rawValue(env, model, row, fname);
  const isRelational = field.type === 'many2one' || field.type === 'one2many' || field.type === 'many2many';

  if (rest.length > 0) {
    if (!isRelational) throw pythonError('builtins.ValueError', `Invalid field ${model.name}.${path} in leaf ${leafRepr(leaf)}`);
    // Odoo turns a dotted path into "field in (subquery)": rows without a related record never match.
    const comodel = env.model((field as FieldDef).relation as string);
    return relatedIds(raw).some((id) => {
      const related = env.db.get(comodel.name, id);
      return related ? evaluateLeaf(env, comodel, related, rest.join('.'), op, value) : false;
    });
  }

  if (op === 'any' || op === 'not any') {
    if (!isRelational) throw pythonError('builtins.ValueError', `Invalid leaf ${leafRepr(leaf)}`);
    const comodelName = (field as FieldDef).relation as string;
    const node = parseDomain(value);
    const comodel = env.model(comodelName);
    const found = relatedIds(raw).some((id) => {
      const related = env.db.get(comodelName, id);
      return related ? evaluate(env, comodel, related, node) : false;
    });
    return op === 'any' ? found : !found;
  }

  if (op === 'child_of' || op === 'parent_of') {
    const targetModel = fname === 'id' ? model.name : ((field as FieldDef).relation as string);
    const roots = resolveIds(env, targetModel, value);
    const family = op === 'child_of' ? descendants(env, targetModel, roots) : ancestors(env, targetModel, roots);
    return relatedIds(fname === 'id' ? row.id : raw).some((id) => family.has(id));
  }

  if (op === '=?') {
    if (value === false || value === null || value === undefined) return true;
    return evaluateLeaf(env, model, row, path, '=', value);
  }

  if (isRelational) return relationalLeaf(env, field as FieldDef, raw, op, value);
  return compareScalar(field.type, raw, op, value);
}

function relationalLeaf(env: Env, field: FieldDef, raw: unknown, op: string, value: unknown): boolean {
  const ids = relatedIds(raw);
  const negative = op === '!=' || op === 'not in' || op === 'not like' || op === 'not ilike';
  // A string (or list of strings) is matched against the related records' names, like _name_search.
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => typeof v === 'string')) {
    const positiveOp = { '!=': '=', 'not in': 'in', 'not like': 'like', 'not ilike': 'ilike' }[op] ?? op;
    const matchedIds = new Set<number>();
    for (const related of env.db.table(field.relation as string).values()) {
      const name = displayName(env, field.relation as string, related.id);
      const ok = positiveOp === 'in' ? values.includes(name) : compareScalar('char', name, positiveOp, value);
      if (ok) matchedIds.add(related.id);
    }
    const hit = ids.some((id) => matchedIds.has(id));
    return negative ? !hit : hit;
  }
  if (op === '=' || op === '!=') {
    const hit = value === false || value === null ? ids.length === 0 : ids.includes(value as number);
    return op === '=' ? hit : !hit;
  }
  if (op === 'in' || op === 'not in') {
    const wanted = values as unknown[];
    const hit = ids.some((id) => wanted.includes(id)) || (wanted.includes(false) && ids.length === 0);
    return op === 'in' ? hit : !hit;
  }
  if (field.type === 'many2one') return compareScalar('integer', ids[0] ?? false, op, value);
  throw pythonError('builtins.ValueError', `Invalid leaf ${leafRepr([field.name, op, value])}`);
}

const likeCache = new Map<string, RegExp>();

function likeToRegExp(pattern: string, wrap: boolean, insensitive: boolean): RegExp {
  const key = `${wrap ? 'w' : 'a'}${insensitive ? 'i' : 's'}${pattern}`;
  let cached = likeCache.get(key);
  if (!cached) {
    if (likeCache.size > 1000) likeCache.clear();
    cached = compileLike(pattern, wrap, insensitive);
    likeCache.set(key, cached);
  }
  return cached;
}

function compileLike(pattern: string, wrap: boolean, insensitive: boolean): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(wrap ? source : `^${source}$`, insensitive ? 'si' : 's');
}

function comparable(type: string, value: unknown): unknown {
  if (type === 'datetime' && typeof value === 'string') {
    // PostgreSQL also reads ISO literals ("2024-05-01T10:00:00Z") when comparing a timestamp column.
    const iso = value.replace('T', ' ').replace(/(Z|[+-]\d\d:?\d\d)$/, '');
    const text = iso.length === 10 ? `${iso} 00:00:00` : iso;
    const [main, frac = ''] = text.split('.');
    return `${main}.${frac.padEnd(6, '0')}`;
  }
  return value;
}

export function compareScalar(type: string, rawIn: unknown, op: string, valueIn: unknown): boolean {
  const raw = comparable(type, rawIn);
  switch (op) {
    case '=':
      if (valueIn === false || valueIn === null) return isEmpty(raw) || (type === 'boolean' && raw === false);
      return raw === comparable(type, valueIn) || (typeof raw === 'number' && raw === Number(valueIn) && typeof valueIn !== 'boolean');
    case '!=':
      return !compareScalar(type, rawIn, '=', valueIn);
    case 'in':
    case 'not in': {
      const list = (Array.isArray(valueIn) ? valueIn : [valueIn]).map((v) => comparable(type, v));
      const hit = list.includes(raw) || (isEmpty(raw) && list.some((v) => v === false || v === null));
      return op === 'in' ? hit : !hit;
    }
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const value = comparable(type, valueIn);
      if (isEmpty(raw) && type !== 'integer' && type !== 'float' && type !== 'monetary') return false;
      if (value === false || value === null) return false;
      const a = raw as number | string;
      const b = (typeof a === 'number' ? Number(value) : value) as number | string;
      if (op === '<') return a < b;
      if (op === '>') return a > b;
      if (op === '<=') return a <= b;
      return a >= b;
    }
    case 'like':
    case 'ilike':
    case 'not like':
    case 'not ilike':
    case '=like':
    case '=ilike': {
      const positive = !op.startsWith('not');
      if (isEmpty(raw)) return !positive;
      const pattern = likeToRegExp(String(valueIn), !op.startsWith('='), op.includes('ilike'));
      const hit = pattern.test(String(raw));
      return positive ? hit : !hit;
    }
    default:
      throw pythonError('builtins.ValueError', `Invalid leaf ${leafRepr(['?', op, valueIn])}`);
  }
}

function resolveIds(env: Env, modelName: string, value: unknown): number[] {
  const values = Array.isArray(value) ? value : [value];
  const ids: number[] = [];
  for (const v of values) {
    if (typeof v === 'number') ids.push(v);
    else if (typeof v === 'string') {
      for (const row of env.db.table(modelName).values()) {
        if (displayName(env, modelName, row.id).toLowerCase().includes(v.toLowerCase())) ids.push(row.id);
      }
    }
  }
  return ids;
}

function descendants(env: Env, modelName: string, roots: number[]): Set<number> {
  const parentName = env.model(modelName).parentName;
  const result = new Set(roots);
  if (!parentName) return result;
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of env.db.table(modelName).values()) {
      const parent = row[parentName];
      if (typeof parent === 'number' && result.has(parent) && !result.has(row.id)) {
        result.add(row.id);
        grew = true;
      }
    }
  }
  return result;
}

function ancestors(env: Env, modelName: string, roots: number[]): Set<number> {
  const parentName = env.model(modelName).parentName;
  const result = new Set<number>();
  for (const root of roots) {
    let current: number | false = root;
    while (current && !result.has(current)) {
      result.add(current);
      const row = env.db.get(modelName, current);
      current = parentName && row ? ((row[parentName] as number | false) ?? false) : false;
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------- order

const collator = new Intl.Collator('en-US', { sensitivity: 'base', numeric: false });

interface OrderKey {
  fname: string;
  desc: boolean;
  nullsFirst: boolean;
}

export function parseOrder(model: ModelDef, order: string): OrderKey[] {
  return order
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([\w.]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?$/i.exec(part);
      // models.py _check_qorder raises a UserError (ir.model's own order check catches it as one).
      if (!m) throw userError(`Invalid "order" specified (${order}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`);
      const fname = m[1];
      if (fname !== 'id' && !model.fields.has(fname)) {
        throw invalidField(model.name, fname);
      }
      const desc = (m[2] ?? 'asc').toLowerCase() === 'desc';
      // PostgreSQL puts NULLs last ascending and first descending unless told otherwise.
      const nullsFirst = m[3] ? m[3].toLowerCase() === 'first' : desc;
      return { fname, desc, nullsFirst };
    });
}

export function sortRows(env: Env, model: ModelDef, rows: Row[], order: string): Row[] {
  const keys = parseOrder(model, order);
  const keyed = rows.map((row) => ({ row, values: keys.map((key) => sortValue(env, model, row, key.fname)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const cmp = compareSortValues(a.values[i], b.values[i], keys[i]);
      if (cmp !== 0) return cmp;
    }
    return a.row.id - b.row.id;
  });
  return keyed.map((k) => k.row);
}

function sortValue(env: Env, model: ModelDef, row: Row, fname: string): unknown {
  const value = rawValue(env, model, row, fname);
  const field = model.fields.get(fname);
  if (field?.type === 'many2one') return value ? displayName(env, field.relation as string, value as number) : null;
  if (field?.type === 'boolean') return value ? 1 : 0;
  if (value === false || value === undefined || value === '') return null;
  return value;
}

function compareSortValues(a: unknown, b: unknown, key: OrderKey): number {
  if (a === null && b === null) return 0;
  if (a === null) return key.nullsFirst ? -1 : 1;
  if (b === null) return key.nullsFirst ? 1 : -1;
  let cmp: number;
  if (typeof a === 'string' && typeof b === 'string') cmp = collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
  else cmp = (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  return key.desc ? -cmp : cmp;
}

export type { Domain };
