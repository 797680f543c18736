import * as avro from 'avsc';
import { canonicalForm } from '@omnibus/avro-compat';
import { AvroSchemaObject, avroTypeOptions } from '../runtime/avro';
import { Catalogue, CatalogueEvent } from './catalogue';
import { Finding, error, warning } from './findings';

/** A schema file as read from schemas/: path relative to schemas/ (`order/OrderPlaced.avsc`) and text. */
export interface SchemaFile {
  path: string;
  text: string;
}

/** A named type defined at the top of its own file: referable by full name from any other file. */
export interface LibraryType {
  fullName: string;
  file: string;
  json: AvroSchemaObject;
}

/** An event type with its full schema: shared types inlined, attributes in a fixed order. */
export interface AssembledEvent {
  event: CatalogueEvent;
  schema: AvroSchemaObject;
  /** Identity of the schema as the registry sees it (avro-compat's canonical form). */
  canonical: string;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMESPACE_ROOT = 'com.omnibus';

/**
 * Decision: schemas/ holds each named type once (shared types such as Money in schemas/common), and
 * the full schema of every event inlines the named types it uses. Every event schema is therefore
 * self-contained: any Confluent-compatible registry and client can use it without schema references.
 */
export function assembleEvents(
  catalogue: Catalogue,
  files: readonly SchemaFile[],
): { library: Map<string, LibraryType>; events: AssembledEvent[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const library = new Map<string, LibraryType>();

  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch (cause) {
      findings.push(error(`not valid JSON: ${(cause as Error).message}`, { file: file.path }));
      continue;
    }
    const type = checkFileShape(file.path, json, findings);
    if (!type) continue;
    const existing = library.get(type.fullName);
    if (existing) {
      findings.push(error(`${type.fullName} is also defined in ${existing.file}`, { file: file.path }));
      continue;
    }
    library.set(type.fullName, type);
    lintAuthoredSchema(type, findings);
  }

  const eventTypes = new Set(catalogue.events.map((event) => event.type));
  const used = new Set<string>();
  const events: AssembledEvent[] = [];
  for (const event of catalogue.events) {
    const source = library.get(event.type);
    if (!source) {
      findings.push(error(`no schema for ${event.type}: expected schemas/${event.file}`, { file: 'catalogue.yaml', subject: event.subject }));
      continue;
    }
    if (source.file !== event.file) {
      findings.push(error(`${event.type} must live in schemas/${event.file}`, { file: source.file }));
    }
    if (source.json.type !== 'record') {
      findings.push(error(`${event.type} is listed as an event but is a ${String(source.json.type)}, not a record`, { file: source.file }));
      continue;
    }
    const expansion = new Expansion(library, eventTypes, source.file);
    let schema: AvroSchemaObject;
    try {
      schema = expansion.expandNamed(source, event.type) as AvroSchemaObject;
    } catch (cause) {
      findings.push(error((cause as Error).message, { file: source.file, subject: event.subject }));
      continue;
    }
    expansion.used.forEach((name) => used.add(name));
    const problems = lintEvent(event, schema);
    problems.forEach((message) => findings.push(error(message, { file: source.file, subject: event.subject })));
    try {
      avro.Type.forSchema(schema as avro.Schema, { ...avroTypeOptions, assertLogicalTypes: true } as Partial<avro.ForSchemaOptions>);
    } catch (cause) {
      findings.push(error(`not a valid Avro schema: ${(cause as Error).message}`, { file: source.file, subject: event.subject }));
      continue;
    }
    events.push({ event, schema, canonical: canonicalForm(schema) });
  }

  findings.push(...clashingNames(events));
  for (const type of library.values()) {
    if (!used.has(type.fullName)) {
      findings.push(warning(`${type.fullName} is not used by any event in the catalogue`, { file: type.file }));
    }
  }
  return { library, events, findings };
}

function checkFileShape(path: string, json: unknown, findings: Finding[]): LibraryType | undefined {
  const at = { file: path };
  const match = /^([a-z][a-z0-9]*)\/([A-Z][A-Za-z0-9]*)\.avsc$/.exec(path);
  if (!match) {
    findings.push(error('schema files are schemas/<domain>/<Name>.avsc (lower-case domain, Name in PascalCase)', at));
    return undefined;
  }
  const [, domain, fileName] = match;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !['record', 'enum', 'fixed'].includes(String((json as AvroSchemaObject).type))) {
    findings.push(error('a schema file holds one named type (record, enum or fixed)', at));
    return undefined;
  }
  const named = json as AvroSchemaObject;
  const expectedNamespace = `${NAMESPACE_ROOT}.${domain}`;
  if (named.name !== fileName) findings.push(error(`the type in ${fileName}.avsc must be named ${fileName}, not ${String(named.name)}`, at));
  if (named.namespace !== expectedNamespace) {
    findings.push(error(`namespace must be ${expectedNamespace} (one namespace per domain folder), not ${String(named.namespace)}`, at));
  }
  return { fullName: `${expectedNamespace}.${fileName}`, file: path, json: named };
}

