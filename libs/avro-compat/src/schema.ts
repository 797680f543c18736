import * as avro from 'avsc';

/**
 * A parsed Avro schema as a graph: a named type is one object wherever it is used, so a
 * recursive record points back at itself and the compatibility checker can memoise by identity.
 */
export type AvroSchema =
  | PrimitiveSchema
  | RecordSchema
  | EnumSchema
  | FixedSchema
  | ArraySchema
  | MapSchema
  | UnionSchema;

export type PrimitiveTypeName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';
export type NamedSchema = RecordSchema | EnumSchema | FixedSchema;

/** Attributes Avro does not define (e.g. `logicalType`, `precision`, `scale`, custom props). */
export type SchemaProps = Readonly<Record<string, unknown>>;

export interface PrimitiveSchema {
  readonly type: PrimitiveTypeName;
  readonly logicalType?: string;
  readonly props: SchemaProps;
}

interface NamedBase {
  /** Unqualified name. */
  readonly name: string;
  readonly namespace?: string;
  /** `namespace.name`, or `name` when the type has no namespace. */
  readonly fullName: string;
  /** Full names, resolved against the type's namespace as the spec says. */
  readonly aliases: readonly string[];
  readonly doc?: string;
  readonly logicalType?: string;
  readonly props: SchemaProps;
}

export interface RecordSchema extends NamedBase {
  readonly type: 'record';
  /** Declared as `error` (protocol error record); resolves exactly like a record. */
  readonly isError: boolean;
  readonly fields: readonly RecordField[];
}

export interface RecordField {
  readonly name: string;
  readonly type: AvroSchema;
  readonly position: number;
  readonly aliases: readonly string[];
  readonly doc?: string;
  /** True when the field declares a default, including an explicit `null`. */
  readonly hasDefault: boolean;
  readonly default?: unknown;
  readonly order?: 'ascending' | 'descending' | 'ignore';
  readonly props: SchemaProps;
}

export interface EnumSchema extends NamedBase {
  readonly type: 'enum';
  readonly symbols: readonly string[];
  /** Enum-level default: the symbol a reader uses for a writer symbol it does not know. */
  readonly default?: string;
}

export interface FixedSchema extends NamedBase {
  readonly type: 'fixed';
  readonly size: number;
}

export interface ArraySchema {
  readonly type: 'array';
  readonly items: AvroSchema;
  readonly logicalType?: string;
  readonly props: SchemaProps;
}

export interface MapSchema {
  readonly type: 'map';
  readonly values: AvroSchema;
  readonly logicalType?: string;
  readonly props: SchemaProps;
}

export interface UnionSchema {
  readonly type: 'union';
  readonly branches: readonly AvroSchema[];
}

/** Thrown for text that is not JSON, JSON that is not a valid Avro schema, or a missing reference. */
export class InvalidSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSchemaError';
  }
}

/**
 * What the public functions accept as a schema: Avro JSON text (a bare type name such as `int` too),
 * the JSON value, or a parsed schema.
 */
export type SchemaInput = string | object | ParsedSchema;

export interface ParseOptions {
  /**
   * Schemas whose named types this one may use by name (Confluent schema references),
   * already parsed; their own references are followed.
   */
  references?: readonly ParsedSchema[];
}

/** A validated schema, its graph and its canonical text. Immutable. */
export class ParsedSchema {
  constructor(
    /** The schema graph the compatibility checker works on. */
    readonly root: AvroSchema,
    /**
     * Canonical JSON used for identity: whitespace, key order and `{"type":"int"}` vs `"int"`
     * do not matter, but defaults, aliases, docs, `order` and custom props do (they change how
     * data resolves or what tools generate), unlike Avro's Parsing Canonical Form.
     */
    readonly canonical: string,
    /** The JSON value that was parsed. */
    readonly json: unknown,
    readonly references: readonly ParsedSchema[],
    /** Every named type this schema defines (not those it takes from references), by full name. */
    readonly definedTypes: ReadonlyMap<string, NamedSchema>,
    /**
     * It (or a reference) contains an empty union: valid Avro that the registry accepts, but avsc,
     * and so every Omnibus producer and consumer, cannot use it.
     */
    readonly hasEmptyUnion = false,
  ) {}

