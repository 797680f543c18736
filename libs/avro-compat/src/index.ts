export type {
  AvroSchema,
  ArraySchema,
  EnumSchema,
  FixedSchema,
  MapSchema,
  NamedSchema,
  ParseOptions,
  PrimitiveSchema,
  PrimitiveTypeName,
  RecordField,
  RecordSchema,
  SchemaInput,
  SchemaProps,
  UnionSchema,
} from './schema';
export { InvalidSchemaError, ParsedSchema, canonicalForm, isNamed, parseSchema, validateSchema } from './schema';
export type { Incompatibility, IncompatibilityType, ReaderWriterResult } from './compatibility';
export { checkReaderWriter, decimalOf, describe as describeType } from './compatibility';
export type {
  CheckOptions,
  CompatibilityDirection,
  CompatibilityLevel,
  CompatibilityReport,
  LevelIncompatibility,
} from './levels';
export { COMPATIBILITY_LEVELS, DEFAULT_COMPATIBILITY_LEVEL, checkCompatibility, isCompatibilityLevel } from './levels';
