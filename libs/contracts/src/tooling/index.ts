// Schema governance and code generation: reads schemas/, used by `omnibus schemas …`,
// tools/generate-contracts.ts and CI. Not for services at runtime (they use '@omnibus/contracts').
export * from './findings';
export * from './catalogue';
export * from './assemble';
export * from './lock';
export * from './source';
export * from './repository';
export * from './check';
export * from './diff';
export * from './codegen';
export * from './registration';
export * from './workspace';
export * from './asyncapi';
