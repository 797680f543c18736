/**
 * Header names of an Omnibus event on Kafka.
 *
 * The envelope follows the CloudEvents Kafka protocol binding in binary mode: attributes travel as
 * `ce_*` headers, the value is the event data (Confluent-framed Avro), `content-type` describes it.
 * Trace context uses the W3C names; correlation and causation ids tie one business journey together.
 */
export const CloudEventHeader = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  specVersion: 'ce_specversion',
  subject: 'ce_subject',
  contentType: 'content-type',
} as const;

export const TraceHeader = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export const JourneyHeader = {
  correlationId: 'correlation-id',
  causationId: 'causation-id',
} as const;

/**
 * Headers the consumer runtime adds when it hands an event to the service's retry topic or its
 * dead-letter topic, and that the operator tools read. The original record (key, value, envelope
 * headers) is carried unchanged beside them.
 */
export const FailureHeader = {
  originalTopic: 'omnibus-original-topic',
  originalPartition: 'omnibus-original-partition',
  originalOffset: 'omnibus-original-offset',
  originalTimestamp: 'omnibus-original-timestamp',
  consumerGroup: 'omnibus-consumer-group',
  /** Topic a re-drive must be produced to so that only `consumerGroup` re-processes the event. */
  retryTopic: 'omnibus-retry-topic',
  errorClass: 'omnibus-error-class',
  errorMessage: 'omnibus-error-message',
  /** transient | permanent | undecodable */
  errorKind: 'omnibus-error-kind',
  /** Handler attempts so far, in place and through the retry topic. */
  attempts: 'omnibus-attempts',
  /** How many delay/retry-topic rounds the event has been through. */
  retryRound: 'omnibus-retry-round',
  firstFailureAt: 'omnibus-first-failure-at',
  lastFailureAt: 'omnibus-last-failure-at',
  /** Retry topic only: the consumer leaves the record alone until this time (ISO 8601). */
  notBefore: 'omnibus-not-before',
  deadLetteredAt: 'omnibus-dead-lettered-at',
  /** `true` when the handler is sequenced: later events of this key wait parked behind this one. */
  sequenced: 'omnibus-sequenced',
  redrivenAt: 'omnibus-redriven-at',
  redrivenBy: 'omnibus-redriven-by',
  redriveCount: 'omnibus-redrive-count',
} as const;

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
/** Confluent wire format: magic byte 0, 4-byte schema id, Avro binary body. */
export const AVRO_CONTENT_TYPE = 'application/avro';

export type EventHeaders = Record<string, string>;

type KafkaHeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** Kafka hands headers over as Buffers (or arrays of them when a name repeats); we keep the last value. */
export function readHeaders(headers: Record<string, KafkaHeaderValue> | undefined): EventHeaders {
  const result: EventHeaders = {};
  if (!headers) return result;
  for (const name of Object.keys(headers)) {
    let value = headers[name];
    if (Array.isArray(value)) value = value[value.length - 1];
    if (value === undefined || value === null) continue;
    result[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return result;
}

/** Copy of `headers` without the retry/dead-letter bookkeeping, i.e. the event as its producer sent it. */
export function withoutFailureHeaders(headers: EventHeaders): EventHeaders {
  const result: EventHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('omnibus-')) result[name] = value;
  }
  return result;
}
