import { randomBytes } from 'node:crypto';
import { Database } from '../orm/database';
import { type AccessRights, Env, type OrmState, type RecordEvent } from '../orm/env';
import { callJson2, callKw } from '../orm/call';
import { OdooException, accessDenied, pythonError, userError } from '../orm/errors';
import { nowMicros } from '../orm/time';
import type { OdooVersion } from '../orm/types';
import { buildRegistry } from '../models/index';
import { apiKeyUser, generateApiKey, userContext } from '../models/base';
import { SEED_IDS, seedDatabase, type SeedOptions } from './seed';
import { Automation } from './webhooks';

/**
 * The simulated Odoo server behind every transport: one database, users and API keys, sessions,
 * the version dialect, and `transaction()` which gives each call Odoo's one-call-one-transaction semantics.
 */

export interface SimulatorOptions extends SeedOptions {
  version?: OdooVersion;
  dbName?: string;
  /** Odoo's brute-force protection (base.login_cooldown_after / _duration); off unless set. */
  loginCooldown?: { after: number; seconds: number } | null;
}

export interface VersionInfo {
  server_version: string;
  server_version_info: Array<number | string>;
  server_serie: string;
  protocol_version: number;
}

const FULL_ACCESS: AccessRights = { models: { '*': ['read', 'write', 'create', 'unlink'] } };
/** The viewer can read catalogue and contacts only: everything else is an AccessError. */
const VIEWER_ACCESS: AccessRights = {
  models: Object.fromEntries(
    ['res.partner', 'product.product', 'product.template', 'product.category', 'product.pricelist', 'product.pricelist.item', 'uom.uom', 'res.users', 'res.company', 'res.currency', 'res.country', 'ir.model', 'stock.warehouse', 'stock.location', 'stock.quant'].map((m) => [m, ['read']]),
  ),
};

export class Simulator {
  version: OdooVersion;
  readonly dbName: string;
  state!: OrmState;
  readonly automation = new Automation();
  private readonly sessions = new Map<string, { uid: number; db: string; login: string }>();
  private readonly loginFailures = new Map<string, { count: number; since: number }>();
  private readonly seedOptions: SeedOptions;
  loginCooldown: { after: number; seconds: number } | null;

  constructor(options: SimulatorOptions = {}) {
    this.version = options.version ?? 17;
    this.dbName = options.dbName ?? 'omnibus';
    this.loginCooldown = options.loginCooldown ?? null;
    this.seedOptions = { seed: options.seed, productCount: options.productCount, customerCount: options.customerCount };
    this.reset();
  }

  /** Rebuilds the database from the seed (optionally switching version): a fresh Odoo. */
  reset(options: { version?: OdooVersion; seed?: number } = {}): void {
    if (options.version) this.version = options.version;
    const registry = buildRegistry(this.version);
    const db = new Database();
    this.state = {
      version: this.version,
      db,
      registry,
      onRecordEvent: (env: Env, event: RecordEvent) => this.automation.onRecordEvent(env, event),
      accessFor: (uid) => (uid === SEED_IDS.userViewer ? VIEWER_ACCESS : FULL_ACCESS),
      userCompanyIds: (uid) => (db.get('res.users', uid)?.company_ids as number[]) ?? [1],
    };
    const onRecordEvent = this.state.onRecordEvent;
    this.state.onRecordEvent = undefined; // seeding fires no automation
    seedDatabase(this.state, { ...this.seedOptions, seed: options.seed ?? this.seedOptions.seed });
    this.state.onRecordEvent = onRecordEvent;
    this.sessions.clear();
    this.loginFailures.clear();
    this.automation.clearIncomingLog();
  }

  versionInfo(): VersionInfo {
    const serie = `${this.version}.0`;
    return { server_version: serie, server_version_info: [this.version, 0, 0, 'final', 0, ''], server_serie: serie, protocol_version: 1 };
  }

  env(uid: number, context: Record<string, unknown> = {}): Env {
    return new Env(this.state, uid, context);
  }