/**
 * Inlines referenced library types into one self-contained schema. Every named type is written
 * with an explicit namespace and every reference by full name, so nothing depends on namespace
 * inheritance; attributes come out in one fixed order, so the output is deterministic.
 */
class Expansion {
  readonly used = new Set<string>();
  private readonly defined = new Set<string>();

  constructor(
    private readonly library: Map<string, LibraryType>,
    private readonly eventTypes: Set<string>,
    private readonly rootFile: string,
  ) {}

  expandNamed(type: LibraryType, fullName: string): unknown {
    this.used.add(fullName);
    return this.expand(type.json, namespaceOf(fullName));
  }

  private expand(schema: unknown, namespace: string): unknown {
    if (typeof schema === 'string') return this.reference(schema, namespace);
    if (Array.isArray(schema)) return schema.map((branch) => this.expand(branch, namespace));
    if (typeof schema !== 'object' || schema === null) throw new Error(`not a schema: ${JSON.stringify(schema)}`);
    const node = schema as AvroSchemaObject;
    switch (node.type) {
      case 'record':
      case 'error':
      case 'enum':
      case 'fixed':
        return this.defineNamed(node, namespace);
      case 'array':
        return ordered(node, { type: 'array', items: this.expand(node.items, namespace) }, ['type', 'items']);
      case 'map':
        return ordered(node, { type: 'map', values: this.expand(node.values, namespace) }, ['type', 'values']);
      default:
        if (typeof node.type === 'string' && PRIMITIVES.has(node.type)) return ordered(node, { type: node.type }, ['type', 'logicalType']);
        // `{"type": "com.omnibus.common.Money"}` and similar wrappers: a reference.
        return this.expand(node.type, namespace);
    }
  }

  private reference(name: string, namespace: string): unknown {
    if (PRIMITIVES.has(name)) return name;
    const fullName = name.includes('.') ? name : `${namespace}.${name}`;
    if (this.defined.has(fullName)) return fullName;
    const type = this.library.get(fullName);
    if (!type) throw new Error(`undefined type ${fullName} (referenced from ${this.rootFile}); define it in its own file under schemas/`);
    if (this.eventTypes.has(fullName)) {
      throw new Error(`event type ${fullName} is used as a field type; move the shared part into its own named type`);
    }
    return this.expandNamed(type, fullName);
  }

