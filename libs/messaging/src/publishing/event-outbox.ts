import { injectTraceHeaders } from '@omnibus/observability';
import { appendToOutbox, OutboxRecord } from '@omnibus/outbox';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import type { EventEncoder } from '../codec';
import { EventEnvelope } from '../envelope/envelope';
import {
  AVRO_CONTENT_TYPE,
  CLOUDEVENTS_SPEC_VERSION,
  CloudEventHeader,
  EventHeaders,
  JourneyHeader,
} from '../envelope/headers';

/** An event a service publishes: it reaches Kafka through the outbox of the service's database. */
export interface OutgoingEvent<TPayload = unknown> {
  topic: string;
  /** Event type (Avro record full name), written as `ce_type`. */
  type: string;
  /** Aggregate id: the Kafka key, so that one aggregate's events stay in order. */
  key: string;
  payload: TPayload;
  /** `ce_subject`; defaults to the key. */
  subject?: string;
  /** Overrides the generated UUIDv7 (e.g. an id derived from an idempotency key). */
  id?: string;
  time?: Date;
}

export interface StageOptions {
  /** The event being handled when this one is produced: correlation id inherited, causation id = its id. */
  causedBy?: Pick<EventEnvelope, 'id' | 'correlationId'>;
  /** Starts a journey with a known correlation id (e.g. from an HTTP request) when there is no cause. */
  correlationId?: string;
}

export interface EventOutboxOptions {
  /** `ce_source` of every event this service publishes, e.g. `omnibus/order`. */
  source: string;
  encoder: EventEncoder;
}

/**
 * Stages events in the transactional outbox of the service: the caller's state change and the
 * events it causes commit in one database transaction, and the relay publishes them afterwards.
 */
export class EventOutbox {
  constructor(private readonly options: EventOutboxOptions) {}

  /** Encodes the events, builds their envelope headers and adds them to the outbox within `manager`'s transaction. */
  async stage(
    manager: EntityManager,
    events: OutgoingEvent | OutgoingEvent[],
    options: StageOptions = {},
  ): Promise<EventEnvelope[]> {
    const { records, envelopes } = await this.encode(events, options);
    if (records.length > 0) await appendToOutbox(manager, records);
    return envelopes;
  }

  /**
   * The outbox records of the events (encoded, with their envelope headers) without writing them: for
   * a caller that writes them in one statement with its own rows (see @omnibus/outbox `outboxInsert`).
   */
  async encode(events: OutgoingEvent | OutgoingEvent[], options: StageOptions = {}): Promise<{ records: OutboxRecord[]; envelopes: EventEnvelope[] }> {
    const list = Array.isArray(events) ? events : [events];
    const records: OutboxRecord[] = [];
    const envelopes: EventEnvelope[] = [];
    for (const event of list) {
      const { headers, envelope } = envelopeHeaders(event, this.options.source, options);
      const value = await this.options.encoder.encode(event.topic, event.type, event.payload);
      records.push({ topic: event.topic, key: event.key, value, headers });
      envelopes.push(envelope);
    }
    return { records, envelopes };
  }
}

/**
 * The envelope headers of an outgoing event: CloudEvents attributes (a fresh UUIDv7 `ce_id`),
 * content type, correlation id (inherited from the cause, else given, else the event's own id),
 * causation id (the cause's id) and the trace context of the active span.
 */
export function envelopeHeaders(
  event: OutgoingEvent,
  source: string,
  options: StageOptions = {},
): { headers: EventHeaders; envelope: EventEnvelope } {
  const id = event.id ?? uuidv7();
  const time = (event.time ?? new Date()).toISOString();
  const subject = event.subject ?? event.key;
  const correlationId = options.causedBy?.correlationId ?? options.correlationId ?? id;
  const causationId = options.causedBy?.id;
  const headers: EventHeaders = {
    [CloudEventHeader.id]: id,
    [CloudEventHeader.type]: event.type,
    [CloudEventHeader.source]: source,
    [CloudEventHeader.time]: time,
    [CloudEventHeader.specVersion]: CLOUDEVENTS_SPEC_VERSION,
    [CloudEventHeader.subject]: subject,
    [CloudEventHeader.contentType]: AVRO_CONTENT_TYPE,
    [JourneyHeader.correlationId]: correlationId,
  };
  if (causationId) headers[JourneyHeader.causationId] = causationId;
  // The active span is the handler's consume span (or the HTTP request's), so the trace continues.
  injectTraceHeaders(headers);
  return { headers, envelope: { id, type: event.type, source, time, subject, correlationId, causationId } };
}