  // ------------------------------------------------------------------------------------ transactions

  /**
   * Runs `work` as one transaction started at `now` (cr.now(): the same for every record of the call).
   * On error everything is rolled back; on success post-commit hooks (webhooks) run.
   */
  transaction<T>(now: string, work: () => T, options: { commit?: boolean } = {}): T {
    this.state.db.begin(now);
    let result: T;
    try {
      result = work();
    } catch (error) {
      this.state.db.rollback();
      throw error;
    }
    if (options.commit === false) {
      this.state.db.rollback();
      return result;
    }
    const txn = this.state.db.commit();
    for (const hook of txn.postCommit) hook();
    return result;
  }

  // ------------------------------------------------------------------------------------------ auth

  checkDatabase(db: unknown): void {
    if (db !== this.dbName) {
      throw pythonError(
        'psycopg2.OperationalError',
        `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${String(db)}" does not exist\n`,
      );
    }
  }

  private userByLogin(login: unknown) {
    for (const user of this.state.db.table('res.users').values()) if (user.login === login && user.active !== false) return user;
    return undefined;
  }

  private assertCanAuth(source: string): void {
    const cooldown = this.loginCooldown;
    if (!cooldown) return;
    const failures = this.loginFailures.get(source);
    if (!failures || failures.count < cooldown.after) return;
    if (Date.now() - failures.since < cooldown.seconds * 1000) {
      throw accessDenied('Too many login failures, please wait a bit before trying again.');
    }
    this.loginFailures.delete(source);
  }

  private recordFailure(source: string): void {
    const failures = this.loginFailures.get(source) ?? { count: 0, since: Date.now() };
    failures.count += 1;
    failures.since = Date.now();
    this.loginFailures.set(source, failures);
  }

  /** res.users.authenticate: uid, or AccessDenied. Interactive logins (web session) refuse API keys. */
  login(login: unknown, password: unknown, options: { interactive: boolean; source?: string }): number {
    const source = options.source ?? '127.0.0.1';
    this.assertCanAuth(source);
    const user = this.userByLogin(login);
    if (user && typeof password === 'string' && password !== '') {
      if (user.__password === password) return user.id;
      if (!options.interactive && apiKeyUser(this.env(user.id), password) === user.id) return user.id;
    }
    this.recordFailure(source);
    throw accessDenied();
  }

  /** security.check on every object call: the uid's password or one of its API keys. */
  checkCredentials(uid: unknown, password: unknown): number {
    if (this.version >= 19 && !password) throw accessDenied();
    const id = typeof uid === 'number' ? uid : typeof uid === 'string' && /^\d+$/.test(uid) ? Number(uid) : NaN;
    if (Number.isNaN(id)) throw pythonError('builtins.ValueError', `invalid literal for int() with base 10: '${String(uid)}'`);
    const user = this.state.db.get('res.users', id);
    if (!user || user.active === false || typeof password !== 'string') throw accessDenied();
    if (user.__password === password) return id;
    if (apiKeyUser(this.env(id), password) === id) return id;
    throw accessDenied();
  }

  /** JSON-2 bearer auth: the key's user or null. */
  bearerUser(key: string): number | null {
    const uid = apiKeyUser(this.env(1), key);
    if (uid === null) return null;
    return this.state.db.get('res.users', uid)?.active === false ? null : uid;
  }

  createApiKey(login: string, name: string, options: { scope?: string | null; expirationDate?: string | null; now?: string } = {}): { key: string; uid: number } {
    const user = this.userByLogin(login);
    if (!user) throw userError(`Unknown login ${login}`);
    const key = this.transaction(options.now ?? nowMicros(), () =>
      generateApiKey(this.env(user.id), options.scope ?? false, name, options.expirationDate ? `${options.expirationDate}${options.expirationDate.length === 10 ? ' 00:00:00' : ''}.000000` : false),
    );
    return { key, uid: user.id };
  }

