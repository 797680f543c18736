import { EventHeaders, FailureHeader, withoutFailureHeaders } from '../envelope/headers';
import { describeError, FailureKind } from './failures';
import type { ConsumedRecord, RecordPosition } from './types';

/**
 * `<service>.retry-<tier>` (tier 1, 2, 3… = the index of its delay in `retryTopicDelaysMs`): one
 * delay topic per tier, so every record of a topic partition waits the same delay and is due in
 * the order it was written. A 15-minute retry at the head of a partition can only hold back other
 * 15-minute retries, never a 10-second one or a re-drive. Named by index rather than by delay so
 * tuning a delay does not move the topic.
 */
export function retryTierTopicOf(service: string, tier: number): string {
  if (!Number.isInteger(tier) || tier < 1) throw new Error(`retry tier must be a positive integer, got ${tier}`);
  return `${service}.retry-${tier}`;
}

/** The delay topics of a schedule with `tiers` delays: `<service>.retry-1` … `<service>.retry-<tiers>`. */
export function retryTierTopicsOf(service: string, tiers: number): string[] {
  return Array.from({ length: tiers }, (_, index) => retryTierTopicOf(service, index + 1));
}

/**
 * Where an operator's re-drive of one of `service`'s dead letters goes: `<service>.retry`, a topic
 * the consumer reads without ever pausing (a re-drive is due at once). The record must carry
 * `omnibus-consumer-group` (only that group handles it; other groups of the service skip it). The
 * name is the one every tier shared before the tiers had their own topics, so dead letters that
 * already name it in `omnibus-retry-topic` still re-drive correctly. Dead letters written now name
 * it there too.
 */
export function redriveTopicFor(service: string): string {
  return `${service}.retry`;
}


/** True for `<service>.retry` and `<service>.retry-<n>`: topics a replay leaves alone unless named. */
export function isRetryTopic(topic: string): boolean {
  return /\.retry(-\d+)?$/.test(topic);
}

/** `<service>.dlq`: where a service's failed events wait for an operator. */
export function deadLetterTopicOf(service: string): string {
  return `${service}.dlq`;
}

export interface RetrySchedule {
  /** Attempts in place after the first one, with exponential backoff and jitter. Keep it short: the partition waits. */
  inPlaceRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Delay of each round through the retry topic (the partition moves on meanwhile); then dead letters. */
  retryTopicDelaysMs: number[];
}

export const defaultRetrySchedule: RetrySchedule = {
  inPlaceRetries: 3,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  retryTopicDelaysMs: [10_000, 120_000, 900_000],
};

/** What earlier failures of this event left in its headers. */
export interface FailureHistory {
  attempts: number;
  retryRound: number;
  firstFailureAt?: string;
  redriveCount: number;
}

const NO_FAILURES: FailureHistory = Object.freeze({ attempts: 0, retryRound: 0, redriveCount: 0 });

export function readFailureHistory(headers: EventHeaders): FailureHistory {
  // Most records have never failed: no allocation for them on the hot path.
  if (headers[FailureHeader.attempts] === undefined && headers[FailureHeader.redriveCount] === undefined) return NO_FAILURES;
  return {
    attempts: intHeader(headers[FailureHeader.attempts]),
    retryRound: intHeader(headers[FailureHeader.retryRound]),
    firstFailureAt: headers[FailureHeader.firstFailureAt],
    redriveCount: intHeader(headers[FailureHeader.redriveCount]),
  };
}

/** Where the event was first published: the record itself, or what a retry/re-drive record says. */
export function readOrigin(record: ConsumedRecord): RecordPosition {
  const topic = record.headers[FailureHeader.originalTopic];
  // A record read from its own topic is its own origin (a ConsumedRecord is a RecordPosition).
  if (!topic) return record;
  return {
    topic,
    partition: intHeader(record.headers[FailureHeader.originalPartition]),
    offset: record.headers[FailureHeader.originalOffset] ?? '-1',
    timestamp: record.headers[FailureHeader.originalTimestamp] ?? record.timestamp,
  };
}

