import { Database } from './database';
import { accessError, pythonError } from './errors';
import type { ModelDef, OdooVersion, Row } from './types';

export class Registry {
  readonly models = new Map<string, ModelDef>();
  constructor(readonly version: OdooVersion) {}

  add(model: ModelDef): void {
    this.models.set(model.name, model);
  }

  remove(name: string): void {
    this.models.delete(name);
  }

  has(name: string): boolean {
    return this.models.has(name);
  }

  get(name: string): ModelDef {
    const model = this.models.get(name);
    if (!model) throw pythonError('builtins.KeyError', `'${name}'`, [name]);
    return model;
  }
}

/** A change the ORM reports so automation rules (webhooks) can react inside the same transaction. */
export interface RecordEvent {
  model: string;
  ids: number[];
  kind: 'create' | 'write' | 'unlink';
  fields: string[];
}

export interface AccessRights {
  /** Model -> allowed operations; '*' covers every model. Missing = no access. */
  models: Record<string, Array<'read' | 'write' | 'create' | 'unlink'>>;
  groupNames?: string[];
}

/** Everything a call can see: data, model definitions for the active version, automation hooks. */
export interface OrmState {
  version: OdooVersion;
  db: Database;
  registry: Registry;
  onRecordEvent?: (env: Env, event: RecordEvent) => void;
  accessFor: (uid: number) => AccessRights;
  userCompanyIds: (uid: number) => number[];
}

export type Context = Record<string, unknown>;

/** Odoo's Environment: who (uid), with which context, inside which transaction. */
export class Env {
  constructor(
    readonly state: OrmState,
    readonly uid: number,
    readonly context: Context,
    readonly su = false,
  ) {}

  get db(): Database {
    return this.state.db;
  }

  get registry(): Registry {
    return this.state.registry;
  }

  get version(): OdooVersion {
    return this.state.version;
  }

  /** Transaction start time (cr.now()): the same for every record a call touches. */
  get now(): string {
    const txn = this.db.inTransaction;
    if (!txn) throw new Error('no transaction: ORM writes must run inside Env.transaction');
    return txn.now;
  }

  withContext(patch: Context): Env {
    return new Env(this.state, this.uid, { ...this.context, ...patch }, this.su);
  }

  replaceContext(context: Context): Env {
    return new Env(this.state, this.uid, context, this.su);
  }

  sudo(): Env {
    return new Env(this.state, this.uid, this.context, true);
  }

  model(name: string): ModelDef {
    return this.registry.get(name);
  }

  row(model: string, id: number): Row | undefined {
    return this.db.get(model, id);
  }

  /** env.companies: the allowed_company_ids of the context, which must belong to the user. */
  companyIds(): number[] {
    const userCompanies = this.state.userCompanyIds(this.uid);
    const allowed = this.context.allowed_company_ids;
    if (Array.isArray(allowed) && allowed.length > 0) {
      if (!this.su && allowed.some((id) => !userCompanies.includes(id as number))) {
        throw accessError('Access to unauthorized or invalid companies.');
      }
      return allowed as number[];
    }
    return userCompanies;
  }

  /** env.company: the first allowed company. */
  companyId(): number {
    return this.companyIds()[0];
  }

  get lang(): string {
    return typeof this.context.lang === 'string' ? this.context.lang : 'en_US';
  }
}
