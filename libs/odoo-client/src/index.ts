export * from './errors';
export * from './error-mapping';
export * from './call';
export * from './version';
export * from './options';
export * from './client';
export * from './changes';
export { encodeMethodCall, decodeMethodResponse, toOdooDatetime } from './xmlrpc-codec';
export type { OdooTransport } from './transports/transport';
