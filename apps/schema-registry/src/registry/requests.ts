import { CompatibilityLevel, isCompatibilityLevel } from '@omnibus/avro-compat';
import { errors } from './errors';

/** A version in a path: a positive int, or `latest` / `-1`. */
export type VersionSelector = number | 'latest';

const MAX_VERSION = 2 ** 31 - 1;

export function parseVersion(raw: string): VersionSelector {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (/^\d+$/.test(raw)) {
    const version = Number(raw);
    if (version >= 1 && version <= MAX_VERSION) return version;
  }
  throw errors.invalidVersion(raw);
}

export function parseSchemaId(raw: string): number {
  const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || id > MAX_VERSION) throw errors.schemaNotFound(raw);
  return id;
}

/** The global settings scope: subjects are never empty, so '' cannot clash with one. */
export const GLOBAL_SCOPE = '';

export function validateSubject(subject: string): string {
  if (subject.length === 0 || /[\u0000-\u001f\u007f]/.test(subject) || subject === '__GLOBAL' || subject === '__EMPTY') {
    throw errors.invalidSubject(subject);
  }
  return subject;
}

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface RegisterRequest {
  schema: string;
  schemaType: 'AVRO';
  references: SchemaReference[];
  /** Only honoured in IMPORT mode. */
  id?: number;
  version?: number;
}

/** The body of register, lookup and compatibility requests. */
export function parseSchemaRequest(body: unknown): RegisterRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.invalidSchema('The request body must be a JSON object like {"schema": "<Avro schema as a JSON string>"}');
  }
  const { schema, schemaType, references, id, version } = body as Record<string, unknown>;
  if (schema === undefined || schema === null || schema === '') throw errors.invalidSchema('Empty schema');
  if (typeof schema !== 'string') {
    throw errors.invalidSchema('"schema" must be the schema as a JSON string, e.g. "{\\"type\\":\\"string\\"}"');
  }
  if (schemaType !== undefined && schemaType !== null && String(schemaType).toUpperCase() !== 'AVRO') {
    throw errors.invalidSchema(`Invalid schema type ${JSON.stringify(schemaType)}: this registry serves AVRO only`);
  }
  const request: RegisterRequest = { schema, schemaType: 'AVRO', references: parseReferences(references) };
  if (id !== undefined && id !== null) {
    if (!Number.isInteger(id) || (id as number) < 1) throw errors.invalidSchema(`Invalid schema id ${JSON.stringify(id)}`);
    request.id = id as number;
  }
  if (version !== undefined && version !== null) {
    if (!Number.isInteger(version) || (version as number) < 1) throw errors.invalidVersion(String(version));
    request.version = version as number;
  }
  return request;
}

function parseReferences(raw: unknown): SchemaReference[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw errors.invalidSchema('"references" must be an array of {name, subject, version}');
  return raw.map((reference, index) => {
    const { name, subject, version } = (reference ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || typeof subject !== 'string' || !Number.isInteger(version) || (version as number) < 1) {
      throw errors.invalidSchema(`references[${index}] must be {"name": string, "subject": string, "version": positive int}`);
    }
    return { name, subject, version: version as number };
  });
}

/** `{"compatibility": "FULL"}` (Confluent also accepts `compatibilityLevel`), case-insensitive. */
export function parseCompatibilityRequest(body: unknown): CompatibilityLevel {
  const { compatibility, compatibilityLevel } = (body ?? {}) as Record<string, unknown>;
  const raw = compatibility ?? compatibilityLevel;
  const level = typeof raw === 'string' ? raw.toUpperCase() : raw;
  if (!isCompatibilityLevel(level)) throw errors.invalidCompatibilityLevel(raw);
  return level;
}

export const MODES = ['READWRITE', 'READONLY', 'IMPORT'] as const;
export type Mode = (typeof MODES)[number];

export function parseModeRequest(body: unknown): Mode {
  const { mode } = (body ?? {}) as Record<string, unknown>;
  const value = typeof mode === 'string' ? mode.toUpperCase() : mode;
  if (!(MODES as readonly unknown[]).includes(value)) throw errors.invalidMode(mode);
  return value as Mode;
}

/** Query flags such as `?deleted=true`. */
export function isTrue(raw: unknown): boolean {
  return typeof raw === 'string' && raw.toLowerCase() === 'true';
}
