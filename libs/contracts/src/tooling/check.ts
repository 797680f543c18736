import { checkCompatibility, canonicalForm } from '@omnibus/avro-compat';
import type { AvroSchemaObject } from '../runtime/avro';
import type { CompatibilityLevel } from '../runtime/catalogue-types';
import { AssembledEvent } from './assemble';
import { Finding, error, note, warning } from './findings';
import { LockedSubject, SchemaLock, fingerprintOf } from './lock';
import { SchemaRepository } from './repository';

export type SubjectState = 'unchanged' | 'changed' | 'new' | 'removed';

export interface SubjectStatus {
  subject: string;
  eventType: string;
  state: SubjectState;
  compatibility: CompatibilityLevel;
  /** Latest released version in the lock, if any. */
  releasedVersion?: number;
  /** For a changed subject: whether it passes its compatibility level against the released versions. */
  compatible?: boolean;
}

export interface CheckReport {
  /** False when any finding is an error: the change must not ship. */
  ok: boolean;
  subjects: SubjectStatus[];
  findings: Finding[];
}

/**
 * `omnibus schemas check`: validates every schema (house rules included) and judges each changed
 * subject against its released versions at the subject's compatibility level, naming the field,
 * the rule and the consumers a breaking change would hit. Reports deprecations. Pure: no I/O.
 */
export function checkSchemas(repository: SchemaRepository): CheckReport {
  const findings: Finding[] = [...repository.findings];
  const subjects: SubjectStatus[] = [];
  const current = new Set<string>();

  for (const assembled of repository.events) {
    const { event } = assembled;
    current.add(event.subject);
    const locked = repository.lock.subjects[event.subject];
    const status = judgeSubject(assembled, locked, findings);
    subjects.push(status);
    reportDeprecations(assembled, findings);
  }

  for (const [subject, locked] of Object.entries(repository.lock.subjects)) {
    if (current.has(subject) || repository.catalogue.events.some((event) => event.subject === subject)) continue;
    const latest = locked.versions.at(-1)?.version;
    subjects.push({ subject, eventType: locked.eventType, state: 'removed', compatibility: locked.compatibility, releasedVersion: latest });
    if (locked.deprecated) {
      findings.push(note(`removed from the catalogue; it was deprecated (${locked.deprecated})`, { subject }));
    } else {
      findings.push(
        error(
          `released subject is gone from the catalogue. Consumers may still read it (replays, lagging partitions): deprecate the event type first (deprecated: "…" in catalogue.yaml), release, and remove it once no consumer reads it`,
          { subject, file: 'catalogue.yaml' },
        ),
      );
    }
  }

  return { ok: !findings.some((finding) => finding.severity === 'error'), subjects, findings };
}

function judgeSubject(assembled: AssembledEvent, locked: LockedSubject | undefined, findings: Finding[]): SubjectStatus {
  const { event } = assembled;
  const at = { subject: event.subject, file: event.file };
  const base = { subject: event.subject, eventType: event.type, compatibility: event.compatibility };
  if (!locked || locked.versions.length === 0) {
    findings.push(note('new subject, not released yet (run `omnibus schemas release`)', at));
    return { ...base, state: 'new' };
  }
  const latest = locked.versions[locked.versions.length - 1];
  if (locked.compatibility !== event.compatibility) {
    findings.push(
      warning(`compatibility changes from ${locked.compatibility} to ${event.compatibility}; the registry's subject config follows at the next register`, at),
    );
  }
  if (canonicalForm(latest.schema) === assembled.canonical) {
    return { ...base, state: 'unchanged', releasedVersion: latest.version };
  }

  const previous = locked.versions.map((version) => version.schema as object);
  const report = checkCompatibility(event.compatibility, assembled.schema, previous, {
    describePrevious: (index) => `released v${locked.versions[index].version}`,
  });
  if (report.compatible) {
    findings.push(note(`changed; compatible with the released versions at ${event.compatibility} (run \`omnibus schemas release\`)`, at));
  } else {
    for (const incompatibility of report.incompatibilities) {
      const version = locked.versions[incompatibility.previousIndex].version;
      const who =
        incompatibility.direction === 'BACKWARD'
          ? `consumers upgraded to the new schema could not read v${version} events already on ${event.topic} (replays, lagging partitions)`
          : `consumers still on v${version} could not read events written with the new schema`;
      findings.push(
        error(`${event.compatibility} broken (${incompatibility.direction} against released v${version}): ${incompatibility.message} — ${who}. Breaks: ${listOrNone(event.consumers)} (owner: ${event.owner})`, {
          ...at,
          affects: event.consumers,
        }),
      );
    }
  }
  return { ...base, state: 'changed', releasedVersion: latest.version, compatible: report.compatible };
}