  /** Full name of the top-level type when it is named (record, enum, fixed). */
  get fullName(): string | undefined {
    return isNamed(this.root) ? this.root.fullName : undefined;
  }

  /** Same canonical form: the registry treats them as one schema. */
  equals(other: ParsedSchema): boolean {
    return this.canonical === other.canonical;
  }

  toString(): string {
    return this.canonical;
  }
}

const PRIMITIVES: ReadonlySet<string> = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

export function isNamed(schema: AvroSchema): schema is NamedSchema {
  return schema.type === 'record' || schema.type === 'enum' || schema.type === 'fixed';
}

/**
 * Parses and validates a schema as Java Avro does. Validation is avsc's `Type.forSchema` (names,
 * defaults against their types, duplicate fields/symbols/branches, undefined names), except for
 * empty unions `[]`: Java parses them (a type with no values), avsc cannot, so they are checked here
 * (see `validateEmptyUnions`). `ParsedSchema.hasEmptyUnion` says when avsc could not use the schema.
 */
export function parseSchema(input: SchemaInput, options: ParseOptions = {}): ParsedSchema {
  if (input instanceof ParsedSchema) return input;
  const references = options.references ?? [];
  const json = typeof input === 'string' ? parseJson(input) : input;
  validateWithAvsc(json, references);
  const names = new Map<string, NamedSchema>();
  for (const reference of allReferences(references)) {
    for (const [fullName, type] of reference.definedTypes) names.set(fullName, type);
  }
  const referencedTypes = new Set(names.values());
  const parser = new SchemaParser(names);
  const root = parser.parse(json, undefined);
  const canonical = JSON.stringify(new CanonicalWriter(referencedTypes).write(root, undefined));
  if (parser.sawEmptyUnion) validateEmptyUnionDefaults(root);
  const hasEmptyUnion = parser.sawEmptyUnion || references.some((reference) => reference.hasEmptyUnion);
  return new ParsedSchema(root, canonical, json, references, parser.defined, hasEmptyUnion);
}

/** Like `parseSchema` but returns the error instead of throwing it. */
export function validateSchema(
  input: SchemaInput,
  options: ParseOptions = {},
): { valid: true; schema: ParsedSchema } | { valid: false; error: string } {
  try {
    return { valid: true, schema: parseSchema(input, options) };
  } catch (error) {
    if (error instanceof InvalidSchemaError) return { valid: false, error: error.message };
    throw error;
  }
}

/** The canonical JSON text of a schema (see `ParsedSchema.canonical`). */
export function canonicalForm(input: SchemaInput, options: ParseOptions = {}): string {
  return parseSchema(input, options).canonical;
}

