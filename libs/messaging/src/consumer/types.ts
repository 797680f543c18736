import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '../envelope/envelope';
import type { EventHeaders } from '../envelope/headers';
import type { OutgoingEvent } from '../publishing/event-outbox';

/** Where a record sits in Kafka. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
  /** Broker timestamp (ms since epoch, as a string like kafkajs gives it). */
  timestamp: string;
}

/** One Kafka record as the runtime reads it (from the topic, the retry topic or the parking table). */
export interface ConsumedRecord extends RecordPosition {
  key: string | null;
  value: Buffer | null;
  headers: EventHeaders;
}

/** A decoded event as a handler receives it. */
export interface ConsumedEvent<TPayload = unknown> extends EventEnvelope {
  /** The aggregate id (Kafka key). */
  key: string | null;
  payload: TPayload;
  /** All headers of the record, envelope included. */
  headers: EventHeaders;
  /** Where the event was originally published (also for deliveries from the retry topic or the parking table). */
  origin: RecordPosition;
  /** 1 for the first try; counts in-place retries and retry-topic rounds. */
  attempt: number;
}

/** What a handler may use besides the event: the transaction of this delivery and a way to publish follow-ups. */
export interface HandlerContext {
  /** The EntityManager of the transaction that also records the event in the inbox: write the handler's effects with it. */
  manager: EntityManager;
  consumerGroup: string;
  /**
   * Stages follow-up events in the outbox within this same transaction, with the correlation id
   * inherited, the causation id set to the handled event's id and the trace continued.
   */
  emit(events: OutgoingEvent | OutgoingEvent[]): Promise<EventEnvelope[]>;
  /**
   * Runs `work` once in this transaction, after the chunk's last handler and before its commit (the
   * same function registered again in the chunk runs once): for handlers that hand their events over
   * to be done together, e.g. one ordered lock statement and bulk writes for the whole chunk. A
   * failure fails the chunk as a handler's would: the events run again one by one, and the one that
   * fails alone goes to retry and dead letter. Work that knows which event failed throws
   * `EventFailedInChunk`: only that event goes alone, the others run again as chunks. A dependency
   * that is down (`DependencyUnavailableError`) blocks the partition at once.
   */
  beforeCommit(work: () => Promise<void>): void;
}

export type EventHandler<TPayload = unknown> = (event: ConsumedEvent<TPayload>, context: HandlerContext) => Promise<void>;

/**
 * A step wrapped around every handler call, inside the delivery's transaction (tracing, metrics and
 * any a service adds, e.g. a log line per event). Call `next()` to go on.
 */
export type Middleware = (event: ConsumedEvent, context: HandlerContext, next: () => Promise<void>) => Promise<void>;

export interface HandlerRegistration<TPayload = unknown> {
  /** The `ce_type` this handler handles. */
  eventType: string;
  handle: EventHandler<TPayload>;
  /**
   * Ordering-sensitive handlers: when an event of a key fails for good (or is waiting on the retry
   * topic), later events of that key are parked behind it instead of overtaking it, and follow it
   * in order once it succeeds (after a fix and a re-drive).
   */
  sequenced?: boolean;
}
