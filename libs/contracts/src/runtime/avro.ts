import * as avro from 'avsc';

/** An Avro schema as JSON: a type name, a union (array) or an object. */
export type AvroSchemaJson = string | AvroSchemaJson[] | AvroSchemaObject;
export interface AvroSchemaObject {
  type: AvroSchemaJson;
  [attribute: string]: unknown;
}

/**
 * `timestamp-millis` read as a JS `Date` and written from one. A writer schema whose field is a plain
 * `long` (or `timestamp-millis`) resolves to it, so old and new readers agree on the instant.
 */
class TimestampMillisType extends avro.types.LogicalType {
  _fromValue(millis: number): Date {
    return new Date(millis);
  }

  _toValue(date: unknown): number | undefined {
    // undefined makes avsc report the value as invalid instead of writing garbage.
    return date instanceof Date && !Number.isNaN(date.getTime()) ? date.getTime() : undefined;
  }

  _resolve(writerType: avro.Type): ((millis: number) => Date) | undefined {
    if (avro.Type.isType(writerType, 'long', 'int', 'logical:timestamp-millis')) return (millis) => new Date(millis);
    return undefined;
  }
}

/**
 * How every Omnibus Avro type is compiled: our logical types, and plain record objects (no
 * per-record methods: values are data, and it keeps decoding cheap).
 */
export const avroTypeOptions: Partial<avro.ForSchemaOptions> = {
  logicalTypes: { 'timestamp-millis': TimestampMillisType as unknown as new (...args: any[]) => avro.types.LogicalType },
  omitRecordMethods: true,
} as Partial<avro.ForSchemaOptions>;

/** Compiles a full (self-contained) schema with Omnibus' logical types. */
export function compileAvroType(schema: AvroSchemaJson | object): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { ...avroTypeOptions });
}

/**
 * Why a value does not fit a type, one line per problem with its path, e.g.
 * `lines.0.quantity.milli: expected long, got "2"`. Empty when the value is valid.
 */
export function explainInvalid(type: avro.Type, value: unknown): string[] {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], got: unknown, expected: avro.Type) => {
      const where = path.length > 0 ? path.join('.') : '(root)';
      problems.push(`${where}: expected ${describeType(expected)}, got ${describeValue(got)}`);
    },
  });
  return problems;
}

function describeType(type: avro.Type): string {
  const name = (type as { name?: string }).name;
  return name ?? type.typeName;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return typeof value;
  }
}