function parseJson(text: string): unknown {
  try {
    const value = JSON.parse(text);
    // Bare `null` is JSON for null, but as a schema it can only mean the null type.
    return value === null ? 'null' : value;
  } catch (error) {
    // Convenience: a bare type name (`int`, `retail.Money`) stands for itself.
    if (/^\.?[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) return text.trim();
    throw new InvalidSchemaError(`schema is not valid JSON: ${(error as Error).message}`);
  }
}

/** References first, each once, deepest first: the order their types must be defined in. */
function allReferences(references: readonly ParsedSchema[]): ParsedSchema[] {
  const ordered: ParsedSchema[] = [];
  const seen = new Set<ParsedSchema>();
  const visit = (schema: ParsedSchema) => {
    if (seen.has(schema)) return;
    seen.add(schema);
    schema.references.forEach(visit);
    ordered.push(schema);
  };
  references.forEach(visit);
  return ordered;
}

function validateWithAvsc(json: unknown, references: readonly ParsedSchema[]): void {
  const registry: Record<string, avro.Type> = {};
  for (const reference of allReferences(references)) {
    try {
      avro.Type.forSchema(withoutEmptyUnions(reference.json) as avro.Schema, { registry });
    } catch (error) {
      throw new InvalidSchemaError(`referenced schema ${reference.fullName ?? ''} is invalid: ${(error as Error).message}`);
    }
  }
  try {
    avro.Type.forSchema(withoutEmptyUnions(json) as avro.Schema, { registry });
  } catch (error) {
    throw new InvalidSchemaError(`invalid Avro schema: ${(error as Error).message}`);
  }
}

/**
 * avsc refuses `[]`, Java Avro accepts it as a type with no values. For avsc's validation of the
 * rest, each empty union that is not itself a union branch stands in as `"null"` (nothing can refer
 * to it by name, so the stand-in changes no other verdict); an empty union directly inside a union
 * is a nested union, refused as Java does. Defaults are checked afterwards on the
 * real graph (`validateEmptyUnionDefaults`), because `null` would fit the stand-in.
 */
function withoutEmptyUnions(json: unknown, insideUnion = false): unknown {
  if (Array.isArray(json)) {
    if (json.length === 0 && insideUnion) {
      throw new InvalidSchemaError('invalid Avro schema: nested union: an empty union [] cannot be a branch of a union');
    }
    if (json.length === 0) return 'null';
    return json.map((branch) => withoutEmptyUnions(branch, true));
  }
  if (json === null || typeof json !== 'object') return json;
  const object = json as Json;
  switch (object.type) {
    case 'record':
    case 'error':
      if (!Array.isArray(object.fields)) return object;
      return {
        ...object,
        fields: object.fields.map((field: unknown) =>
          field !== null && typeof field === 'object' && 'type' in field
            ? { ...(field as Json), type: withoutEmptyUnions((field as Json).type) }
            : field,
        ),
      };
    case 'array':
      return 'items' in object ? { ...object, items: withoutEmptyUnions(object.items) } : object;
    case 'map':
      return 'values' in object ? { ...object, values: withoutEmptyUnions(object.values) } : object;
    default:
      return object;
  }
}

/**
 * Java's rule: a default is valid when it is a value of the field's type, and a union's default may
 * match any branch; an empty union has no branch and so no value. avsc has already checked every
 * default against the stand-ins; this finds the defaults that reach an empty union.
 */
function validateEmptyUnionDefaults(root: AvroSchema): void {
  const seen = new Set<RecordSchema>();
  const visit = (schema: AvroSchema): void => {
    switch (schema.type) {
      case 'union':
        return schema.branches.forEach(visit);
      case 'array':
        return visit(schema.items);
      case 'map':
        return visit(schema.values);
      case 'record':
        if (seen.has(schema)) return;
        seen.add(schema);
        for (const field of schema.fields) {
          if (field.hasDefault && !isValueOf(field.type, field.default)) {
            throw new InvalidSchemaError(
              `invalid Avro schema: the default of field '${schema.fullName}.${field.name}' is not a value of its type ` +
                `(it reaches an empty union, which has no values)`,
            );
          }
          visit(field.type);
        }
        return;
      default:
        return;
    }
  };
  visit(root);
}

/** False only where the value reaches an empty union; every other part avsc has validated. */
function isValueOf(schema: AvroSchema, value: unknown): boolean {
  switch (schema.type) {
    case 'union':
      // avsc matched the value against the first branch; an empty union matches nothing.
      return schema.branches.length > 0 && isValueOf(schema.branches[0], value);
    case 'array':
      return !Array.isArray(value) || value.every((item) => isValueOf(schema.items, item));
    case 'map':
      return value === null || typeof value !== 'object' || Object.values(value).every((item) => isValueOf(schema.values, item));
    case 'record':
      if (value === null || typeof value !== 'object') return true;
      return schema.fields.every((field) =>
        field.name in (value as object) ? isValueOf(field.type, (value as Json)[field.name]) : true,
      );
    default:
      return true;
  }
}

const RECORD_KEYS = new Set(['type', 'name', 'namespace', 'doc', 'fields', 'aliases']);
const ENUM_KEYS = new Set(['type', 'name', 'namespace', 'doc', 'symbols', 'default', 'aliases']);
const FIXED_KEYS = new Set(['type', 'name', 'namespace', 'doc', 'size', 'aliases']);
const FIELD_KEYS = new Set(['name', 'type', 'doc', 'default', 'order', 'aliases']);

type Json = Record<string, unknown>;

/** Builds the schema graph; runs after avsc accepted the JSON, so it only guards, never re-validates. */
class SchemaParser {
  readonly defined = new Map<string, NamedSchema>();
  sawEmptyUnion = false;

  constructor(private readonly names: Map<string, NamedSchema>) {}

  parse(json: unknown, namespace: string | undefined): AvroSchema {
    if (typeof json === 'string') return this.parseName(json, namespace);
    if (Array.isArray(json)) {
      if (json.length === 0) this.sawEmptyUnion = true;
      return { type: 'union', branches: json.map((branch) => this.parse(branch, namespace)) };
    }
    if (json === null || typeof json !== 'object') throw new InvalidSchemaError(`not a schema: ${JSON.stringify(json)}`);
    const object = json as Json;
    const type = object.type;
    switch (type) {
      case 'record':
      case 'error':
        return this.parseRecord(object, namespace);
      case 'enum': {
        const { name, namespace: ns, fullName, aliases } = this.nameOf(object, namespace);
        const schema: EnumSchema = {
          type: 'enum',
          name,
          namespace: ns,
          fullName,
          aliases,
          symbols: [...(object.symbols as string[])],
          ...optional('default', object.default as string | undefined),
          ...optional('doc', object.doc as string | undefined),
          ...logicalAndProps(object, ENUM_KEYS),
        };
        return this.define(schema);
      }
      case 'fixed': {
        const { name, namespace: ns, fullName, aliases } = this.nameOf(object, namespace);
        const schema: FixedSchema = {
          type: 'fixed',
          name,
          namespace: ns,
          fullName,
          aliases,
          size: object.size as number,
          ...optional('doc', object.doc as string | undefined),
          ...logicalAndProps(object, FIXED_KEYS),
        };
        return this.define(schema);
      }
      case 'array':
        return { type: 'array', items: this.parse(object.items, namespace), ...logicalAndProps(object, new Set(['type', 'items'])) };
      case 'map':
        return { type: 'map', values: this.parse(object.values, namespace), ...logicalAndProps(object, new Set(['type', 'values'])) };
      default:
        if (typeof type === 'string' && PRIMITIVES.has(type)) {
          return { type: type as PrimitiveTypeName, ...logicalAndProps(object, new Set(['type'])) };
        }
        if (typeof type === 'string') return this.parseName(type, namespace);
        throw new InvalidSchemaError(`unknown type: ${JSON.stringify(type)}`);
    }
  }

  private parseRecord(object: Json, namespace: string | undefined): RecordSchema {
    const { name, namespace: ns, fullName, aliases } = this.nameOf(object, namespace);
    const fields: RecordField[] = [];
    const schema: RecordSchema = {
      type: 'record',
      isError: object.type === 'error',
      name,
      namespace: ns,
      fullName,
      aliases,
      fields,
      ...optional('doc', object.doc as string | undefined),
      ...logicalAndProps(object, RECORD_KEYS),
    };
    // Defined before its fields are parsed so that a field may refer to the record itself.
    this.define(schema);
    (object.fields as Json[]).forEach((field, position) => {
      fields.push({
        name: field.name as string,
        type: this.parse(field.type, ns),
        position,
        aliases: [...((field.aliases as string[] | undefined) ?? [])],
        hasDefault: Object.prototype.hasOwnProperty.call(field, 'default'),
        ...optional('default', field.default),
        ...optional('doc', field.doc as string | undefined),
        ...optional('order', field.order as RecordField['order']),
        props: propsOf(field, FIELD_KEYS),
      });
    });
    return schema;
  }

  private nameOf(object: Json, enclosing: string | undefined) {
    const declared = String(object.name);
    let name: string;
    let namespace: string | undefined;
    if (declared.includes('.')) {
      const dot = declared.lastIndexOf('.');
      name = declared.slice(dot + 1);
      namespace = declared.slice(0, dot) || undefined;
    } else {
      name = declared;
      namespace = 'namespace' in object ? (object.namespace as string | null) || undefined : enclosing;
    }
    const fullName = qualify(name, namespace);
    const aliases = ((object.aliases as string[] | undefined) ?? []).map((alias) =>
      alias.includes('.') ? alias : qualify(alias, namespace),
    );
    return { name, namespace, fullName, aliases };
  }

  private define<T extends NamedSchema>(schema: T): T {
    if (this.names.has(schema.fullName)) throw new InvalidSchemaError(`duplicate type name: ${schema.fullName}`);
    this.names.set(schema.fullName, schema);
    this.defined.set(schema.fullName, schema);
    return schema;
  }

  private parseName(name: string, namespace: string | undefined): AvroSchema {
    if (PRIMITIVES.has(name)) return { type: name as PrimitiveTypeName, props: {} };
    // A leading dot names a type in the null namespace (what avsc understands).
    const candidates = name.startsWith('.')
      ? [name.slice(1)]
      : name.includes('.')
        ? [name]
        : [qualify(name, namespace), name];
    for (const candidate of candidates) {
      const found = this.names.get(candidate);
      if (found) return found;
    }
    throw new InvalidSchemaError(`undefined type name: ${name}`);
  }
}

function qualify(name: string, namespace: string | undefined): string {
  return namespace ? `${namespace}.${name}` : name;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function logicalAndProps(object: Json, known: ReadonlySet<string>): { logicalType?: string; props: SchemaProps } {
  const props = propsOf(object, known);
  return typeof props.logicalType === 'string' ? { logicalType: props.logicalType, props } : { props };
}

function propsOf(object: Json, known: ReadonlySet<string>): SchemaProps {
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (!known.has(key)) props[key] = value;
  return props;
}

/** Writes the canonical JSON value: fixed key order, each named type defined once, then referred to. */
class CanonicalWriter {
  private readonly written: Set<NamedSchema>;

  constructor(alreadyDefined: ReadonlySet<NamedSchema>) {
    this.written = new Set(alreadyDefined);
  }

  write(schema: AvroSchema, namespace: string | undefined): unknown {
    switch (schema.type) {
      case 'union':
        return schema.branches.map((branch) => this.write(branch, namespace));
      case 'array':
        return withProps({ type: 'array', items: this.write(schema.items, namespace) }, schema.props);
      case 'map':
        return withProps({ type: 'map', values: this.write(schema.values, namespace) }, schema.props);
      case 'record':
      case 'enum':
      case 'fixed':
        return this.writeNamed(schema, namespace);
      default:
        return Object.keys(schema.props).length === 0 ? schema.type : withProps({ type: schema.type }, schema.props);
    }
  }

  private writeNamed(schema: NamedSchema, namespace: string | undefined): unknown {
    if (this.written.has(schema)) return referenceName(schema, namespace);
    this.written.add(schema);
    const out: Record<string, unknown> = { type: schema.type === 'record' && schema.isError ? 'error' : schema.type };
    out.name = schema.name;
    if (schema.namespace !== namespace) out.namespace = schema.namespace ?? '';
    if (schema.doc !== undefined) out.doc = schema.doc;
    if (schema.type === 'record') {
      out.fields = schema.fields.map((field) => {
        const written: Record<string, unknown> = { name: field.name, type: this.write(field.type, schema.namespace) };
        if (field.doc !== undefined) written.doc = field.doc;
        if (field.hasDefault) written.default = sortKeys(field.default);
        if (field.order !== undefined && field.order !== 'ascending') written.order = field.order;
        if (field.aliases.length > 0) written.aliases = [...field.aliases];
        return withProps(written, field.props);
      });
    } else if (schema.type === 'enum') {
      out.symbols = [...schema.symbols];
      if (schema.default !== undefined) out.default = schema.default;
    } else {
      out.size = schema.size;
    }
    if (schema.aliases.length > 0) {
      out.aliases = schema.aliases.map((alias) => relativeName(alias, schema.namespace));
    }
    return withProps(out, schema.props);
  }
}

function referenceName(schema: NamedSchema, namespace: string | undefined): string {
  if (schema.namespace === namespace) return schema.name;
  return schema.namespace ? schema.fullName : `.${schema.name}`;
}

function relativeName(fullName: string, namespace: string | undefined): string {
  return namespace && fullName.startsWith(`${namespace}.`) && !fullName.slice(namespace.length + 1).includes('.')
    ? fullName.slice(namespace.length + 1)
    : fullName;
}

/** Appends props after the structural keys: `logicalType` first, the rest sorted by key. */
function withProps(out: Record<string, unknown>, props: SchemaProps): Record<string, unknown> {
  if ('logicalType' in props) out.logicalType = props.logicalType;
  for (const key of Object.keys(props).sort()) {
    if (key !== 'logicalType') out[key] = sortKeys(props[key]);
  }
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}
