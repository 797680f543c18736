import { FailureHeader } from '../envelope/headers';
import { DeadLetter, filterDeadLetters, redriveHeaders, toDeadLetter } from './dead-letters';
import { parseOperatorTime } from './operator-input';

function deadLetter(offset: number, headers: Record<string, string>, key = 'order-1'): DeadLetter {
  return toDeadLetter('inventory.dlq', {
    partition: 0,
    offset: String(offset),
    timestamp: String(Date.parse('2026-03-01T10:00:00Z')),
    key,
    value: Buffer.from([0]),
    headers: {
      ce_id: `0195a1b2-0000-7000-8000-00000000000${offset}`,
      ce_type: 'com.omnibus.order.OrderPlaced',
      [FailureHeader.originalTopic]: 'retail.orders',
      [FailureHeader.originalPartition]: '3',
      [FailureHeader.originalOffset]: '77',
      [FailureHeader.consumerGroup]: 'inventory',
      [FailureHeader.errorClass]: 'PermanentError',
      [FailureHeader.errorMessage]: 'SKU-9 does not exist',
      [FailureHeader.attempts]: '1',
      [FailureHeader.retryRound]: '2',
      [FailureHeader.firstFailureAt]: '2026-03-01T09:00:00.000Z',
      [FailureHeader.deadLetteredAt]: '2026-03-01T10:00:00.000Z',
      ...headers,
    },
  });
}

describe('dead letters', () => {
  const list = [
    deadLetter(1, {}),
    deadLetter(2, { [FailureHeader.consumerGroup]: 'inventory-projection', [FailureHeader.deadLetteredAt]: '2026-03-02T10:00:00.000Z' }),
    deadLetter(3, { [FailureHeader.errorClass]: 'Error', [FailureHeader.errorMessage]: 'Odoo answered 503' }, 'order-2'),
  ];

  it('are read from their headers, with the retry topic a re-drive goes to', () => {
    expect(list[0]).toMatchObject({
      id: '0:1',
      originalTopic: 'retail.orders',
      consumerGroup: 'inventory',
      retryTopic: 'inventory.retry',
      attempts: 1,
      deadLetteredAt: new Date('2026-03-01T10:00:00.000Z'),
      sequenced: false,
    });
  });

  it('are filtered by group, key, error, time and id; re-driven ones are hidden unless asked for', () => {
    const ids = (filter: Parameters<typeof filterDeadLetters>[1]) => filterDeadLetters(list, filter).map((dl) => dl.id);
    expect(ids({ group: 'inventory' })).toEqual(['0:1', '0:3']);
    expect(ids({ key: 'order-2' })).toEqual(['0:3']);
    expect(ids({ error: 'odoo' })).toEqual(['0:3']);
    expect(ids({ error: 'permanent' })).toEqual(['0:1', '0:2']);
    expect(ids({ since: new Date('2026-03-02T00:00:00Z') })).toEqual(['0:2']);
    expect(ids({ until: new Date('2026-03-02T00:00:00Z'), topic: 'retail.orders' })).toEqual(['0:1', '0:3']);
    expect(ids({ ids: ['0:2'] })).toEqual(['0:2']);
    const redriven = [{ ...list[0], redriven: { at: new Date(), by: 'erika' } }, list[1]];
    expect(filterDeadLetters(redriven, {}).map((dl) => dl.id)).toEqual(['0:2']);
    expect(filterDeadLetters(redriven, { includeRedriven: true }).map((dl) => dl.id)).toEqual(['0:1', '0:2']);
    // An unfinished re-drive is still waiting; a head dropped by `parked skip` is not.
    const booked = [
      { ...list[0], redriven: { at: new Date(), by: 'erika', state: 'pending' as const } },
      { ...list[1], redriven: { at: new Date(), by: 'erika', state: 'skipped' as const } },
    ];
    expect(filterDeadLetters(booked, {}).map((dl) => dl.id)).toEqual(['0:1']);
    expect(ids({ eventId: list[2].eventId!.toUpperCase() })).toEqual(['0:3']);
  });

  it('are re-driven due now, to their group only, with their origin kept and fresh retry rounds', () => {
    const now = new Date('2026-03-03T08:00:00.000Z');
    const headers = redriveHeaders(list[0], 'erika', now);
    expect(headers).toEqual({
      ce_id: list[0].eventId,
      ce_type: 'com.omnibus.order.OrderPlaced',
      [FailureHeader.originalTopic]: 'retail.orders',
      [FailureHeader.originalPartition]: '3',
      [FailureHeader.originalOffset]: '77',
      [FailureHeader.consumerGroup]: 'inventory',
      [FailureHeader.firstFailureAt]: '2026-03-01T09:00:00.000Z',
      [FailureHeader.notBefore]: now.toISOString(),
      [FailureHeader.redrivenAt]: now.toISOString(),
      [FailureHeader.redrivenBy]: 'erika',
      [FailureHeader.redriveCount]: '1',
    });
  });
});

describe('parseOperatorTime', () => {
  const now = new Date('2026-03-03T08:00:00.000Z');
  it('takes ISO times and ages', () => {
    expect(parseOperatorTime('2026-03-01T10:00:00Z', now)).toEqual(new Date('2026-03-01T10:00:00Z'));
    expect(parseOperatorTime('30m', now)).toEqual(new Date('2026-03-03T07:30:00.000Z'));
    expect(parseOperatorTime('2d', now)).toEqual(new Date('2026-03-01T08:00:00.000Z'));
    expect(() => parseOperatorTime('yesterday-ish', now)).toThrow('is not a time');
  });
});
