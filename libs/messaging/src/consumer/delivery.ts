import { DECODE_LATER, EventDecoder, isUndecodable } from '../codec';
import { EventEnvelope, MalformedEnvelopeError, readEnvelope } from '../envelope/envelope';
import { FailureHistory, readFailureHistory, readOrigin } from './failure-routing';
import type { ConsumedEvent, ConsumedRecord, EventHandler, RecordPosition } from './types';

/** A handler ready to run: middlewares composed around it. */
export interface RunnableHandler {
  eventType: string;
  handle: EventHandler;
  sequenced: boolean;
}

/** One record on its way through the runtime. */
export interface Delivery {
  record: ConsumedRecord;
  origin: RecordPosition;
  history: FailureHistory;
  envelope?: EventEnvelope;
  handler?: RunnableHandler;
  /** Why the record cannot be handled at all (no usable envelope, undecodable value): it goes to dead letters at once. */
  problem?: Error;
}

/** A record without envelope headers or value. */
export class UnreadableRecordError extends MalformedEnvelopeError {}

/**
 * Reads the envelope of a record this group handles; the value is decoded later, right before the
 * handler runs (`decodePayload`). Gives undefined for records the group has no handler for (a
 * topic carries several event types).
 */
export function prepareDelivery(record: ConsumedRecord, handlers: ReadonlyMap<string, RunnableHandler>): Delivery | undefined {
  const delivery: Delivery = { record, origin: readOrigin(record), history: readFailureHistory(record.headers) };
  try {
    delivery.envelope = readEnvelope(record.headers);
  } catch (error) {
    delivery.problem = error as Error;
    return delivery;
  }
  delivery.handler = handlers.get(delivery.envelope.type);
  if (!delivery.handler) return undefined;
  if (record.value === null) delivery.problem = new UnreadableRecordError('record has no value');
  return delivery;
}

/**
 * Decodes the value of a delivery just before its handler runs, so that the decoded event lives
 * for one handler call rather than through its whole chunk's transaction (the GC copies what
 * lives). Without a promise when the decoder can (`decodeNow`, the steady state). A value that
 * can never be read sets `problem` and throws it; other errors (the registry is unreachable) are
 * thrown as they are: the partition must wait.
 */
export function decodePayload(delivery: Delivery, decoder: EventDecoder): unknown {
  const { topic } = delivery.origin;
  const { type } = delivery.envelope!;
  const value = delivery.record.value!;
  if (decoder.decodeNow) {
    let payload: unknown;
    try {
      payload = decoder.decodeNow(topic, type, value);
    } catch (error) {
      throw undecodable(delivery, error);
    }
    if (payload !== DECODE_LATER) return payload;
  }
  return decoder.decode(topic, type, value).catch((error) => {
    throw undecodable(delivery, error);
  });
}

function undecodable(delivery: Delivery, error: unknown): unknown {
  if (isUndecodable(error)) delivery.problem = error as Error;
  return error;
}

/** The sequencing key of a delivery, when its handler is sequenced and the record has a key. */
export function sequencingKey(delivery: Delivery): { topic: string; key: string } | undefined {
  if (!delivery.handler?.sequenced || delivery.record.key === null || !delivery.envelope) return undefined;
  return { topic: delivery.origin.topic, key: delivery.record.key };
}

export function consumedEventOf(delivery: Delivery, payload: unknown, attempt: number): ConsumedEvent {
  // Written out rather than spread: this runs once per event on the hot path.
  const envelope = delivery.envelope!;
  return {
    id: envelope.id,
    type: envelope.type,
    source: envelope.source,
    time: envelope.time,
    subject: envelope.subject,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId,
    key: delivery.record.key,
    payload,
    headers: delivery.record.headers,
    origin: delivery.origin,
    attempt,
  };
}
