import type { AvroSchemaObject } from '../runtime/avro';
import type { CompatibilityLevel } from '../runtime/catalogue-types';
import { SchemaLock } from './lock';

/** What `omnibus schemas register` pushes for one subject: its level, then its released versions in order. */
export interface SubjectRegistration {
  subject: string;
  compatibility: CompatibilityLevel;
  versions: { version: number; schema: AvroSchemaObject }[];
}

/**
 * Released versions only (the lock), never the working copy: what a registry holds is what was
 * checked and released. Registering in version order keeps the registry's own check passing.
 */
export function registrationPlan(lock: SchemaLock, onlySubjects?: readonly string[]): SubjectRegistration[] {
  return Object.keys(lock.subjects)
    .sort()
    .filter((subject) => !onlySubjects || onlySubjects.includes(subject))
    .map((subject) => {
      const locked = lock.subjects[subject];
      return {
        subject,
        compatibility: locked.compatibility,
        versions: locked.versions.map(({ version, schema }) => ({ version, schema })),
      };
    });
}
