import {
  AvroSchema,
  EnumSchema,
  FixedSchema,
  NamedSchema,
  ParseOptions,
  RecordField,
  RecordSchema,
  SchemaInput,
  UnionSchema,
  isNamed,
  parseSchema,
} from './schema';

/** The kinds of Java's `SchemaCompatibility.SchemaIncompatibilityType`, which Confluent reports. */
export type IncompatibilityType =
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'MISSING_UNION_BRANCH';

export interface Incompatibility {
  type: IncompatibilityType;
  /**
   * Where, by names: the reader's top-level type (its name, or `array`/`map`/… when unnamed)
   * followed by `.field` per record field, `[]` per array item and `{}` per map value,
   * e.g. `OrderPlaced.lines[].sku`. Union branches add nothing.
   */
  path: string;
  /** JSON pointer into the reader schema, like Java's `Incompatibility.getLocation()`, e.g. `/fields/3/type`. */
  location: string;
  /** A sentence naming the path and, in parentheses, the rule. */
  message: string;
  /** For MISSING_UNION_BRANCH: why the reader branch that looks like the writer's (same name or kind) cannot read it. */
  causes?: Incompatibility[];
}

export interface ReaderWriterResult {
  /** The reader can decode every datum the writer can produce. */
  compatible: boolean;
  /** Every problem found, in schema order; empty when compatible. */
  incompatibilities: Incompatibility[];
}

/**
 * Can data written with `writer` be read with `reader`? Avro schema resolution as Java's
 * `SchemaCompatibility.checkReaderWriterCompatibility` (what Confluent uses) decides it, with one
 * stricter rule from the Avro specification: two `decimal`s must agree on precision and scale.
 */
export function checkReaderWriter(reader: SchemaInput, writer: SchemaInput, options: ParseOptions = {}): ReaderWriterResult {
  const readerSchema = parseSchema(reader, options).root;
  const writerSchema = parseSchema(writer, options).root;
  const issues = new ResolutionChecker().check(readerSchema, writerSchema);
  const rootLabel = isNamed(readerSchema) ? readerSchema.name : readerSchema.type;
  const incompatibilities = issues.map((issue) => issue.render(rootLabel));
  return { compatible: incompatibilities.length === 0, incompatibilities };
}

/** A problem found below some pair, with its path relative to that pair until rendered. */
class Issue {
  constructor(
    readonly type: IncompatibilityType,
    readonly path: readonly string[],
    readonly location: readonly string[],
    private readonly describe: (path: string) => string,
    readonly causes: readonly Issue[] = [],
  ) {}

  under(pathStep: string | undefined, ...locationSteps: string[]): Issue {
    return new Issue(
      this.type,
      pathStep === undefined ? this.path : [pathStep, ...this.path],
      [...locationSteps, ...this.location],
      this.describe,
      this.causes.map((cause) => cause.under(pathStep, ...locationSteps)),
    );
  }

  render(rootLabel: string): Incompatibility {
    const path = rootLabel + this.path.join('');
    const pointer = '/' + this.location.map((step) => step.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const rendered: Incompatibility = {
      type: this.type,
      path,
      location: this.location.length === 0 ? '/' : pointer,
      message: `${this.describe(path)} (${this.type})`,
    };
    if (this.causes.length > 0) {
      rendered.causes = this.causes.map((cause) => cause.render(rootLabel));
      rendered.message += `; the closest reader branch fails because ${rendered.causes.map((c) => c.message).join('; ')}`;
    }
    return rendered;
  }
}

const at = (path: string) => `at '${path}'`;

/** Java's promotions: what a reader of each primitive type also accepts from a writer. */
const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  bytes: ['string'],
  string: ['bytes'],
};

/**
 * Walks reader and writer together. Results are memoised per (reader node, writer node) pair with
 * paths relative to that pair; a pair met again while it is still being checked (a recursive type)
 * counts as compatible, as in Java: if it is not, the outer visit reports why.
 */
class ResolutionChecker {
  private readonly done = new Map<AvroSchema, Map<AvroSchema, Issue[]>>();
  private readonly inProgress = new Map<AvroSchema, Set<AvroSchema>>();

