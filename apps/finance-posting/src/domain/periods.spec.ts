import { placeInPeriod } from './periods';

describe('locked periods', () => {
  it.each([
    ['an open period', '2026-12-01', undefined, 'next_open', { post: true, accountingDate: '2026-12-01', note: null }],
    ['the day after the lock', '2026-12-01', '2026-11-30', 'next_open', { post: true, accountingDate: '2026-12-01', note: null }],
    [
      'a locked day, posted on the first open day',
      '2026-11-27',
      '2026-11-30',
      'next_open',
      { post: true, accountingDate: '2026-12-01', note: 'accounting date 2026-11-27 is in a period locked through 2026-11-30: posted on 2026-12-01, the first open day' },
    ],
    ['the lock day itself, held', '2026-11-30', '2026-11-30', 'wait', { post: false, note: 'accounting date 2026-11-30 is in a period locked through 2026-11-30: held until it opens' }],
  ] as const)('%s', (_, date, lock, policy, expected) => {
    expect(placeInPeriod(date, lock, policy)).toEqual(expected);
  });
});
