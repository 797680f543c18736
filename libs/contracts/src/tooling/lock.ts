import { createHash } from 'node:crypto';
import type { AvroSchemaObject } from '../runtime/avro';
import type { CompatibilityLevel } from '../runtime/catalogue-types';
import { SchemaSourceError, error } from './findings';

export const LOCK_FILE = 'schemas.lock.json';

/** One released version of a subject, exactly as it is registered. */
export interface LockedVersion {
  version: number;
  /** sha256 of the canonical form: the identity the registry uses. */
  fingerprint: string;
  schema: AvroSchemaObject;
}

export interface LockedSubject {
  eventType: string;
  topic: string;
  compatibility: CompatibilityLevel;
  /** Set when the event type was deprecated at its last release. */
  deprecated?: string;
  versions: LockedVersion[];
}

/** schemas/schemas.lock.json: the released versions of every subject, oldest first. */
export interface SchemaLock {
  subjects: Record<string, LockedSubject>;
}

export function emptyLock(): SchemaLock {
  return { subjects: {} };
}

export function parseLock(text: string | undefined): SchemaLock {
  if (text === undefined || text.trim() === '') return emptyLock();
  try {
    const lock = JSON.parse(text) as SchemaLock;
    if (typeof lock !== 'object' || lock === null || typeof lock.subjects !== 'object') throw new Error('no "subjects" object');
    return lock;
  } catch (cause) {
    throw new SchemaSourceError([error(`unreadable lock file: ${(cause as Error).message}`, { file: LOCK_FILE })]);
  }
}

/** Deterministic text: subjects sorted, two-space indent, final newline. */
export function formatLock(lock: SchemaLock): string {
  const subjects: Record<string, LockedSubject> = {};
  for (const subject of Object.keys(lock.subjects).sort()) subjects[subject] = lock.subjects[subject];
  const header = {
    $comment:
      'Released schema versions per registry subject (<topic>-<record full name>). Written by `omnibus schemas release`; never edit by hand.',
  };
  return `${JSON.stringify({ ...header, subjects }, null, 2)}\n`;
}

export function fingerprintOf(canonical: string): string {
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}
