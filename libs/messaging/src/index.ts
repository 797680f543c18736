export * from './serde';
export * from './codec';
export * from './envelope/headers';
export { EventEnvelope, MalformedEnvelopeError, readEnvelope } from './envelope/envelope';
export { EventOutbox, EventOutboxOptions, OutgoingEvent, StageOptions, envelopeHeaders } from './publishing/event-outbox';
export * from './consumer/types';
export { PermanentError, DependencyUnavailableError, EventFailedInChunk, FailureKind, classifyFailure, describeError, sqlState } from './consumer/failures';
export {
  RetrySchedule,
  defaultRetrySchedule,
  retryTierTopicOf,
  retryTierTopicsOf,
  redriveTopicFor,
  isRetryTopic,
  deadLetterTopicOf,
  FailureHistory,
  readFailureHistory,
} from './consumer/failure-routing';
export { EventConsumer, EventConsumerOptions, ConsumerHooks } from './consumer/event-consumer';
export { instrumentHandler, HandlerInstrumentation, composeMiddleware } from './consumer/middleware';
export { consumerMetrics, DeliveryOutcome } from './consumer/metrics';
export { purgeInbox } from './consumer/inbox';
export { inboxMigrations } from './migrations/inbox-migrations';
export {
  EventTransport,
  EventTransportOptions,
  EventContext,
  EventPatternExtras,
  EventHandlerErrorFilter,
  connectEventTransport,
} from './nest/event-transport';
export * from './operations';
