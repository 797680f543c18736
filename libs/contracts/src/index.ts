export * from './generated';
export * from './runtime/contract';
export * from './runtime/catalogue-types';
export * from './runtime/lookup';
export * from './runtime/values';
export { avroTypeOptions, compileAvroType, explainInvalid } from './runtime/avro';
export type { AvroSchemaJson, AvroSchemaObject } from './runtime/avro';
export { sampleOrderPlaced } from './runtime/samples';