  check(reader: AvroSchema, writer: AvroSchema): Issue[] {
    const cached = this.done.get(reader)?.get(writer);
    if (cached) return cached;
    const active = this.inProgress.get(reader) ?? new Set<AvroSchema>();
    if (active.has(writer)) return [];
    active.add(writer);
    this.inProgress.set(reader, active);
    const issues = this.calculate(reader, writer);
    active.delete(writer);
    const byWriter = this.done.get(reader) ?? new Map<AvroSchema, Issue[]>();
    byWriter.set(writer, issues);
    this.done.set(reader, byWriter);
    return issues;
  }

  private calculate(reader: AvroSchema, writer: AvroSchema): Issue[] {
    if (reader.type === writer.type) {
      switch (reader.type) {
        case 'array':
          return this.check(reader.items, (writer as typeof reader).items).map((i) => i.under('[]', 'items'));
        case 'map':
          return this.check(reader.values, (writer as typeof reader).values).map((i) => i.under('{}', 'values'));
        case 'fixed':
          return [
            ...checkNames(reader, writer as FixedSchema),
            ...checkFixedSize(reader, writer as FixedSchema),
            ...checkDecimals(reader, writer),
          ];
        case 'enum':
          return [...checkNames(reader, writer as EnumSchema), ...checkEnumSymbols(reader, writer as EnumSchema)];
        case 'record':
          return [...checkNames(reader, writer as RecordSchema), ...this.checkFields(reader, writer as RecordSchema)];
        case 'union':
          return this.checkWriterUnionBranches(reader, writer as UnionSchema);
        default:
          return checkDecimals(reader, writer);
      }
    }
    // A plain reader can read a writer union only if it can read every branch the writer may have used.
    if (writer.type === 'union') return writer.branches.flatMap((branch) => this.check(reader, branch));
    if (reader.type === 'union') return this.checkReaderUnion(reader, writer);
    if (PROMOTIONS[reader.type]?.includes(writer.type)) return [];
    return [typeMismatch(reader, writer)];
  }

  private checkFields(reader: RecordSchema, writer: RecordSchema): Issue[] {
    const issues: Issue[] = [];
    for (const readerField of reader.fields) {
      const matches = writerFieldsFor(writer, readerField);
      const step = `.${readerField.name}`;
      const location = ['fields', String(readerField.position)];
      if (matches.length === 0) {
        if (!readerField.hasDefault) {
          issues.push(
            new Issue('READER_FIELD_MISSING_DEFAULT_VALUE', [step], location, (path) =>
              `reader field '${path}' has no default and the writer does not have it`,
            ),
          );
        }
      } else if (matches.length > 1) {
        // Java throws here; a report that says which fields collide is more useful.
        const names = matches.map((f) => f.name).join(', ');
        issues.push(
          new Issue('NAME_MISMATCH', [step], location, (path) =>
            `reader field '${path}' matches several writer fields (${names}) through its name and aliases`,
          ),
        );
      } else {
        issues.push(...this.check(readerField.type, matches[0].type).map((i) => i.under(step, ...location, 'type')));
      }
    }
    return issues;
  }

  /** Both unions: every branch the writer may use must be readable by some reader branch. */
  private checkWriterUnionBranches(reader: UnionSchema, writer: UnionSchema): Issue[] {
    return writer.branches.flatMap((branch, index) =>
      this.check(reader, branch).map((issue) => issue.under(undefined, String(index))),
    );
  }

  /** A reader union reads a plain writer when some branch can. */
  private checkReaderUnion(reader: UnionSchema, writer: AvroSchema): Issue[] {
    if (reader.branches.some((branch) => this.check(branch, writer).length === 0)) return [];
    return [missingUnionBranch(reader, writer, this.closestBranchCauses(reader, writer))];
  }

  /** Explains a missing branch through the reader branch of the same name (or kind, when unnamed). */
  private closestBranchCauses(reader: UnionSchema, writer: AvroSchema): Issue[] {
    const closest = reader.branches.find(
      (branch) => branch.type === writer.type && (!isNamed(branch) || namesMatch(branch, writer as NamedSchema)),
    );
    return closest ? this.check(closest, writer) : [];
  }
}

function writerFieldsFor(writer: RecordSchema, readerField: RecordField): RecordField[] {
  const names = [readerField.name, ...readerField.aliases];
  return writer.fields.filter((field) => names.includes(field.name));
}

/**
 * Named types match by unqualified name (namespaces are ignored, as in current Java and the spec),
 * or when one of the reader's aliases equals the writer's full name (Java's alias rule).
 */
