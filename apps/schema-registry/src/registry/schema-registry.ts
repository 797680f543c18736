import { createHash } from 'node:crypto';
import {
  CompatibilityLevel,
  DEFAULT_COMPATIBILITY_LEVEL,
  InvalidSchemaError,
  ParsedSchema,
  checkCompatibility,
  parseSchema,
} from '@omnibus/avro-compat';
import { DataSource } from 'typeorm';
import { RegistryError, errors } from './errors';
import { GLOBAL_SCOPE, Mode, RegisterRequest, SchemaReference, VersionSelector } from './requests';

/** Anything that runs SQL: the DataSource, or the EntityManager of a transaction. */
interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

export interface StoredSchema {
  id: number;
  schemaType: 'AVRO';
  /** Canonical JSON text. */
  schema: string;
  references: SchemaReference[];
}

export interface SubjectVersion extends StoredSchema {
  subject: string;
  version: number;
}

interface VersionRow {
  version: number;
  schemaId: number;
  deleted: boolean;
}

interface Candidate {
  parsed: ParsedSchema;
  references: SchemaReference[];
  fingerprint: string;
}

export interface RegistrationOutcome {
  id: number;
  version: number;
  /** False when the identical schema already was a live version of the subject. */
  created: boolean;
}

export interface CompatibilityOutcome {
  compatible: boolean;
  level: CompatibilityLevel;
  messages: string[];
}

export interface RegistryEvents {
  schemaCache?(hit: boolean): void;
  registration?(outcome: 'created' | 'existing' | 'incompatible' | 'invalid'): void;
}

/** Serialises registrations and deletions: ids and versions are assigned one at a time. */
const REGISTRY_LOCK = 7_301_881_002;

const DEFAULT_MODE: Mode = 'READWRITE';

type Setting = 'compatibility' | 'mode';

/**
 * The registry's rules over PostgreSQL, free of HTTP: global ids, per-subject versions,
 * compatibility enforcement, soft and hard deletes, subject and global settings.
 */
export class SchemaRegistry {
  /** Schema text by id never changes; only a hard delete makes an id unknown again. */
  private readonly schemasById = new Map<number, StoredSchema>();
  private readonly parsedById = new Map<number, ParsedSchema>();

  constructor(
    private readonly db: DataSource,
    private readonly events: RegistryEvents = {},
  ) {}

  // ---- schemas by global id

  async schemaById(id: number): Promise<StoredSchema> {
    const cached = this.schemasById.get(id);
    this.events.schemaCache?.(cached !== undefined);
    if (cached) return cached;
    const [row] = await this.db.query(
      `SELECT s.id, s.schema, s.refs FROM schemas s
        WHERE s.id = $1 AND EXISTS (SELECT 1 FROM subject_versions v WHERE v.schema_id = s.id)`,
      [id],
    );
    if (!row) throw errors.schemaNotFound(id);
    const stored = toStoredSchema(row);
    this.schemasById.set(id, stored);
    return stored;
  }

  async versionsOfSchema(id: number, includeDeleted: boolean): Promise<Array<{ subject: string; version: number }>> {
    await this.schemaById(id);
    return this.db.query(
      `SELECT subject, version FROM subject_versions
        WHERE schema_id = $1 AND ($2 OR NOT deleted) ORDER BY subject, version`,
      [id, includeDeleted],
    );
  }

  async subjectsOfSchema(id: number, includeDeleted: boolean): Promise<string[]> {
    const versions = await this.versionsOfSchema(id, includeDeleted);
    return [...new Set(versions.map((v) => v.subject))];
  }

  // ---- subjects and versions

  async subjects(options: { includeDeleted: boolean; deletedOnly: boolean; prefix?: string }): Promise<string[]> {
    const rows: Array<{ subject: string; live: boolean }> = await this.db.query(
      `SELECT subject, bool_or(NOT deleted) AS live FROM subject_versions
        WHERE starts_with(subject, $1) GROUP BY subject ORDER BY subject`,
      [options.prefix ?? ''],
    );
    return rows
      .filter((row) => (options.deletedOnly ? !row.live : options.includeDeleted || row.live))
      .map((row) => row.subject);
  }

