import {
  buildFailureRecord,
  chooseEscalation,
  defaultRetrySchedule,
  FailedDelivery,
  isRetryTopic,
  readFailureHistory,
  readOrigin,
  readRetryDirective,
  redriveTopicFor,
  retryTierTopicOf,
  retryTierTopicsOf,
} from './failure-routing';
import { FailureHeader } from '../envelope/headers';
import type { ConsumedRecord } from './types';

const now = new Date('2026-03-01T10:00:00.000Z');
const topics = {
  retryTopicOfRound: (round: number) => retryTierTopicOf('inventory', round),
  deadLetterTopic: 'inventory.dlq',
  redriveTopic: redriveTopicFor('inventory'),
};
const record: ConsumedRecord = {
  topic: 'retail.orders',
  partition: 4,
  offset: '1207',
  timestamp: '1772358000000',
  key: 'order-1',
  value: Buffer.from([0, 0, 0, 0, 7, 1]),
  headers: { ce_id: '0195a1b2-0000-7000-8000-000000000001', ce_type: 'com.omnibus.order.OrderPlaced', traceparent: '00-a-b-01' },
};

function failed(overrides: Partial<FailedDelivery> = {}): FailedDelivery {
  return {
    record,
    origin: readOrigin(record),
    consumerGroup: 'inventory',
    error: new Error('Odoo answered 503'),
    kind: 'transient',
    attempts: 4,
    history: readFailureHistory(record.headers),
    sequenced: false,
    ...overrides,
  };
}

describe('escalation of a failed event', () => {
  const schedule = { ...defaultRetrySchedule, retryTopicDelaysMs: [10_000, 60_000] };

  it('goes round the retry topic while rounds remain, then to dead letters', () => {
    expect(chooseEscalation('transient', { attempts: 4, retryRound: 0, redriveCount: 0 }, schedule, now)).toEqual({
      to: 'retry-topic',
      round: 1,
      notBefore: new Date('2026-03-01T10:00:10.000Z'),
    });
    expect(chooseEscalation('transient', { attempts: 8, retryRound: 1, redriveCount: 0 }, schedule, now)).toMatchObject({ round: 2 });
    expect(chooseEscalation('transient', { attempts: 12, retryRound: 2, redriveCount: 0 }, schedule, now)).toEqual({ to: 'dead-letter' });
  });

  it('skips the retry topic for permanent and undecodable failures', () => {
    expect(chooseEscalation('permanent', { attempts: 1, retryRound: 0, redriveCount: 0 }, schedule, now)).toEqual({ to: 'dead-letter' });
    expect(chooseEscalation('undecodable', { attempts: 1, retryRound: 0, redriveCount: 0 }, schedule, now)).toEqual({ to: 'dead-letter' });
  });
});

describe('the record handed to the retry topic or the dead letters', () => {
  it('keeps key, value and envelope, and names origin, group, error, attempts and times', () => {
    const dead = buildFailureRecord(failed(), { to: 'dead-letter' }, topics, now);
    expect(dead.topic).toBe('inventory.dlq');
    expect(dead.key).toBe('order-1');
    expect(dead.value).toBe(record.value);
    expect(dead.headers).toEqual({
      ...record.headers,
      [FailureHeader.originalTopic]: 'retail.orders',
      [FailureHeader.originalPartition]: '4',
      [FailureHeader.originalOffset]: '1207',
      [FailureHeader.originalTimestamp]: '1772358000000',
      [FailureHeader.consumerGroup]: 'inventory',
      [FailureHeader.retryTopic]: 'inventory.retry',
      [FailureHeader.errorClass]: 'Error',
      [FailureHeader.errorMessage]: 'Odoo answered 503',
      [FailureHeader.errorKind]: 'transient',
      [FailureHeader.attempts]: '4',
      [FailureHeader.retryRound]: '0',
      [FailureHeader.firstFailureAt]: now.toISOString(),
      [FailureHeader.lastFailureAt]: now.toISOString(),
      [FailureHeader.deadLetteredAt]: now.toISOString(),
    });
  });

  it('carries the history of a retry round: origin and first failure survive, the round and due time are set', () => {
    const first = buildFailureRecord(failed(), { to: 'retry-topic', round: 1, notBefore: new Date(now.getTime() + 10_000) }, topics, now);
    expect(first.topic).toBe('inventory.retry-1');
    expect(first.headers[FailureHeader.retryTopic]).toBe('inventory.retry-1');
    expect(buildFailureRecord(failed(), { to: 'retry-topic', round: 3, notBefore: now }, topics, now).topic).toBe('inventory.retry-3');
    expect(readRetryDirective(first.headers)).toEqual({ consumerGroup: 'inventory', notBefore: now.getTime() + 10_000 });

    const fromRetryTopic: ConsumedRecord = { ...record, topic: 'inventory.retry-1', partition: 0, offset: '12', headers: first.headers };
    const later = new Date(now.getTime() + 15_000);
    const second = buildFailureRecord(
      failed({ record: fromRetryTopic, origin: readOrigin(fromRetryTopic), history: readFailureHistory(first.headers), attempts: 8, sequenced: true }),
      { to: 'dead-letter' },
      topics,
      later,
    );
    expect(readOrigin({ ...fromRetryTopic, headers: second.headers })).toEqual({
      topic: 'retail.orders',
      partition: 4,
      offset: '1207',
      timestamp: '1772358000000',
    });
    expect(second.headers[FailureHeader.firstFailureAt]).toBe(now.toISOString());
    expect(second.headers[FailureHeader.lastFailureAt]).toBe(later.toISOString());
    expect(second.headers[FailureHeader.retryRound]).toBe('1');
    expect(second.headers[FailureHeader.attempts]).toBe('8');
    expect(second.headers[FailureHeader.sequenced]).toBe('true');
    expect(second.headers[FailureHeader.notBefore]).toBeUndefined();
  });

  it('bounds a huge error message', () => {
    const dead = buildFailureRecord(failed({ error: new Error('x'.repeat(10_000)) }), { to: 'dead-letter' }, topics, now);
    expect(dead.headers[FailureHeader.errorMessage]).toHaveLength(2_000);
  });
});

describe('retry and re-drive topic names', () => {
  it('gives each delay tier its own topic and re-drives a topic of their own', () => {
    expect(retryTierTopicsOf('inventory', 3)).toEqual(['inventory.retry-1', 'inventory.retry-2', 'inventory.retry-3']);
    expect(redriveTopicFor('inventory')).toBe('inventory.retry');
    expect(() => retryTierTopicOf('inventory', 0)).toThrow(/positive integer/);
  });

  it('recognises retry and re-drive topics (replays leave them alone) and nothing else', () => {
    expect(['inventory.retry', 'inventory.retry-2', 'order.odoo-results.retry-10'].every(isRetryTopic)).toBe(true);
    expect(['retail.orders', 'inventory.dlq', 'inventory.retry-x', 'retail.retrying'].some(isRetryTopic)).toBe(false);
  });
});