  private defineNamed(node: AvroSchemaObject, enclosingNamespace: string): AvroSchemaObject {
    const rawName = String(node.name);
    const namespace = rawName.includes('.')
      ? namespaceOf(rawName)
      : typeof node.namespace === 'string' && node.namespace !== ''
        ? node.namespace
        : enclosingNamespace;
    const name = rawName.includes('.') ? rawName.slice(rawName.lastIndexOf('.') + 1) : rawName;
    const fullName = `${namespace}.${name}`;
    if (this.defined.has(fullName)) throw new Error(`${fullName} is defined twice in the full schema of ${this.rootFile}`);
    const shadowed = this.library.get(fullName);
    if (shadowed && shadowed.json !== node) throw new Error(`${fullName} is defined inline but also in ${shadowed.file}`);
    this.defined.add(fullName);
    this.used.add(fullName);

    const base: Record<string, unknown> = { type: node.type, name, namespace };
    if (node.type === 'record' || node.type === 'error') {
      base.fields = (node.fields as Record<string, unknown>[]).map((field) =>
        ordered(field, { name: field.name, type: this.expand(field.type, namespace) }, FIELD_ORDER),
      );
    }
    return ordered(node, base, NAMED_ORDER) as AvroSchemaObject;
  }
}

const NAMED_ORDER = ['type', 'name', 'namespace', 'doc', 'aliases', 'symbols', 'default', 'size', 'logicalType', 'fields'];
const FIELD_ORDER = ['name', 'type', 'doc', 'default', 'order', 'aliases'];

/**
 * Copies `source`'s attributes in a fixed order: the known ones in `order` (taking values from
 * `overrides` first), then any others (custom ones such as `deprecated`) alphabetically.
 */
function ordered(source: Record<string, unknown>, overrides: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) {
    if (key in overrides) out[key] = overrides[key];
    else if (key in source && key !== 'namespace' && key !== 'name') out[key] = source[key];
  }
  for (const key of Object.keys(source).sort()) {
    if (!(key in out) && !order.includes(key)) out[key] = source[key];
  }
  return out;
}

function namespaceOf(fullName: string): string {
  return fullName.slice(0, fullName.lastIndexOf('.'));
}

function isTimestamp(type: unknown): boolean {
  if (Array.isArray(type)) return type.length === 2 && type[0] === 'null' && isTimestamp(type[1]);
  return typeof type === 'object' && type !== null && (type as AvroSchemaObject).type === 'long' && (type as AvroSchemaObject).logicalType === 'timestamp-millis';
}

/**
 * House rules on a schema as written, so that every contract is documented, decimal-safe and able
 * to grow: docs everywhere, enums with a default symbol, no floats, optional = ["null", T] with
 * default null, timestamps as timestamp-millis.
 */
