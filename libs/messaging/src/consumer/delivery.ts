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
  payload?: unknown;
  /** Why the record cannot be handled at all (no usable envelope, undecodable value): it goes to dead letters at once. */
  problem?: Error;
}

/** A record without envelope headers or value. */
export class UnreadableRecordError extends MalformedEnvelopeError {}

/**
 * Reads the envelope and decodes the value of a record this group handles. Gives undefined for
 * records the group has no handler for (a topic carries several event types). Decoding errors other
 * than "undecodable" (the registry is unreachable) are thrown: the partition must wait. Answers at
 * once, without a promise, when the decoder can (`decodeNow`, the steady state): once per event.
 */
export function prepareDelivery(
  record: ConsumedRecord,
  handlers: ReadonlyMap<string, RunnableHandler>,
  decoder: EventDecoder,
): Delivery | undefined | Promise<Delivery | undefined> {
  const delivery: Delivery = { record, origin: readOrigin(record), history: readFailureHistory(record.headers) };
  try {
    delivery.envelope = readEnvelope(record.headers);
  } catch (error) {
    delivery.problem = error as Error;
    return delivery;
  }
  delivery.handler = handlers.get(delivery.envelope.type);
  if (!delivery.handler) return undefined;
  const value = record.value;
  if (value === null) {
    delivery.problem = new UnreadableRecordError('record has no value');
    return delivery;
  }
  const { topic } = delivery.origin;
  const { type } = delivery.envelope;
  if (decoder.decodeNow) {
    try {
      const payload = decoder.decodeNow(topic, type, value);
      if (payload !== DECODE_LATER) {
        delivery.payload = payload;
        return delivery;
      }
    } catch (error) {
      return undecodable(delivery, error);
    }
  }
  return decoder.decode(topic, type, value).then(
    (payload) => {
      delivery.payload = payload;
      return delivery;
    },
    (error) => undecodable(delivery, error),
  );
}

function undecodable(delivery: Delivery, error: unknown): Delivery {
  if (!isUndecodable(error)) throw error;
  delivery.problem = error as Error;
  return delivery;
}

/** The sequencing key of a delivery, when its handler is sequenced and the record has a key. */
export function sequencingKey(delivery: Delivery): { topic: string; key: string } | undefined {
  if (!delivery.handler?.sequenced || delivery.record.key === null || !delivery.envelope) return undefined;
  return { topic: delivery.origin.topic, key: delivery.record.key };
}

export function consumedEventOf(delivery: Delivery, attempt: number): ConsumedEvent {
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
    payload: delivery.payload,
    headers: delivery.record.headers,
    origin: delivery.origin,
    attempt,
  };
}