/** A retry-topic record is for one consumer group and not before a given time. */
export function readRetryDirective(headers: EventHeaders): { consumerGroup?: string; notBefore?: number } {
  const notBefore = headers[FailureHeader.notBefore] ? Date.parse(headers[FailureHeader.notBefore]) : undefined;
  return {
    consumerGroup: headers[FailureHeader.consumerGroup],
    notBefore: notBefore !== undefined && !Number.isNaN(notBefore) ? notBefore : undefined,
  };
}

export type Escalation = { to: 'retry-topic'; round: number; notBefore: Date } | { to: 'dead-letter' };

/** Transient failures go round the retry topic while rounds remain; everything else goes to dead letters. */
export function chooseEscalation(kind: FailureKind, history: FailureHistory, schedule: RetrySchedule, now: Date): Escalation {
  if (kind === 'transient' && history.retryRound < schedule.retryTopicDelaysMs.length) {
    const delay = schedule.retryTopicDelaysMs[history.retryRound];
    return { to: 'retry-topic', round: history.retryRound + 1, notBefore: new Date(now.getTime() + delay) };
  }
  return { to: 'dead-letter' };
}

export interface FailedDelivery {
  record: ConsumedRecord;
  origin: RecordPosition;
  consumerGroup: string;
  error: unknown;
  kind: FailureKind;
  /** Attempts including this failure's. */
  attempts: number;
  history: FailureHistory;
  sequenced: boolean;
}

export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: EventHeaders;
}

const MAX_ERROR_MESSAGE_LENGTH = 2_000;

export interface FailureTopics {
  /** The delay topic of retry round `round` (1-based). */
  retryTopicOfRound(round: number): string;
  deadLetterTopic: string;
  /** Named in a dead letter's `omnibus-retry-topic`: where its re-drive goes. */
  redriveTopic: string;
}

/** The record that carries a failed event to the retry topic of its round or the dead-letter topic. */
export function buildFailureRecord(
  failed: FailedDelivery,
  escalation: Escalation,
  topics: FailureTopics,
  now: Date,
): OutgoingRecord {
  const retryTopic = escalation.to === 'retry-topic' ? topics.retryTopicOfRound(escalation.round) : topics.redriveTopic;
  const { errorClass, message } = describeError(failed.error);
  const headers: EventHeaders = {
    ...withoutFailureHeaders(failed.record.headers),
    [FailureHeader.originalTopic]: failed.origin.topic,
    [FailureHeader.originalPartition]: String(failed.origin.partition),
    [FailureHeader.originalOffset]: failed.origin.offset,
    [FailureHeader.originalTimestamp]: failed.origin.timestamp,
    [FailureHeader.consumerGroup]: failed.consumerGroup,
    [FailureHeader.retryTopic]: retryTopic,
    [FailureHeader.errorClass]: errorClass,
    [FailureHeader.errorMessage]: message.slice(0, MAX_ERROR_MESSAGE_LENGTH),
    [FailureHeader.errorKind]: failed.kind,
    [FailureHeader.attempts]: String(failed.attempts),
    [FailureHeader.firstFailureAt]: failed.history.firstFailureAt ?? now.toISOString(),
    [FailureHeader.lastFailureAt]: now.toISOString(),
  };
  if (failed.history.redriveCount > 0) headers[FailureHeader.redriveCount] = String(failed.history.redriveCount);
  if (failed.sequenced) headers[FailureHeader.sequenced] = 'true';
  if (escalation.to === 'retry-topic') {
    headers[FailureHeader.retryRound] = String(escalation.round);
    headers[FailureHeader.notBefore] = escalation.notBefore.toISOString();
    return { topic: retryTopic, key: failed.record.key, value: failed.record.value, headers };
  }
  headers[FailureHeader.retryRound] = String(failed.history.retryRound);
  headers[FailureHeader.deadLetteredAt] = now.toISOString();
  return { topic: topics.deadLetterTopic, key: failed.record.key, value: failed.record.value, headers };
}

function intHeader(value: string | undefined): number {
  const parsed = value === undefined ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}