function namesMatch(reader: NamedSchema, writer: NamedSchema): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.fullName);
}

function checkNames(reader: NamedSchema, writer: NamedSchema): Issue[] {
  if (namesMatch(reader, writer)) return [];
  return [
    new Issue('NAME_MISMATCH', [], ['name'], (path) =>
      `${at(path)} the reader ${reader.type} '${reader.fullName}' does not match the writer ${writer.type} '${writer.fullName}' by name or alias`,
    ),
  ];
}

function checkFixedSize(reader: FixedSchema, writer: FixedSchema): Issue[] {
  if (reader.size === writer.size) return [];
  return [
    new Issue('FIXED_SIZE_MISMATCH', [], ['size'], (path) =>
      `${at(path)} the reader fixed '${reader.fullName}' has size ${reader.size} but the writer's has size ${writer.size}`,
    ),
  ];
}

function checkEnumSymbols(reader: EnumSchema, writer: EnumSchema): Issue[] {
  const missing = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol)).sort();
  if (missing.length === 0) return [];
  // Only the enum's own default stands in for an unknown symbol, never a record field's default.
  if (reader.default !== undefined && reader.symbols.includes(reader.default)) return [];
  return [
    new Issue('MISSING_ENUM_SYMBOLS', [], ['symbols'], (path) =>
      `${at(path)} the reader enum '${reader.fullName}' lacks the writer's symbols [${missing.join(', ')}] and declares no default symbol`,
    ),
  ];
}

interface Decimal {
  precision: number;
  scale: number;
}

/**
 * The decimal logical type of a bytes/fixed schema, or undefined when absent or invalid (Java then
 * ignores the logical type and so do we).
 */
export function decimalOf(schema: AvroSchema): Decimal | undefined {
  if (schema.type !== 'bytes' && schema.type !== 'fixed') return undefined;
  if (schema.logicalType !== 'decimal') return undefined;
  const { precision, scale = 0 } = schema.props as { precision?: unknown; scale?: unknown };
  if (!Number.isInteger(precision) || (precision as number) <= 0) return undefined;
  if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (precision as number)) return undefined;
  if (schema.type === 'fixed' && (precision as number) > Math.floor(Math.log10(2) * (8 * schema.size - 1))) return undefined;
  return { precision: precision as number, scale: scale as number };
}

/**
 * The bytes hold an unscaled integer: read with another scale they would silently mean another
 * number. The specification says two decimals match only with equal precision and scale; Java's
 * checker does not look, we do.
 */
function checkDecimals(reader: AvroSchema, writer: AvroSchema): Issue[] {
  const r = decimalOf(reader);
  const w = decimalOf(writer);
  if (!r || !w || (r.precision === w.precision && r.scale === w.scale)) return [];
  return [
    new Issue('TYPE_MISMATCH', [], [], (path) =>
      `${at(path)} the reader ${describe(reader)} cannot read the writer ${describe(writer)}: decimals must agree on precision and scale`,
    ),
  ];
}

function typeMismatch(reader: AvroSchema, writer: AvroSchema): Issue {
  return new Issue('TYPE_MISMATCH', [], [], (path) =>
    `${at(path)} the reader type ${describe(reader)} cannot read the writer type ${describe(writer)}`,
  );
}

function missingUnionBranch(reader: UnionSchema, writer: AvroSchema, causes: Issue[]): Issue {
  return new Issue(
    'MISSING_UNION_BRANCH',
    [],
    [],
    (path) => `${at(path)} no branch of the reader union ${describe(reader)} can read the writer type ${describe(writer)}`,
    causes,
  );
}

/** Short human form of a type for messages: `long`, `decimal(9,2) bytes`, `record 'retail.Customer'`, `[null, string]`. */
export function describe(schema: AvroSchema): string {
  if (schema.type === 'union') return `[${schema.branches.map(describe).join(', ')}]`;
  if (schema.type === 'array') return `array<${describe(schema.items)}>`;
  if (schema.type === 'map') return `map<${describe(schema.values)}>`;
  const decimal = decimalOf(schema);
  const prefix = decimal ? `decimal(${decimal.precision},${decimal.scale}) ` : '';
  if (isNamed(schema)) return `${prefix}${schema.type} '${schema.fullName}'`;
  return `${prefix}${schema.type}`;
}
