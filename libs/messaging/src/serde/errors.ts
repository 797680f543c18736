/**
 * Typed serde errors. Decoding never crashes a consumer: bad bytes, unknown schema ids and
 * unresolvable schemas each have their own error, so the runtime can dead-letter them at once,
 * while a registry that is down (SchemaRegistryError with `retryable`) makes the partition wait.
 */
export class UndecodableEventError extends Error {
  constructor(
    message: string,
    /** The schema id from the header, when the header was readable. */
    readonly schemaId?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UndecodableEventError';
  }
}

/** The registry does not know the schema id in the message header (HTTP 404 / error code 40403). */
export class UnknownSchemaIdError extends Error {
  constructor(readonly schemaId: number) {
    super(`schema id ${schemaId} is not in the schema registry`);
    this.name = 'UnknownSchemaIdError';
  }
}

/**
 * The writer's schema cannot be read with the reader's (decoding), or the registry refused a schema
 * as incompatible with the subject's earlier versions (registering, HTTP 409).
 */
export class IncompatibleSchemaError extends Error {
  constructor(
    message: string,
    readonly details: { subject?: string; schemaId?: number; writer?: string; reader?: string; reasons?: readonly string[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IncompatibleSchemaError';
  }
}

/** The subject has no such schema yet: register it on start-up (registerProducedSchemas) or via `omnibus schemas register`. */
export class UnregisteredSchemaError extends Error {
  constructor(readonly subject: string) {
    super(`the schema of ${subject} is not registered; producers register their schemas on start-up (registerProducedSchemas)`);
    this.name = 'UnregisteredSchemaError';
  }
}

/** Any other answer from the registry. `retryable` for 5xx, timeouts and network errors. */
export class SchemaRegistryError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly errorCode: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SchemaRegistryError';
  }
}
