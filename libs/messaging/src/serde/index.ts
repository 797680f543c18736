export { AvroSerde } from './avro-serde';
export type { AvroSerdeOptions, DecodedEvent } from './avro-serde';
export { AvroEventCodec, UnknownEventTypeError } from './event-codec';
export {
  IncompatibleSchemaError,
  SchemaRegistryError,
  UndecodableEventError,
  UnknownSchemaIdError,
  UnregisteredSchemaError,
} from './errors';
export { SchemaRegistryClient } from './registry-client';
export type { RegisteredSchema, SchemaRegistryClientOptions, SubjectVersion } from './registry-client';
export { registerProducedSchemas, registerSubjects } from './registration';
export type { RegisterProducedSchemasOptions, RegisteredSubject, SubjectSchemas } from './registration';
export { HEADER_SIZE, MAGIC_BYTE, readSchemaId } from './wire-format';
export { InvalidEventError } from '@omnibus/contracts';
export { InMemorySchemaRegistry } from './in-memory-registry';
export { CorruptBodyError, InvalidValueError, compileCodec } from './compiled-codec';
export type { CompiledCodec } from './compiled-codec';
