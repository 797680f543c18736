/**
 * How the runtime turns event payloads into record values and back. The Avro serde of this library
 * (Confluent wire format + schema registry) implements both; tests may use any other implementation.
 */
export interface EventEncoder {
  /** Encodes `payload` of `eventType` for `topic` (the subject is derived from both). */
  encode(topic: string, eventType: string, payload: unknown): Promise<Buffer>;
}

export interface EventDecoder {
  /**
   * Decodes a record value. Throws an error named `UndecodableEventError`, `UnknownSchemaIdError` or
   * `IncompatibleSchemaError` when the bytes can never be read (the event goes to dead letters at
   * once); any other error is taken as the registry being unreachable: the partition waits and tries again.
   */
  decode(topic: string, eventType: string, value: Buffer): Promise<unknown>;
  /**
   * Optional: decodes at once when that needs no registry call (the writer's schema is known), else
   * returns `DECODE_LATER` and the runtime awaits `decode`. Throws what `decode` would reject with.
   * For the consumer's hot path, where a promise and an async layer per event show in its CPU.
   */
  decodeNow?(topic: string, eventType: string, value: Buffer): unknown;
}

/** `decodeNow`'s answer when decoding has to wait for the registry: call `decode`. */
export const DECODE_LATER: unique symbol = Symbol('decode later');

// The serde's typed errors for bytes that can never be read: bad framing or body, a schema id the
// registry does not know, a writer schema that cannot be resolved to the reader's.
const UNDECODABLE_ERROR_NAMES = new Set(['UndecodableEventError', 'UnknownSchemaIdError', 'IncompatibleSchemaError']);

/** True when retrying cannot help: the bytes are not an event we can read. */
export function isUndecodable(error: unknown): boolean {
  return (
    error instanceof Error &&
    (UNDECODABLE_ERROR_NAMES.has(error.name) || UNDECODABLE_ERROR_NAMES.has(error.constructor.name))
  );
}
