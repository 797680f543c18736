import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { COMPATIBILITY_LEVELS } from '@omnibus/avro-compat';
import type { CompatibilityLevel } from '../runtime/catalogue-types';
import { Finding, SchemaSourceError, error } from './findings';

const level = z.enum(COMPATIBILITY_LEVELS);
const serviceName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a service name is lower-case words joined by -');
const fullName = z.string().regex(/^com\.omnibus\.[a-z][a-z0-9]*\.[A-Z][A-Za-z0-9]*$/, 'an event type is com.omnibus.<domain>.<Name>');
const deprecation = z.string().min(1, 'say why it is deprecated and what to use instead');

const eventSchema = z
  .object({
    type: fullName,
    owner: serviceName.optional(),
    producers: z.array(serviceName).optional(),
    consumers: z.array(serviceName).optional(),
    keyField: z.string().optional(),
    compatibility: level.optional(),
    deprecated: deprecation.optional(),
  })
  .strict();

const topicSchema = z
  .object({
    topic: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'a topic is dot-separated lower-case words'),
    key: z.string().min(1),
    keyField: z.string().optional(),
    owner: serviceName,
    consumers: z.array(serviceName),
    compatibility: level.optional(),
    partitions: z.number().int().positive().optional(),
    retentionMs: z.number().int().optional(),
    cleanupPolicy: z.string().optional(),
    minInsyncReplicas: z.number().int().positive().optional(),
    /** Topic setting read by infra (the outbox relay's fence on late sends). */
    timestampBeforeMaxMs: z.number().int().positive().optional(),
    deprecated: deprecation.optional(),
    events: z
      .array(eventSchema)
      .nullish()
      .transform((events) => events ?? []),
  })
  .strict();

const catalogueSchema = z
  .object({
    defaults: z
      .object({
        partitions: z.number().int().positive(),
        retentionMs: z.number().int(),
        cleanupPolicy: z.string(),
        minInsyncReplicas: z.number().int().positive(),
        timestampBeforeMaxMs: z.number().int().positive().optional(),
        compatibility: level,
      })
      .strict(),
    topics: z.array(topicSchema),
    serviceTopics: z
      .object({
        services: z.array(serviceName),
        retry: z.object({ partitions: z.number().int().positive(), retentionMs: z.number().int() }),
        deadLetter: z.object({ partitions: z.number().int().positive(), retentionMs: z.number().int() }),
      })
      .passthrough(),
  })
  .strict();

export type RawCatalogue = z.infer<typeof catalogueSchema>;

export interface CatalogueEvent {
  type: string;
  name: string;
  namespace: string;
  /** Folder under schemas/ (the last namespace segment). */
  domain: string;
  /** Expected schema file, relative to schemas/. */
  file: string;
  topic: string;
  subject: string;
  keyField: string;
  owner: string;
  producers: string[];
  consumers: string[];
  compatibility: CompatibilityLevel;
  deprecated?: string;
}

export interface CatalogueTopic {
  topic: string;
  key: string;
  owner: string;
  producers: string[];
  consumers: string[];
  compatibility: CompatibilityLevel;
  partitions: number;
  retentionMs: number;
  cleanupPolicy: string;
  minInsyncReplicas: number;
  deprecated?: string;
  events: CatalogueEvent[];
}

export interface Catalogue {
  topics: CatalogueTopic[];
  /** Every event type, in catalogue order. */
  events: CatalogueEvent[];
  services: string[];
  serviceTopics: RawCatalogue['serviceTopics'];
}

export const CATALOGUE_FILE = 'catalogue.yaml';

/** `<topic>-<record full name>`: Confluent's TopicRecordNameStrategy. */
export function subjectOf(topic: string, type: string): string {
  return `${topic}-${type}`;
}

/**
 * Parses and validates the catalogue, resolving defaults. Structural problems throw
 * `SchemaSourceError`; problems of meaning (unknown services, duplicates) are returned as findings.
 */
export function parseCatalogue(text: string): { catalogue: Catalogue; findings: Finding[] } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new SchemaSourceError([error(`not valid YAML: ${(cause as Error).message}`, { file: CATALOGUE_FILE })]);
  }
  const parsed = catalogueSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SchemaSourceError(
      parsed.error.issues.map((issue) => error(`${issue.path.join('.') || '(root)'}: ${issue.message}`, { file: CATALOGUE_FILE })),
    );
  }
  return resolveCatalogue(parsed.data);
}

