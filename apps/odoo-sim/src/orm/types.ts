import type { Env } from './env';

export type OdooVersion = 16 | 17 | 18 | 19;
export const ODOO_VERSIONS: OdooVersion[] = [16, 17, 18, 19];

export type FieldType =
  | 'char'
  | 'text'
  | 'html'
  | 'integer'
  | 'float'
  | 'monetary'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2many'
  | 'binary'
  | 'json';

/** One stored record: field name -> internal value (many2one = id | false, many2many = id[], dates as text). */
export type Row = { id: number } & Record<string, unknown>;
export type Vals = Record<string, unknown>;
export type Domain = unknown[];

export interface FieldDef {
  name: string;
  type: FieldType;
  string: string;
  required?: boolean;
  readonly?: boolean;
  help?: string;
  relation?: string;
  /** one2many: the many2one on the comodel pointing back. */
  inverseName?: string;
  selection?: Array<[string, string]>;
  default?: unknown | ((env: Env, vals: Vals) => unknown);
  /** Not stored: evaluated on read and in domains. */
  compute?: (env: Env, row: Row) => unknown;
  /** Makes a computed field writable. */
  inverse?: (env: Env, row: Row, value: unknown) => void;
  store?: boolean;
  translate?: boolean;
  companyDependent?: boolean;
  ondelete?: 'cascade' | 'set null' | 'restrict';
  digits?: [number, number];
  /** Whether copy() carries the value (only custom fields say so here; business copies name their fields). */
  copy?: boolean;
  /** A custom field added through ir.model.fields (its id): fields_get says `manual: true`. */
  manualId?: number;
}

export type MethodApi = 'model' | 'multi' | 'create';

export interface MethodParam {
  name: string;
  /** Omitted = required positional parameter. */
  default?: unknown;
}

export interface MethodDef {
  api: MethodApi;
  /** Python parameters after `self`, in order: used to bind positional args and kwargs like Python does. */
  params: MethodParam[];
  /** Accepts **kwargs. */
  varKeywords?: boolean;
  /** Decorated @api.private (19) or otherwise not callable remotely. */
  private?: boolean;
  run: (env: Env, ids: number[], args: Record<string, unknown>) => unknown;
}

export interface ModelHooks {
  /** Before insert; may fill defaults that depend on other values. */
  beforeCreate?: (env: Env, vals: Vals) => void;
  afterCreate?: (env: Env, ids: number[], valsList: Vals[]) => void;
  beforeWrite?: (env: Env, ids: number[], vals: Vals) => void;
  afterWrite?: (env: Env, ids: number[], vals: Vals) => void;
  beforeUnlink?: (env: Env, ids: number[]) => void;
  /** Constraints checked after create/write (Python @api.constrains). */
  constrain?: (env: Env, ids: number[]) => void;
}

export interface ModelDef {
  name: string;
  description: string;
  order: string;
  recName: string;
  parentName?: string;
  /** Transient wizard models (stock.backorder.confirmation, account.move.reversal, ...). */
  transient?: boolean;
  fields: Map<string, FieldDef>;
  methods: Map<string, MethodDef>;
  hooks: ModelHooks;
  displayName?: (env: Env, row: Row) => string;
}
