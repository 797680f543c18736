import type { Env } from './env';
import type { FieldDef, ModelDef, Row } from './types';

/** The value an empty field holds internally (what Python sees before read() formats it). */
export function emptyValue(field: FieldDef): unknown {
  switch (field.type) {
    case 'integer':
    case 'float':
    case 'monetary':
      return 0;
    case 'boolean':
      return false;
    case 'one2many':
    case 'many2many':
      return [];
    default:
      return false;
  }
}

export function isEmpty(value: unknown): boolean {
  return value === false || value === null || value === undefined || value === '';
}

/** Internal value of a field on a row: stored value, computed value, or one2many ids found by inverse. */
export function rawValue(env: Env, model: ModelDef, row: Row, fname: string): unknown {
  if (fname === 'id') return row.id;
  const field = model.fields.get(fname);
  if (!field) return undefined;
  if (field.compute) return field.compute(env, row);
  if (field.type === 'one2many') return childIds(env, field, row.id);
  const value = row[fname];
  return value === undefined ? emptyValue(field) : value;
}

export function childIds(env: Env, field: FieldDef, parentId: number): number[] {
  const inverse = field.inverseName as string;
  const ids: number[] = [];
  for (const child of env.db.table(field.relation as string).values()) {
    if (child[inverse] === parentId) ids.push(child.id);
  }
  return ids.sort((a, b) => a - b);
}

export function fieldValue(env: Env, modelName: string, id: number, fname: string): unknown {
  const model = env.model(modelName);
  const row = env.db.get(modelName, id);
  return row ? rawValue(env, model, row, fname) : undefined;
}

export function displayName(env: Env, modelName: string, id: number): string {
  const model = env.model(modelName);
  const row = env.db.get(modelName, id);
  if (!row) return '';
  if (model.displayName) return model.displayName(env, row);
  const name = rawValue(env, model, row, model.recName);
  return typeof name === 'string' ? name : `${modelName},${id}`;
}

export function roundMoney(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round((value + Number.EPSILON * Math.sign(value)) * factor) / factor;
}