function lintAuthoredSchema(type: LibraryType, findings: Finding[]): void {
  const report = (path: string, message: string) => findings.push(error(`${path}: ${message}`, { file: type.file }));

  const visit = (schema: unknown, path: string, inField?: Record<string, unknown>): void => {
    if (typeof schema === 'string') {
      if (schema === 'float' || schema === 'double') report(path, `${schema} is not allowed: money is Money (minor units) and quantities are Quantity (scale 3)`);
      return;
    }
    if (Array.isArray(schema)) {
      const nullable = schema.length === 2 && schema[0] === 'null' && schema[1] !== 'null';
      if (!nullable) report(path, 'the only union allowed is ["null", T] (an optional value)');
      else if (!inField || !('default' in inField) || inField.default !== null) report(path, 'an optional field ["null", T] needs "default": null');
      schema.forEach((branch) => visit(branch, path));
      return;
    }
    if (typeof schema !== 'object' || schema === null) return;
    const node = schema as AvroSchemaObject;
    if ('deprecated' in node && (typeof node.deprecated !== 'string' || node.deprecated.trim() === '')) {
      report(path, '"deprecated" must say why and what to use instead');
    }
    switch (node.type) {
      case 'record':
      case 'error': {
        if (!isDoc(node.doc)) report(path, `record ${String(node.name)} needs a doc`);
        if (!/^[A-Z][A-Za-z0-9]*$/.test(String(node.name))) report(path, `type name ${String(node.name)} must be PascalCase`);
        for (const field of (node.fields as Record<string, unknown>[] | undefined) ?? []) {
          const fieldPath = `${path}.${String(field.name)}`;
          if (!isDoc(field.doc)) report(fieldPath, 'every field needs a doc');
          if (!/^[a-z][A-Za-z0-9]*$/.test(String(field.name))) report(fieldPath, 'field names are camelCase');
          if ('deprecated' in field && (typeof field.deprecated !== 'string' || field.deprecated.trim() === '')) {
            report(fieldPath, '"deprecated" must say why and what to use instead');
          }
          if (/At$/.test(String(field.name)) && !isTimestamp(field.type)) {
            report(fieldPath, 'a field named …At is a timestamp: {"type": "long", "logicalType": "timestamp-millis"}');
          }
          visit(field.type, fieldPath, field);
        }
        return;
      }
      case 'enum': {
        if (!isDoc(node.doc)) report(path, `enum ${String(node.name)} needs a doc`);
        const symbols = (node.symbols as string[] | undefined) ?? [];
        if (typeof node.default !== 'string' || !symbols.includes(node.default)) {
          report(path, `enum ${String(node.name)} needs a "default" symbol, so readers can accept symbols added later`);
        }
        for (const symbol of symbols) {
          if (!/^[A-Z][A-Z0-9_]*$/.test(symbol)) report(path, `enum symbol ${symbol} must be UPPER_SNAKE_CASE`);
        }
        return;
      }
      case 'fixed':
        if (!isDoc(node.doc)) report(path, `fixed ${String(node.name)} needs a doc`);
        return;
      case 'array':
        visit(node.items, `${path}[]`);
        return;
      case 'map':
        visit(node.values, `${path}{}`);
        return;
      default:
        if (node.logicalType !== undefined && !(node.type === 'long' && node.logicalType === 'timestamp-millis')) {
          report(path, `logical type ${String(node.logicalType)} on ${String(node.type)} is not supported; use timestamp-millis on long`);
        }
        visit(node.type, path);
    }
  };
  visit(type.json, String(type.json.name));
}

function isDoc(doc: unknown): boolean {
  return typeof doc === 'string' && doc.trim().length > 0;
}

/** Rules only an event (a top-level record on a topic) must follow. */
function lintEvent(event: CatalogueEvent, schema: AvroSchemaObject): string[] {
  const problems: string[] = [];
  const fields = (schema.fields as Record<string, unknown>[]) ?? [];
  const field = (name: string) => fields.find((candidate) => candidate.name === name);
  const occurredAt = field('occurredAt');
  if (!occurredAt || !isTimestamp(occurredAt.type) || Array.isArray(occurredAt.type)) {
    problems.push(`${event.name}.occurredAt: every event has a non-null occurredAt timestamp-millis`);
  }
  const key = field(event.keyField);
  if (!key) problems.push(`${event.name}: has no field '${event.keyField}', the key of topic ${event.topic}`);
  else if (key.type !== 'string') problems.push(`${event.name}.${event.keyField}: the message key field must be a non-null string`);
  return problems;
}

/** Generated TypeScript names types by their short name, so two full names may not share one. */
function clashingNames(events: AssembledEvent[]): Finding[] {
  const byName = new Map<string, string>();
  const clashes: Finding[] = [];
  const visit = (schema: unknown): void => {
    if (Array.isArray(schema)) return schema.forEach(visit);
    if (typeof schema !== 'object' || schema === null) return;
    const node = schema as AvroSchemaObject;
    if (node.type === 'record' || node.type === 'enum' || node.type === 'fixed') {
      const name = String(node.name);
      const fullName = `${String(node.namespace)}.${name}`;
      const other = byName.get(name);
      if (other === undefined) byName.set(name, fullName);
      else if (other !== fullName && !clashes.some((clash) => clash.message.includes(fullName))) {
        clashes.push(error(`${other} and ${fullName} share the short name ${name}, which is their TypeScript name; rename one`));
      }
      for (const field of (node.fields as Record<string, unknown>[] | undefined) ?? []) visit(field.type);
    } else if (node.type === 'array') visit(node.items);
    else if (node.type === 'map') visit(node.values);
  };
  events.forEach((event) => visit(event.schema));
  return clashes;
}
