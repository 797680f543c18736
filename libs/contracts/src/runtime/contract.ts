import type * as avro from 'avsc';
import { AvroSchemaObject, compileAvroType, explainInvalid } from './avro';
import { EventDefinition } from './catalogue-types';

/** The value of an event does not fit its contract's schema; `problems` names each bad path. */
export class InvalidEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${eventType}: ${problems.join('; ') || 'value does not match the schema'}`);
    this.name = 'InvalidEventError';
  }
}

/**
 * Everything a service needs to publish or read one event type: where it goes (topic, subject,
 * key), who is involved, the full Avro schema registered under the subject, and typed Avro
 * body encoding. The Confluent framing (magic byte + schema id) is added by the serde in
 * `@omnibus/messaging`, which takes a contract.
 */
export interface EventContract<T = unknown, N extends string = string> extends EventDefinition<N> {
  /** The full, self-contained schema (shared types inlined) registered under `subject`. */
  readonly schema: AvroSchemaObject;
  /** The schema compiled by avsc with Omnibus' logical types (compiled on first use). */
  readonly avroType: avro.Type;
  /** The Kafka message key of an event: the value of `keyField`. */
  keyOf(event: T): string;
  /** Avro binary body (no framing). Throws `InvalidEventError` naming the bad fields. */
  toAvro(event: T): Buffer;
  /** Reads an Avro binary body written with this very schema. */
  fromAvro(body: Buffer): T;
  /** Problems with a value, one per bad path; empty when valid. */
  validate(event: T): string[];
}

/** Builds a contract from its catalogue entry and full schema (used by the generated code). */
export function defineContract<T, N extends string>(definition: EventDefinition<N>, schema: object): EventContract<T, N> {
  let compiled: avro.Type | undefined;
  const avroType = (): avro.Type => (compiled ??= compileAvroType(schema));
  const keyField = definition.keyField;
  return Object.freeze({
    ...definition,
    schema: schema as AvroSchemaObject,
    get avroType() {
      return avroType();
    },
    keyOf(event: T): string {
      return (event as Record<string, unknown>)[keyField] as string;
    },
    toAvro(event: T): Buffer {
      try {
        return avroType().toBuffer(event);
      } catch {
        throw new InvalidEventError(definition.type, explainInvalid(avroType(), event));
      }
    },
    fromAvro(body: Buffer): T {
      return avroType().fromBuffer(body) as T;
    },
    validate(event: T): string[] {
      return explainInvalid(avroType(), event);
    },
  });
}