  async versions(subject: string, options: { includeDeleted: boolean; deletedOnly: boolean }): Promise<number[]> {
    const rows = await this.versionRows(this.db, subject);
    const visible = rows.filter((row) => (options.deletedOnly ? row.deleted : options.includeDeleted || !row.deleted));
    const anyLive = rows.some((row) => !row.deleted);
    if (rows.length === 0 || (!anyLive && !options.includeDeleted && !options.deletedOnly)) throw errors.subjectNotFound(subject);
    return visible.map((row) => row.version);
  }

  async subjectVersion(subject: string, selector: VersionSelector, includeDeleted = false): Promise<SubjectVersion> {
    const row = selectVersion(subject, await this.versionRows(this.db, subject), selector, includeDeleted);
    return { subject, version: row.version, ...(await this.schemaById(row.schemaId)) };
  }

  /** Ids of schemas whose references point at this subject version. */
  async referencedBy(subject: string, selector: VersionSelector): Promise<number[]> {
    const row = selectVersion(subject, await this.versionRows(this.db, subject), selector, false);
    return this.referrers(this.db, subject, row.version, false);
  }

  /** Finds the version of a subject that holds this schema (`POST /subjects/{subject}`). */
  async lookup(subject: string, request: RegisterRequest, includeDeleted: boolean): Promise<SubjectVersion> {
    const rows = (await this.versionRows(this.db, subject)).filter((row) => includeDeleted || !row.deleted);
    if (rows.length === 0) throw errors.subjectNotFound(subject);
    const candidate = await this.parseCandidate(request);
    const id = await this.schemaIdOf(this.db, candidate.fingerprint);
    const match = [...rows].reverse().find((row) => row.schemaId === id);
    if (!match) throw errors.schemaNotFound();
    return { subject, version: match.version, ...(await this.schemaById(match.schemaId)) };
  }

  async register(subject: string, request: RegisterRequest): Promise<RegistrationOutcome> {
    let candidate: Candidate;
    try {
      candidate = await this.parseCandidate(request);
    } catch (error) {
      this.events.registration?.('invalid');
      throw error;
    }
    return this.underRegistryLock(async (tx) => {
      const mode = await this.effectiveSetting(tx, 'mode', subject);
      if (mode === 'READONLY') throw errors.operationNotPermitted(`Subject '${subject}' is in read-only mode`);
      if ((request.id !== undefined || request.version !== undefined) && mode !== 'IMPORT') {
        throw errors.operationNotPermitted('A schema id or version can only be given in IMPORT mode');
      }
      const rows = await this.versionRows(tx, subject);
      const live = rows.filter((row) => !row.deleted);
      const existingId = await this.schemaIdOf(tx, candidate.fingerprint);
      const sameLive = existingId === undefined ? undefined : live.find((row) => row.schemaId === existingId);
      // Idempotent, also for an import replayed with the id the schema already has.
      if (sameLive && (request.id === undefined || request.id === existingId)) {
        this.events.registration?.('existing');
        return { id: existingId!, version: sameLive.version, created: false };
      }

      if (mode !== 'IMPORT') {
        const level = (await this.effectiveSetting(tx, 'compatibility', subject)) as CompatibilityLevel;
        const previous = await oneAtATime(live, (row) => this.parsedSchema(tx, row.schemaId));
        const report = checkCompatibility(level, candidate.parsed, previous, {
          describePrevious: (index) => `version ${live[index].version}`,
        });
        if (!report.compatible) {
          this.events.registration?.('incompatible');
          throw errors.incompatibleSchema(
            `Schema being registered is incompatible with an earlier schema for subject "${subject}" ` +
              `(compatibility ${level}), details: ${report.messages.join('; ')}`,
          );
        }
      }

      const id = await this.assignSchemaId(tx, candidate, existingId, request.id);
      const version = request.version ?? (rows.length === 0 ? 1 : rows[rows.length - 1].version + 1);
      const clash = rows.find((row) => row.version === version);
      if (clash) {
        if (clash.schemaId === id) return { id, version, created: false };
        throw errors.idDoesNotMatch(`Version ${version} of subject '${subject}' already holds schema ${clash.schemaId}`);
      }
      await tx.query('INSERT INTO subject_versions (subject, version, schema_id) VALUES ($1, $2, $3)', [subject, version, id]);
      this.events.registration?.('created');
      return { id, version, created: true };
    });
  }

  // ---- deletes

