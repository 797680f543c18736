import { CompatibilityLevel, EventContract, contractsProducedBy } from '@omnibus/contracts';
import type { AvroSerde } from './avro-serde';
import { SchemaRegistryClient } from './registry-client';

/** A subject to push: its compatibility level and the schemas to register, oldest first. */
export interface SubjectSchemas {
  subject: string;
  compatibility: CompatibilityLevel;
  schemas: object[];
}

export interface RegisteredSubject {
  subject: string;
  compatibility: CompatibilityLevel;
  /** Global ids of the schemas, in the order given. */
  ids: number[];
}

/**
 * Sets each subject's compatibility level, then registers its schemas in order (idempotent: a schema
 * already there keeps its id). The registry judges each new version at the subject's level, so an
 * incompatible schema fails here with IncompatibleSchemaError.
 */
export async function registerSubjects(registry: SchemaRegistryClient, subjects: readonly SubjectSchemas[]): Promise<RegisteredSubject[]> {
  const registered: RegisteredSubject[] = [];
  for (const { subject, compatibility, schemas } of subjects) {
    if ((await registry.getCompatibility(subject)) !== compatibility) await registry.setCompatibility(subject, compatibility);
    const ids: number[] = [];
    for (const schema of schemas) ids.push(await registry.register(subject, schema));
    registered.push({ subject, compatibility, ids });
  }
  return registered;
}

export interface RegisterProducedSchemasOptions {
  /** Contracts to register; default every event type the service owns or produces in the catalogue. */
  contracts?: readonly EventContract<any>[];
  /** The topic a catalogue topic is published on (tests use unique topic names, e.g. service-kit's `topicFor`); default the catalogue topic itself. */
  topicOf?: (catalogueTopic: string) => string;
  /** A serde to hand the ids to, so its first encode needs no lookup. */
  serde?: AvroSerde;
}

/**
 * Start-up step of a producing service: registers the schemas it publishes under their subjects
 * (`<topic>-<type>`) with the compatibility level from the catalogue. A schema the registry refuses
 * stops the service at start-up (IncompatibleSchemaError) instead of at its first event.
 */
export async function registerProducedSchemas(
  registry: SchemaRegistryClient,
  service: string,
  options: RegisterProducedSchemasOptions = {},
): Promise<RegisteredSubject[]> {
  const contracts = options.contracts ?? contractsProducedBy(service);
  const topicOf = options.topicOf ?? ((topic: string) => topic);
  const subjects = contracts.map((contract) => ({
    subject: `${topicOf(contract.topic)}-${contract.type}`,
    compatibility: contract.compatibility,
    schemas: [contract.schema],
  }));
  const registered = await registerSubjects(registry, subjects);
  contracts.forEach((contract, index) => options.serde?.rememberSchemaId(contract, registered[index].ids[0], topicOf(contract.topic)));
  return registered;
}
