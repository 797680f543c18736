import { everyNth } from './idempotency';

describe('every 1/rate-th', () => {
  it.each([
    [0, []],
    [0.25, [4, 8]],
    [0.5, [2, 4, 6, 8]],
    [0.1, []],
    [1, [1, 2, 3, 4, 5, 6, 7, 8]],
  ])('rate %d picks %j of the first 8', (rate, picked) => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].filter((count) => everyNth(count, rate))).toEqual(picked);
  });

  it('rate 0.1 picks the 10th and 20th', () => {
    expect(Array.from({ length: 20 }, (_, index) => index + 1).filter((count) => everyNth(count, 0.1))).toEqual([10, 20]);
  });
});