function resolveCatalogue(raw: RawCatalogue): { catalogue: Catalogue; findings: Finding[] } {
  const findings: Finding[] = [];
  const at = { file: CATALOGUE_FILE };
  const services = raw.serviceTopics.services;
  const knownService = (service: string, where: string) => {
    if (!services.includes(service)) findings.push(error(`${where}: unknown service '${service}' (not in serviceTopics.services)`, at));
  };

  const seenTopics = new Set<string>();
  const seenTypes = new Map<string, string>();
  const topics: CatalogueTopic[] = [];
  for (const rawTopic of raw.topics) {
    const where = `topic ${rawTopic.topic}`;
    if (seenTopics.has(rawTopic.topic)) findings.push(error(`${where} is declared twice`, at));
    seenTopics.add(rawTopic.topic);
    knownService(rawTopic.owner, `${where} owner`);
    rawTopic.consumers.forEach((consumer) => knownService(consumer, `${where} consumers`));
    const compatibility = rawTopic.compatibility ?? raw.defaults.compatibility;

    const events: CatalogueEvent[] = rawTopic.events.map((rawEvent) => {
      const eventWhere = `${where} event ${rawEvent.type}`;
      const previousTopic = seenTypes.get(rawEvent.type);
      if (previousTopic !== undefined) {
        findings.push(error(`${eventWhere}: already listed on ${previousTopic}; an event type lives on one topic`, at));
      }
      seenTypes.set(rawEvent.type, rawTopic.topic);
      const owner = rawEvent.owner ?? rawTopic.owner;
      const producers = unique([owner, ...(rawEvent.producers ?? [])]);
      const consumers = rawEvent.consumers ?? rawTopic.consumers;
      producers.forEach((producer) => knownService(producer, `${eventWhere} producers`));
      for (const consumer of consumers) {
        knownService(consumer, `${eventWhere} consumers`);
        if (!rawTopic.consumers.includes(consumer)) {
          findings.push(error(`${eventWhere}: consumer '${consumer}' is not subscribed to the topic (add it to the topic's consumers)`, at));
        }
      }
      const keyField = rawEvent.keyField ?? rawTopic.keyField;
      if (keyField === undefined) findings.push(error(`${eventWhere}: no keyField (set it on the topic or the event)`, at));
      const lastDot = rawEvent.type.lastIndexOf('.');
      const namespace = rawEvent.type.slice(0, lastDot);
      const name = rawEvent.type.slice(lastDot + 1);
      const domain = namespace.slice(namespace.lastIndexOf('.') + 1);
      return {
        type: rawEvent.type,
        name,
        namespace,
        domain,
        file: `${domain}/${name}.avsc`,
        topic: rawTopic.topic,
        subject: subjectOf(rawTopic.topic, rawEvent.type),
        keyField: keyField ?? '',
        owner,
        producers,
        consumers: [...consumers],
        compatibility: rawEvent.compatibility ?? compatibility,
        ...(rawEvent.deprecated ?? rawTopic.deprecated ? { deprecated: rawEvent.deprecated ?? rawTopic.deprecated } : {}),
      };
    });

    topics.push({
      topic: rawTopic.topic,
      key: rawTopic.key,
      owner: rawTopic.owner,
      producers: unique(events.flatMap((event) => event.producers)),
      consumers: [...rawTopic.consumers],
      compatibility,
      partitions: rawTopic.partitions ?? raw.defaults.partitions,
      retentionMs: rawTopic.retentionMs ?? raw.defaults.retentionMs,
      cleanupPolicy: rawTopic.cleanupPolicy ?? raw.defaults.cleanupPolicy,
      minInsyncReplicas: rawTopic.minInsyncReplicas ?? raw.defaults.minInsyncReplicas,
      ...(rawTopic.deprecated ? { deprecated: rawTopic.deprecated } : {}),
      events,
    });
  }

  // Short names become TypeScript names, so they must be unique across domains too.
  const byName = new Map<string, string>();
  for (const event of topics.flatMap((topic) => topic.events)) {
    const other = byName.get(event.name);
    if (other !== undefined && other !== event.type) {
      findings.push(error(`event types ${other} and ${event.type} share the name ${event.name}; names must be unique`, at));
    }
    byName.set(event.name, event.type);
  }

  return {
    catalogue: { topics, events: topics.flatMap((topic) => topic.events), services: [...services], serviceTopics: raw.serviceTopics },
    findings,
  };
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
