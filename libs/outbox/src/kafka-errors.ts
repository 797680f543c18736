/**
 * Which failed sends mean the producer itself is no longer fit to use, as opposed to the broker
 * refusing these records.
 *
 * A connection error, a timeout (kafkajs' or the relay's own send deadline) or a sequence/producer-id
 * error leaves the idempotent producer's sequence numbers uncertain: the broker may have written
 * the request, and the next send with the same sequence would be dropped as a duplicate. Such a
 * producer is replaced. A refusal of the records (a missing topic, a record above the topic's
 * size limit, a stale timestamp) consumed no sequence number, so the producer stays and the other
 * shards keep using it.
 */
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
]);

const CONNECTION_ERROR_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'SendDeadlineExceeded',
]);

/** The relay gave up waiting for the broker's answer to one batch. */
export class SendDeadlineExceeded extends Error {
  override readonly name = 'SendDeadlineExceeded';
  constructor(readonly deadlineMs: number) {
    super(`no acknowledgement from Kafka within ${deadlineMs} ms`);
  }
}

/** True when the error (or what it wraps: retries exceeded, an aggregate of broker errors) makes the producer unfit. */
export function breaksProducer(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { name?: string; type?: string; message?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };
  if (e.name && CONNECTION_ERROR_NAMES.has(e.name)) return true;
  if (e.type && PRODUCER_STATE_ERRORS.has(e.type)) return true;
  if (e.message && /producer is disconnected|connection (is )?(closed|error)|not connected/i.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => breaksProducer(inner, depth + 1))) return true;
  return breaksProducer(e.cause, depth + 1) || breaksProducer(e.originalError, depth + 1);
}

/** The broker (or kafkajs' metadata) does not know a topic of the request. */
export function isUnknownTopic(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { type?: string; name?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };
  if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e.name === 'KafkaJSTopicMetadataNotLoaded') return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isUnknownTopic(inner, depth + 1))) return true;
  return isUnknownTopic(e.cause, depth + 1) || isUnknownTopic(e.originalError, depth + 1);
}
