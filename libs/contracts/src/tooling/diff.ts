import type { AvroSchemaObject } from '../runtime/avro';
import { SchemaRepository } from './repository';

export interface SchemaChange {
  kind: 'added' | 'removed' | 'changed';
  /** `Type.field` (the named type that holds it, so a shared type's change is listed once). */
  path: string;
  message: string;
}

type Named = Map<string, AvroSchemaObject>;
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/**
 * A human-readable difference between two versions of a schema: fields added or removed (with
 * their defaults), types, defaults, docs and deprecations changed, enum symbols added or removed.
 */
export function diffSchemas(before: AvroSchemaObject | undefined, after: AvroSchemaObject | undefined): SchemaChange[] {
  const changes: SchemaChange[] = [];
  if (!before && !after) return changes;
  if (!before) return [{ kind: 'added', path: nameOf(after!), message: `new schema ${nameOf(after!)}` }];
  if (!after) return [{ kind: 'removed', path: nameOf(before), message: `schema ${nameOf(before)} removed` }];
  const oldNamed = collectNamed(before);
  const newNamed = collectNamed(after);
  const seen = new Set<string>();
  const resolve = (schema: unknown, named: Named): unknown => (typeof schema === 'string' && named.has(schema) ? named.get(schema) : schema);

  const compareTypes = (oldType: unknown, newType: unknown, path: string): void => {
    const o = resolve(oldType, oldNamed);
    const n = resolve(newType, newNamed);
    const oldNullable = nullableInner(o);
    const newNullable = nullableInner(n);
    if (oldNullable !== undefined || newNullable !== undefined) {
      if (oldNullable === undefined) changes.push({ kind: 'changed', path, message: `${path} became optional (${describe(o)} → ${describe(n)})` });
      else if (newNullable === undefined) changes.push({ kind: 'changed', path, message: `${path} became required (${describe(o)} → ${describe(n)})` });
      compareTypes(oldNullable ?? o, newNullable ?? n, path);
      return;
    }
    const oldKind = kindOf(o);
    const newKind = kindOf(n);
    if (oldKind.kind !== newKind.kind || (oldKind.kind === 'primitive' && describe(o) !== describe(n))) {
      changes.push({ kind: 'changed', path, message: `${path} changed type: ${describe(o)} → ${describe(n)}` });
      return;
    }
    switch (oldKind.kind) {
      case 'array':
        return compareTypes((o as AvroSchemaObject).items, (n as AvroSchemaObject).items, `${path}[]`);
      case 'map':
        return compareTypes((o as AvroSchemaObject).values, (n as AvroSchemaObject).values, `${path}{}`);
      case 'record':
      case 'enum':
      case 'fixed':
        return compareNamed(o as AvroSchemaObject, n as AvroSchemaObject, path);
    }
  };

  const compareNamed = (o: AvroSchemaObject, n: AvroSchemaObject, path: string): void => {
    if (o.name !== n.name) changes.push({ kind: 'changed', path, message: `${path} renamed type ${String(o.name)} → ${String(n.name)}` });
    const key = `${fullNameOf(o)}→${fullNameOf(n)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const here = String(n.name);
    compareAttribute(o, n, 'doc', here, 'doc');
    compareDeprecation(o.deprecated, n.deprecated, `type ${here}`, here);
    if (o.type === 'enum') {
      const oldSymbols = (o.symbols as string[]) ?? [];
      const newSymbols = (n.symbols as string[]) ?? [];
      for (const symbol of newSymbols.filter((s) => !oldSymbols.includes(s))) {
        changes.push({ kind: 'added', path: `${here}.${symbol}`, message: `enum ${here}: symbol ${symbol} added` });
      }
      for (const symbol of oldSymbols.filter((s) => !newSymbols.includes(s))) {
        changes.push({ kind: 'removed', path: `${here}.${symbol}`, message: `enum ${here}: symbol ${symbol} removed` });
      }
      if (o.default !== n.default) {
        changes.push({ kind: 'changed', path: here, message: `enum ${here}: default symbol ${String(o.default ?? 'none')} → ${String(n.default ?? 'none')}` });
      }
      return;
    }
    if (o.type === 'fixed') {
      if (o.size !== n.size) changes.push({ kind: 'changed', path: here, message: `fixed ${here}: size ${String(o.size)} → ${String(n.size)}` });
      return;
    }
    const oldFields = (o.fields as Record<string, unknown>[]) ?? [];
    const newFields = (n.fields as Record<string, unknown>[]) ?? [];
    const matched = new Set<Record<string, unknown>>();
    for (const field of newFields) {
      const aliases = (field.aliases as string[] | undefined) ?? [];
      const previous = oldFields.find((candidate) => candidate.name === field.name) ?? oldFields.find((candidate) => aliases.includes(String(candidate.name)));
      const fieldPath = `${here}.${String(field.name)}`;
      if (!previous) {
        changes.push({ kind: 'added', path: fieldPath, message: `field ${fieldPath} added: ${describe(resolve(field.type, newNamed))}, ${defaultText(field)}` });
        continue;
      }
      matched.add(previous);
      if (previous.name !== field.name) {
        changes.push({ kind: 'changed', path: fieldPath, message: `field ${here}.${String(previous.name)} renamed to ${String(field.name)} (alias)` });
      }
      compareTypes(previous.type, field.type, fieldPath);
      if (JSON.stringify(previous.default) !== JSON.stringify(field.default) || 'default' in previous !== 'default' in field) {
        changes.push({ kind: 'changed', path: fieldPath, message: `field ${fieldPath}: ${defaultText(previous)} → ${defaultText(field)}` });
      }
      compareAttribute(previous, field, 'doc', fieldPath, 'doc');
      compareDeprecation(previous.deprecated, field.deprecated, `field ${fieldPath}`, fieldPath);
    }
    for (const field of oldFields.filter((candidate) => !matched.has(candidate))) {
      const fieldPath = `${here}.${String(field.name)}`;
      changes.push({ kind: 'removed', path: fieldPath, message: `field ${fieldPath} removed (was ${describe(resolve(field.type, oldNamed))}, ${defaultText(field)})` });
    }
  };

  const compareAttribute = (o: Record<string, unknown>, n: Record<string, unknown>, attribute: string, path: string, label: string) => {
    if (JSON.stringify(o[attribute]) !== JSON.stringify(n[attribute])) changes.push({ kind: 'changed', path, message: `${path}: ${label} changed` });
  };
  const compareDeprecation = (o: unknown, n: unknown, what: string, path: string) => {
    if (o === n) return;
    if (n !== undefined) changes.push({ kind: 'changed', path, message: `${what} deprecated: ${String(n)}` });
    else changes.push({ kind: 'changed', path, message: `${what} no longer deprecated` });
  };

  compareTypes(before, after, String(after.name ?? before.name));
  return changes;
}

/** Versions of a subject to compare: released version numbers, or `current` for the working copy. */
export function diffSubject(
  repository: SchemaRepository,
  subjectOrType: string,
  from?: string,
  to?: string,
): { subject: string; from: string; to: string; changes: SchemaChange[] } {
  const event = repository.catalogue.events.find(
    (candidate) => candidate.subject === subjectOrType || candidate.type === subjectOrType || candidate.name === subjectOrType,
  );
  const subject = event?.subject ?? subjectOrType;
  const locked = repository.lock.subjects[subject];
  if (!event && !locked) throw new Error(`unknown subject or event type: ${subjectOrType}`);
  const versions = locked?.versions ?? [];
  const pick = (label: string): { label: string; schema?: AvroSchemaObject } => {
    if (label === 'current') {
      const assembled = repository.events.find((candidate) => candidate.event.subject === subject);
      if (!assembled) throw new Error(`${subject} has no current schema (removed from the catalogue or invalid)`);
      return { label: 'current', schema: assembled.schema };
    }
    const number = Number(label.replace(/^v/, ''));
    const version = versions.find((candidate) => candidate.version === number);
    if (!version) throw new Error(`${subject} has no released version ${label} (released: ${versions.map((v) => v.version).join(', ') || 'none'})`);
    return { label: `v${version.version}`, schema: version.schema };
  };
  const latest = versions.at(-1);
  const fromVersion = from !== undefined ? pick(from) : latest ? pick(String(latest.version)) : { label: 'nothing' };
  const toVersion = pick(to ?? 'current');
  return { subject, from: fromVersion.label, to: toVersion.label, changes: diffSchemas(fromVersion.schema, toVersion.schema) };
}

export function formatDiff(diff: { subject: string; from: string; to: string; changes: SchemaChange[] }): string {
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  const lines = [`${diff.subject}: ${diff.from} → ${diff.to}`];
  if (diff.changes.length === 0) lines.push('  no changes');
  for (const change of diff.changes) lines.push(`  ${mark[change.kind]} ${change.message}`);
  return lines.join('\n');
}

function collectNamed(schema: unknown, named: Named = new Map()): Named {
  if (Array.isArray(schema)) schema.forEach((branch) => collectNamed(branch, named));
  else if (typeof schema === 'object' && schema !== null) {
    const node = schema as AvroSchemaObject;
    if (node.type === 'record' || node.type === 'enum' || node.type === 'fixed' || node.type === 'error') {
      named.set(fullNameOf(node), node);
      for (const field of (node.fields as Record<string, unknown>[] | undefined) ?? []) collectNamed(field.type, named);
    } else if (node.type === 'array') collectNamed(node.items, named);
    else if (node.type === 'map') collectNamed(node.values, named);
  }
  return named;
}

function fullNameOf(node: AvroSchemaObject): string {
  const name = String(node.name);
  return name.includes('.') || !node.namespace ? name : `${String(node.namespace)}.${name}`;
}

function nameOf(node: AvroSchemaObject): string {
  return String(node.name);
}

function nullableInner(schema: unknown): unknown {
  if (Array.isArray(schema) && schema.length === 2 && schema[0] === 'null') return schema[1];
  return undefined;
}

function kindOf(schema: unknown): { kind: string } {
  if (typeof schema === 'string') return { kind: PRIMITIVES.has(schema) ? 'primitive' : 'reference' };
  if (Array.isArray(schema)) return { kind: 'union' };
  const type = (schema as AvroSchemaObject).type;
  if (type === 'error') return { kind: 'record' };
  if (typeof type === 'string' && PRIMITIVES.has(type)) return { kind: 'primitive' };
  return { kind: String(type) };
}

/** A short type description: `long`, `timestamp-millis`, `Money`, `array<OrderLine>`, `string?`. */
export function describe(schema: unknown): string {
  if (typeof schema === 'string') return schema.includes('.') ? schema.slice(schema.lastIndexOf('.') + 1) : schema;
  if (Array.isArray(schema)) {
    const inner = nullableInner(schema);
    return inner !== undefined ? `${describe(inner)}?` : schema.map(describe).join(' | ');
  }
  const node = schema as AvroSchemaObject;
  if (typeof node.logicalType === 'string') return node.logicalType;
  switch (node.type) {
    case 'array':
      return `array<${describe(node.items)}>`;
    case 'map':
      return `map<${describe(node.values)}>`;
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed':
      return String(node.name);
    default:
      return describe(node.type);
  }
}

function defaultText(field: Record<string, unknown>): string {
  return 'default' in field ? `default ${JSON.stringify(field.default)}` : 'no default';
}
