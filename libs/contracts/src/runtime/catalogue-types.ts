import type { CompatibilityLevel } from '@omnibus/avro-compat';

export type { CompatibilityLevel };

/** One event type of the catalogue, with every default resolved. */
export interface EventDefinition<N extends string = string> {
  /** Avro record full name, e.g. `com.omnibus.order.OrderPlaced`; also the CloudEvents `ce_type`. */
  readonly type: N;
  /** Record name without namespace, e.g. `OrderPlaced`. */
  readonly name: string;
  readonly topic: string;
  /** Registry subject: `<topic>-<type>` (TopicRecordNameStrategy). */
  readonly subject: string;
  /** Field of the event that is the Kafka message key. */
  readonly keyField: string;
  /** Service that owns the contract. */
  readonly owner: string;
  /** Services that publish it (the owner first). */
  readonly producers: readonly string[];
  /** Services that decode it. */
  readonly consumers: readonly string[];
  readonly compatibility: CompatibilityLevel;
  /** Why the event type is deprecated and what to use instead; absent when it is not. */
  readonly deprecated?: string;
}

/** One topic of the catalogue, with every default resolved. */
export interface TopicDefinition<T extends string = string, E extends string = string> {
  readonly topic: T;
  /** What the message key is, in words. */
  readonly key: string;
  readonly owner: string;
  /** Every service that publishes on the topic (owners and producers of its events). */
  readonly producers: readonly string[];
  /** Services subscribed to the topic. */
  readonly consumers: readonly string[];
  readonly compatibility: CompatibilityLevel;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly cleanupPolicy: string;
  readonly minInsyncReplicas: number;
  readonly events: readonly E[];
}

/** Per-service retry and dead-letter topics. */
export interface ServiceTopicsDefinition<S extends string = string> {
  readonly services: readonly S[];
  readonly retry: { readonly partitions: number; readonly retentionMs: number };
  readonly deadLetter: { readonly partitions: number; readonly retentionMs: number };
  /** `<service>.retry` and `<service>.dlq` per service. */
  readonly topicNames: { readonly [service in S]: { readonly retry: string; readonly deadLetter: string } };
}
