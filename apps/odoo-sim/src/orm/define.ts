import type { Env } from './env';
import type { FieldDef, MethodDef, ModelDef, ModelHooks, Row } from './types';

/** A compact way to declare models: fields with their Odoo attributes, business methods and hooks. */
export type FieldSpec = Omit<FieldDef, 'name'>;

export interface ModelSpec {
  name: string;
  description: string;
  order?: string;
  recName?: string;
  parentName?: string;
  transient?: boolean;
  fields: Record<string, FieldSpec | undefined>;
  methods?: Record<string, MethodDef | undefined>;
  hooks?: ModelHooks;
  displayName?: (env: Env, row: Row) => string;
}

export function defineModel(spec: ModelSpec): ModelDef {
  const fields = new Map<string, FieldDef>();
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field) fields.set(name, { ...field, name });
  }
  const methods = new Map<string, MethodDef>();
  for (const [name, method] of Object.entries(spec.methods ?? {})) {
    if (method) methods.set(name, method);
  }
  return {
    name: spec.name,
    description: spec.description,
    order: spec.order ?? 'id',
    recName: spec.recName ?? 'name',
    parentName: spec.parentName,
    transient: spec.transient,
    fields,
    methods,
    hooks: spec.hooks ?? {},
    displayName: spec.displayName,
  };
}

type Opts = Partial<FieldSpec>;

export const char = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'char', string, ...opts });
export const text = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'text', string, ...opts });
export const html = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'html', string, ...opts });
export const integer = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'integer', string, ...opts });
export const float = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'float', string, ...opts });
export const monetary = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'monetary', string, ...opts });
export const boolean = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'boolean', string, ...opts });
export const date = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'date', string, ...opts });
export const datetime = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'datetime', string, ...opts });
export const binary = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'binary', string, ...opts });
export const json = (string: string, opts: Opts = {}): FieldSpec => ({ type: 'json', string, ...opts });
export const selection = (selectionValues: Array<[string, string]>, string: string, opts: Opts = {}): FieldSpec => ({
  type: 'selection',
  string,
  selection: selectionValues,
  ...opts,
});
export const many2one = (relation: string, string: string, opts: Opts = {}): FieldSpec => ({
  type: 'many2one',
  relation,
  string,
  ondelete: 'set null',
  ...opts,
});
export const one2many = (relation: string, inverseName: string, string: string, opts: Opts = {}): FieldSpec => ({
  type: 'one2many',
  relation,
  inverseName,
  string,
  ...opts,
});
export const many2many = (relation: string, string: string, opts: Opts = {}): FieldSpec => ({
  type: 'many2many',
  relation,
  string,
  ...opts,
});

/** Shorthand for a business method on records (args[0] = ids over RPC). */
export function recordMethod(
  run: (env: Env, ids: number[], args: Record<string, unknown>) => unknown,
  params: MethodDef['params'] = [],
): MethodDef {
  return { api: 'multi', params, run };
}

/** Shorthand for an @api.model business method. */
export function modelMethod(
  run: (env: Env, ids: number[], args: Record<string, unknown>) => unknown,
  params: MethodDef['params'] = [],
): MethodDef {
  return { api: 'model', params, run };
}

/** Python class name Odoo gives a model class, used in TypeError texts ("SaleOrder.action_confirm() ..."). */
export function pythonClassName(modelName: string): string {
  return modelName
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