function reportDeprecations(assembled: AssembledEvent, findings: Finding[]): void {
  const { event, schema } = assembled;
  const at = { subject: event.subject, file: event.file, affects: event.consumers };
  if (event.deprecated) {
    findings.push(warning(`event type ${event.type} is deprecated: ${event.deprecated}. Still consumed by: ${listOrNone(event.consumers)}`, at));
  }
  for (const { path, reason } of deprecatedParts(schema)) {
    findings.push(warning(`${path} is deprecated: ${reason}. Consumers to migrate: ${listOrNone(event.consumers)}`, at));
  }
}

/** Every record and field carrying a `deprecated` attribute, by path (named types once). */
export function deprecatedParts(schema: AvroSchemaObject): { path: string; reason: string }[] {
  const found: { path: string; reason: string }[] = [];
  const seen = new Set<string>();
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((branch) => visit(branch, path));
    if (typeof node !== 'object' || node === null) return;
    const type = node as AvroSchemaObject;
    if (type.type === 'record' || type.type === 'enum') {
      const fullName = `${String(type.namespace)}.${String(type.name)}`;
      if (seen.has(fullName)) return;
      seen.add(fullName);
      const here = String(type.name);
      if (typeof type.deprecated === 'string') found.push({ path: `type ${here}`, reason: type.deprecated });
      for (const field of (type.fields as Record<string, unknown>[] | undefined) ?? []) {
        const fieldPath = `${here}.${String(field.name)}`;
        if (typeof field.deprecated === 'string') found.push({ path: `field ${fieldPath}`, reason: field.deprecated });
        visit(field.type, fieldPath);
      }
      return;
    }
    if (type.type === 'array') visit(type.items, path);
    else if (type.type === 'map') visit(type.values, path);
  };
  visit(schema, '');
  return found;
}

function listOrNone(services: readonly string[]): string {
  return services.length > 0 ? services.join(', ') : 'no consumer';
}

/**
 * `omnibus schemas release`: records every new or changed subject as its next version in the lock.
 * Refuses (returns the failing report) when `check` has errors.
 */
export function releaseSchemas(repository: SchemaRepository): {
  report: CheckReport;
  lock?: SchemaLock;
  released: { subject: string; version: number }[];
} {
  const report = checkSchemas(repository);
  if (!report.ok) return { report, released: [] };
  const subjects: Record<string, LockedSubject> = structuredClone(repository.lock.subjects);
  const released: { subject: string; version: number }[] = [];
  for (const { event, schema, canonical } of repository.events) {
    const locked = (subjects[event.subject] ??= { eventType: event.type, topic: event.topic, compatibility: event.compatibility, versions: [] });
    locked.compatibility = event.compatibility;
    if (event.deprecated) locked.deprecated = event.deprecated;
    else delete locked.deprecated;
    const latest = locked.versions.at(-1);
    if (latest && canonicalForm(latest.schema) === canonical) continue;
    const version = (latest?.version ?? 0) + 1;
    locked.versions.push({ version, fingerprint: fingerprintOf(canonical), schema });
    released.push({ subject: event.subject, version });
  }
  return { report, lock: { subjects }, released };
}

const SYMBOL = { error: 'ERROR  ', warning: 'WARNING', note: 'note   ' } as const;

/** The report as `check` prints it: a summary line, then errors, warnings and notes. */
export function formatCheckReport(report: CheckReport, options: { verbose?: boolean } = {}): string {
  const count = (state: SubjectState) => report.subjects.filter((subject) => subject.state === state).length;
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const warnings = report.findings.filter((finding) => finding.severity === 'warning');
  const notes = report.findings.filter((finding) => finding.severity === 'note');
  const lines = [
    `${report.subjects.length} subjects: ${count('unchanged')} unchanged, ${count('changed')} changed, ${count('new')} new, ${count('removed')} removed`,
  ];
  const shown = options.verbose || notes.length <= 12 ? [...errors, ...warnings, ...notes] : [...errors, ...warnings];
  for (const finding of shown) {
    const where = [finding.subject, finding.file && `(${finding.file})`].filter(Boolean).join(' ');
    lines.push(`${SYMBOL[finding.severity]} ${where ? `${where}: ` : ''}${finding.message}`);
  }
  if (shown.length < report.findings.length) lines.push(`(${notes.length} notes hidden; --verbose shows them)`);
  lines.push(
    report.ok
      ? `OK: ${errors.length} errors, ${warnings.length} warnings`
      : `FAILED: ${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings.length} warnings — this change would break released contracts`,
  );
  return lines.join('\n');
}
