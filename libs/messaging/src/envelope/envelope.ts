import { validate as isUuid } from 'uuid';
import { CloudEventHeader, EventHeaders, JourneyHeader } from './headers';

/** The CloudEvents attributes and journey ids of one event, read from its headers. */
export interface EventEnvelope {
  /** `ce_id`: a UUIDv7, unique per event; the inbox key. */
  id: string;
  /** `ce_type`: the event type (Avro record full name), which selects the handler. */
  type: string;
  source: string;
  /** `ce_time` as written by the producer (ISO 8601). */
  time: string;
  subject?: string;
  /** Shared by every event of one business journey. */
  correlationId: string;
  /** `ce_id` of the event whose handling produced this one. */
  causationId?: string;
}

/** The headers do not form a usable Omnibus envelope (no id, no type, …); such a record goes to dead letters. */
export class MalformedEnvelopeError extends Error {
  override readonly name = 'MalformedEnvelopeError';
}

export function readEnvelope(headers: EventHeaders): EventEnvelope {
  const id = headers[CloudEventHeader.id];
  const type = headers[CloudEventHeader.type];
  if (!id) throw new MalformedEnvelopeError(`missing ${CloudEventHeader.id} header`);
  if (!isUuid(id)) throw new MalformedEnvelopeError(`${CloudEventHeader.id} "${id}" is not a UUID`);
  if (!type) throw new MalformedEnvelopeError(`missing ${CloudEventHeader.type} header`);
  return {
    id,
    type,
    source: headers[CloudEventHeader.source] ?? '',
    time: headers[CloudEventHeader.time] ?? '',
    subject: headers[CloudEventHeader.subject],
    correlationId: headers[JourneyHeader.correlationId] ?? id,
    causationId: headers[JourneyHeader.causationId],
  };
}