  async deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.underRegistryLock(async (tx) => {
      await this.refuseWhenReadOnly(tx, subject);
      const rows = await this.versionRows(tx, subject);
      if (rows.length === 0) throw errors.subjectNotFound(subject);
      const live = rows.filter((row) => !row.deleted);
      if (!permanent) {
        if (live.length === 0) throw errors.subjectSoftDeleted(subject);
        for (const row of live) await this.refuseWhenReferenced(tx, subject, row.version, false);
        await tx.query('UPDATE subject_versions SET deleted = true WHERE subject = $1 AND NOT deleted', [subject]);
        return live.map((row) => row.version);
      }
      if (live.length > 0) throw errors.subjectNotSoftDeleted(subject);
      for (const row of rows) await this.refuseWhenReferenced(tx, subject, row.version, true);
      await tx.query('DELETE FROM subject_versions WHERE subject = $1', [subject]);
      await tx.query('DELETE FROM subject_settings WHERE scope = $1', [subject]);
      await this.forgetUnusedSchemas(tx, rows.map((row) => row.schemaId));
      return rows.map((row) => row.version);
    });
  }

  async deleteVersion(subject: string, selector: VersionSelector, permanent: boolean): Promise<number> {
    return this.underRegistryLock(async (tx) => {
      await this.refuseWhenReadOnly(tx, subject);
      const rows = await this.versionRows(tx, subject);
      if (rows.length === 0) throw errors.subjectNotFound(subject);
      // A numbered version is found even when soft-deleted, to say so (40406/40407); `latest` is the
      // latest live version for a soft delete and the latest of all for a permanent one.
      const row = selectVersion(subject, rows, selector, selector === 'latest' ? permanent : true);
      if (!permanent) {
        if (row.deleted) throw errors.versionSoftDeleted(subject, row.version);
        await this.refuseWhenReferenced(tx, subject, row.version, false);
        await tx.query('UPDATE subject_versions SET deleted = true WHERE subject = $1 AND version = $2', [subject, row.version]);
      } else {
        if (!row.deleted) throw errors.versionNotSoftDeleted(subject, row.version);
        await this.refuseWhenReferenced(tx, subject, row.version, true);
        await tx.query('DELETE FROM subject_versions WHERE subject = $1 AND version = $2', [subject, row.version]);
        await this.forgetUnusedSchemas(tx, [row.schemaId]);
      }
      return row.version;
    });
  }

  // ---- compatibility

  /**
   * Would this schema be accepted? Against one version when given (`latest` included), else against
   * every version the subject's level requires. A subject without versions accepts anything.
   */
  async testCompatibility(subject: string, selector: VersionSelector | undefined, request: RegisterRequest): Promise<CompatibilityOutcome> {
    const live = (await this.versionRows(this.db, subject)).filter((row) => !row.deleted);
    const against = selector === undefined ? live : [selectVersion(subject, live, selector, false)];
    const candidate = await this.parseCandidate(request);
    const level = (await this.effectiveSetting(this.db, 'compatibility', subject)) as CompatibilityLevel;
    const previous = await Promise.all(against.map((row) => this.parsedSchema(this.db, row.schemaId)));
    const report = checkCompatibility(level, candidate.parsed, previous, {
      describePrevious: (index) => `version ${against[index].version}`,
    });
    return { compatible: report.compatible, level, messages: report.messages };
  }

  // ---- settings: compatibility level and mode, global ('' scope) or per subject

  async globalSetting(setting: Setting): Promise<string> {
    return (await this.setting(this.db, setting, GLOBAL_SCOPE)) ?? defaultOf(setting);
  }

  async setGlobalSetting(setting: Setting, value: string): Promise<void> {
    await this.putSetting(setting, GLOBAL_SCOPE, value);
  }

  /** Resets the global value to the default; returns the value it had. */
  async resetGlobalSetting(setting: Setting): Promise<string> {
    const previous = await this.globalSetting(setting);
    await this.db.query('DELETE FROM subject_settings WHERE scope = $1 AND setting = $2', [GLOBAL_SCOPE, setting]);
    return previous;
  }

  /** The subject's own value; with `defaultToGlobal` the effective one. */
  async subjectSetting(setting: Setting, subject: string, defaultToGlobal: boolean): Promise<string> {
    if (defaultToGlobal) return this.effectiveSetting(this.db, setting, subject);
    const value = await this.setting(this.db, setting, subject);
    if (value === undefined) {
      throw setting === 'compatibility' ? errors.subjectCompatibilityNotConfigured(subject) : errors.subjectModeNotConfigured(subject);
    }
    return value;
  }

  async setSubjectSetting(setting: Setting, subject: string, value: string): Promise<void> {
    await this.putSetting(setting, subject, value);
  }

  /** Removes the subject's own value; returns it. */
  async deleteSubjectSetting(setting: Setting, subject: string): Promise<string> {
    const value = await this.setting(this.db, setting, subject);
    if (value === undefined) throw errors.subjectNotFound(subject);
    await this.db.query('DELETE FROM subject_settings WHERE scope = $1 AND setting = $2', [subject, setting]);
    return value;
  }

  // ---- internals

  private async underRegistryLock<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK]);
      return work(tx);
    });
  }

  private async versionRows(sql: Sql, subject: string): Promise<VersionRow[]> {
    const rows: Array<{ version: number; schema_id: number; deleted: boolean }> = await sql.query(
      'SELECT version, schema_id, deleted FROM subject_versions WHERE subject = $1 ORDER BY version',
      [subject],
    );
    return rows.map((row) => ({ version: row.version, schemaId: row.schema_id, deleted: row.deleted }));
  }

  private async schemaIdOf(sql: Sql, fingerprint: string): Promise<number | undefined> {
    const [row] = await sql.query('SELECT id FROM schemas WHERE fingerprint = $1', [fingerprint]);
    return row?.id;
  }

  /** The schema's existing id, the id IMPORT mode asks for, or the next one. */
  private async assignSchemaId(tx: Sql, candidate: Candidate, existingId: number | undefined, requestedId: number | undefined): Promise<number> {
    if (existingId !== undefined) {
      if (requestedId !== undefined && requestedId !== existingId) {
        throw errors.idDoesNotMatch(`This schema already has id ${existingId}, not ${requestedId}`);
      }
      return existingId;
    }
    let id = requestedId;
    if (id !== undefined) {
      const [taken] = await tx.query('SELECT 1 FROM schemas WHERE id = $1', [id]);
      if (taken) throw errors.idDoesNotMatch(`Schema id ${id} already belongs to another schema`);
    } else {
      const [{ next }] = await tx.query('SELECT COALESCE(MAX(id), 0) + 1 AS next FROM schemas');
      id = next as number;
    }
    await tx.query('INSERT INTO schemas (id, schema_type, schema, refs, fingerprint) VALUES ($1, $2, $3, $4, $5)', [
      id,
      'AVRO',
      candidate.parsed.canonical,
      JSON.stringify(candidate.references),
      candidate.fingerprint,
    ]);
    return id;
  }

  /** Parses and validates a request's schema with its references: 42201 when anything is wrong. */
  private async parseCandidate(request: RegisterRequest): Promise<Candidate> {
    const referenced = await Promise.all(request.references.map((reference) => this.referencedSchema(this.db, reference, false)));
    let json: unknown;
    try {
      json = JSON.parse(request.schema);
    } catch (error) {
      throw errors.invalidSchema(`Invalid schema: the schema string is not valid JSON (${(error as Error).message})`);
    }
    try {
      const parsed = parseSchema(json as object, { references: referenced });
      const fingerprint = createHash('sha256')
        .update(JSON.stringify(['AVRO', parsed.canonical, request.references]))
        .digest('hex');
      return { parsed, references: request.references, fingerprint };
    } catch (error) {
      if (error instanceof InvalidSchemaError) throw errors.invalidSchema(`Invalid schema: ${error.message}`);
      throw error;
    }
  }

  private async referencedSchema(sql: Sql, reference: SchemaReference, allowDeleted: boolean): Promise<ParsedSchema> {
    const [row] = await sql.query(
      'SELECT schema_id FROM subject_versions WHERE subject = $1 AND version = $2 AND ($3 OR NOT deleted)',
      [reference.subject, reference.version, allowDeleted],
    );
    if (!row) {
      throw errors.invalidSchema(
        `Invalid schema: reference '${reference.name}' points at subject '${reference.subject}' version ${reference.version}, which does not exist`,
      );
    }
    return this.parsedSchema(sql, row.schema_id);
  }

  /** A stored schema parsed with its references (cached: it never changes). */
  private async parsedSchema(sql: Sql, id: number): Promise<ParsedSchema> {
    const cached = this.parsedById.get(id);
    if (cached) return cached;
    const [row] = await sql.query('SELECT id, schema, refs FROM schemas WHERE id = $1', [id]);
    if (!row) throw errors.store(`schema ${id} is referenced but missing`);
    const stored = toStoredSchema(row);
    const references = await oneAtATime(stored.references, (reference) => this.referencedSchema(sql, reference, true));
    const parsed = parseSchema(stored.schema, { references });
    this.parsedById.set(id, parsed);
    return parsed;
  }

  private async referrers(sql: Sql, subject: string, version: number, includeDeleted: boolean): Promise<number[]> {
    const rows: Array<{ id: number }> = await sql.query(
      `SELECT s.id FROM schemas s
        WHERE s.refs @> $1::jsonb
          AND EXISTS (SELECT 1 FROM subject_versions v WHERE v.schema_id = s.id AND ($2 OR NOT v.deleted))
        ORDER BY s.id`,
      [JSON.stringify([{ subject, version }]), includeDeleted],
    );
    return rows.map((row) => row.id);
  }

  private async refuseWhenReferenced(sql: Sql, subject: string, version: number, includeDeleted: boolean): Promise<void> {
    const referencedBy = await this.referrers(sql, subject, version, includeDeleted);
    if (referencedBy.length > 0) throw errors.referenceExists(subject, version, referencedBy);
  }

  private async refuseWhenReadOnly(sql: Sql, subject: string): Promise<void> {
    if ((await this.effectiveSetting(sql, 'mode', subject)) === 'READONLY') {
      throw errors.operationNotPermitted(`Subject '${subject}' is in read-only mode`);
    }
  }

  /** After a hard delete: ids no version points at any more stop resolving here. */
  private async forgetUnusedSchemas(sql: Sql, ids: number[]): Promise<void> {
    for (const id of new Set(ids)) {
      const [used] = await sql.query('SELECT 1 FROM subject_versions WHERE schema_id = $1 LIMIT 1', [id]);
      if (!used) this.schemasById.delete(id);
    }
  }

  private async setting(sql: Sql, setting: Setting, scope: string): Promise<string | undefined> {
    const [row] = await sql.query('SELECT value FROM subject_settings WHERE scope = $1 AND setting = $2', [scope, setting]);
    return row?.value;
  }

  private async effectiveSetting(sql: Sql, setting: Setting, subject: string): Promise<string> {
    const rows: Array<{ scope: string; value: string }> = await sql.query(
      'SELECT scope, value FROM subject_settings WHERE scope IN ($1, $2) AND setting = $3',
      [subject, GLOBAL_SCOPE, setting],
    );
    const own = rows.find((row) => row.scope === subject);
    const global = rows.find((row) => row.scope === GLOBAL_SCOPE);
    return own?.value ?? global?.value ?? defaultOf(setting);
  }

  private async putSetting(setting: Setting, scope: string, value: string): Promise<void> {
    await this.db.query(
      `INSERT INTO subject_settings (scope, setting, value) VALUES ($1, $2, $3)
       ON CONFLICT (scope, setting) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [scope, setting, value],
    );
  }
}

function defaultOf(setting: Setting): string {
  return setting === 'compatibility' ? DEFAULT_COMPATIBILITY_LEVEL : DEFAULT_MODE;
}

function toStoredSchema(row: { id: number; schema: string; refs: SchemaReference[] }): StoredSchema {
  return { id: row.id, schemaType: 'AVRO', schema: row.schema, references: row.refs ?? [] };
}

/**
 * The row a version selector means. `latest` is the latest live version, or with `includeDeleted`
 * the latest of all. A subject without (live) versions is "not found".
 */
function selectVersion(subject: string, rows: VersionRow[], selector: VersionSelector, includeDeleted: boolean): VersionRow {
  const visible = includeDeleted ? rows : rows.filter((row) => !row.deleted);
  if (visible.length === 0 && (selector === 'latest' || rows.length === 0)) throw errors.subjectNotFound(subject);
  if (selector === 'latest') return visible[visible.length - 1];
  const row = rows.find((candidate) => candidate.version === selector);
  if (!row) throw errors.versionNotFound(selector);
  if (row.deleted && !includeDeleted) throw errors.versionNotFound(selector);
  return row;
}

export function isRegistryError(error: unknown): error is RegistryError {
  return error instanceof RegistryError;
}

/**
 * Maps in order, one call at a time. `sql` may be a transaction's single connection, which must not
 * be given a second query while one is running (pg deprecates its client-side queue for that).
 */
async function oneAtATime<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await fn(item));
  return results;
}