  // -------------------------------------------------------------------------------------- sessions

  openSession(uid: number): string {
    const sid = randomBytes(20).toString('hex');
    const user = this.state.db.get('res.users', uid);
    this.sessions.set(sid, { uid, db: this.dbName, login: String(user?.login) });
    return sid;
  }

  session(sid: string | undefined): { uid: number; db: string; login: string } | undefined {
    return sid ? this.sessions.get(sid) : undefined;
  }

  dropSession(sid: string | undefined): void {
    if (sid) this.sessions.delete(sid);
  }

  sessionInfo(uid: number): Record<string, unknown> {
    const env = this.env(uid);
    const user = this.state.db.get('res.users', uid);
    const partner = this.state.db.get('res.partner', user?.partner_id as number);
    const companies = (user?.company_ids as number[]) ?? [1];
    const info = this.versionInfo();
    return {
      uid,
      is_system: uid === SEED_IDS.userAdmin,
      is_admin: uid === SEED_IDS.userAdmin,
      is_public: false,
      is_internal_user: true,
      user_context: userContext(env),
      db: this.dbName,
      user_settings: { id: uid, user_id: { id: uid } },
      server_version: info.server_version,
      server_version_info: info.server_version_info,
      support_url: 'https://www.odoo.com/buy',
      name: partner?.name ?? '',
      username: user?.login,
      partner_display_name: partner?.name ?? '',
      partner_id: user?.partner_id,
      'web.base.url': 'http://localhost:8069',
      active_ids_limit: 20000,
      max_file_upload_size: 134217728,
      home_action_id: false,
      currencies: { 1: { symbol: '$', position: 'before', digits: [69, 2] }, 2: { symbol: '€', position: 'after', digits: [69, 2] } },
      company_id: user?.company_id,
      user_companies: {
        current_company: user?.company_id,
        allowed_companies: Object.fromEntries(
          companies.map((id) => {
            const company = this.state.db.get('res.company', id);
            return [id, { id, name: company?.name, sequence: company?.sequence ?? 10, child_ids: [], parent_id: false, currency_id: company?.currency_id ?? 1 }];
          }),
        ),
        disallowed_ancestor_companies: {},
      },
      show_effect: true,
    };
  }

  // ---------------------------------------------------------------------------------- object calls

  /** The `object` service: execute_kw / execute with credentials re-checked on every call. */
  executeKw(db: unknown, uid: unknown, password: unknown, model: unknown, method: unknown, args: unknown, kwargs: unknown): unknown {
    this.checkDatabase(db);
    const userId = this.checkCredentials(uid, password);
    return this.callModel(userId, model, method, args, kwargs);
  }

  /** call_kw for an authenticated uid (object service and /web/dataset/call_kw). */
  callModel(uid: number, model: unknown, method: unknown, args: unknown, kwargs: unknown): unknown {
    const modelName = String(model);
    const methodName = String(method);
    if (this.version <= 18 && methodName.startsWith('_')) {
      throw new OdooException('odoo.exceptions.AccessError', `Private methods (such as ${methodName}) cannot be called remotely.`, 'access_error', undefined, 403);
    }
    if (!this.state.registry.has(modelName)) throw userError(`Object ${modelName} doesn't exist`);
    const positional = Array.isArray(args) ? args : args === undefined || args === null ? [] : [args];
    const named = kwargs && typeof kwargs === 'object' && !Array.isArray(kwargs) ? (kwargs as Record<string, unknown>) : {};
    return callKw(this.env(uid), modelName, methodName, positional, named);
  }

  callJson2(uid: number, model: string, method: string, body: Record<string, unknown>): unknown {
    const { ids, context, ...kwargs } = body;
    const env = this.env(uid, context && typeof context === 'object' ? (context as Record<string, unknown>) : {});
    const idList = Array.isArray(ids) ? (ids as number[]) : typeof ids === 'number' ? [ids] : [];
    return callJson2(env, model, method, idList, kwargs);
  }
}
