import { compareCheckpoints, DailyTotal, parseAmount, parseLegacyTotals, shiftDay } from './dual-run';

/** A week of our daily totals per channel and account, as a generator would make them. */
function week(start = '2026-11-23'): DailyTotal[] {
  const totals: DailyTotal[] = [];
  for (let day = 0; day < 7; day++) {
    const date = shiftDay(start, day);
    for (const channel of ['web-us', 'pos-downtown']) {
      const sales = 100_000 + day * 1_337 + (channel === 'pos-downtown' ? 50_000 : 0);
      totals.push({ date, channel, account: '121000', amountMinor: sales }, { date, channel, account: '400000', amountMinor: -Math.round(sales / 1.15) }, { date, channel, account: '251000', amountMinor: Math.round(sales / 1.15) - sales });
    }
  }
  return totals;
}
const toCsv = (totals: DailyTotal[]) => ['date,channel,account,amount', ...totals.map((t) => `${t.date},${t.channel},${t.account},${(t.amountMinor / 100).toFixed(2)}`)].join('\n');
const options = { roundingToleranceMinor: 2, cleanDaysRequired: 5 };

describe('dual-run checkpoints', () => {
  it('a week with some rounding and one real difference flags exactly that day', () => {
    const ours = week();
    const legacy = ours.map((total) => ({ ...total }));
    // Legacy rounds tax per line: a cent or two off on some days, on both tax and revenue.
    legacy[2].amountMinor += 1;
    legacy[1].amountMinor -= 1;
    legacy[8].amountMinor -= 2;
    legacy[7].amountMinor += 2;
    // Thursday: legacy booked an extra 250.00 of web sales that we never saw.
    const real = legacy.findIndex((total) => total.date === '2026-11-26' && total.channel === 'web-us' && total.account === '121000');
    legacy[real].amountMinor += 25_000;
    const report = compareCheckpoints(parseLegacyTotals(toCsv(legacy)), ours, options);
    expect(report.days.map((day) => [day.date, day.clean])).toEqual([
      ['2026-11-23', true],
      ['2026-11-24', true],
      ['2026-11-25', true],
      ['2026-11-26', false],
      ['2026-11-27', true],
      ['2026-11-28', true],
      ['2026-11-29', true],
    ]);
    expect(report.days[3].differences).toEqual([{ date: '2026-11-26', channel: 'web-us', account: '121000', legacyMinor: ours[real].amountMinor + 25_000, oursMinor: ours[real].amountMinor, class: 'real' }]);
    expect(report.days[0].differences.map((difference) => difference.class)).toEqual(['rounding', 'rounding']);
    expect(report).toMatchObject({ consecutiveCleanDays: 3, readyForCutover: false });
  });

  it('a sale booked a day later by legacy is timing, not real, on both days', () => {
    const ours = week();
    const legacy = ours.map((total) => ({ ...total }));
    const monday = legacy.findIndex((total) => total.date === '2026-11-23' && total.channel === 'web-us' && total.account === '121000');
    const tuesday = legacy.findIndex((total) => total.date === '2026-11-24' && total.channel === 'web-us' && total.account === '121000');
    legacy[monday].amountMinor -= 4_990;
    legacy[tuesday].amountMinor += 4_990;
    const report = compareCheckpoints(legacy, ours, options);
    expect(report.days.slice(0, 2).map((day) => day.differences.map((difference) => difference.class))).toEqual([['timing'], ['timing']]);
    expect(report).toMatchObject({ consecutiveCleanDays: 7, readyForCutover: true });
  });

  it('an account only one side has is a real difference', () => {
    const ours = week().filter((total) => total.date === '2026-11-23');
    const report = compareCheckpoints([...ours, { date: '2026-11-23', channel: 'web-us', account: '600000', amountMinor: 1_000 }], ours, options);
    expect(report.days[0].differences).toEqual([{ date: '2026-11-23', channel: 'web-us', account: '600000', legacyMinor: 1_000, oursMinor: 0, class: 'real' }]);
  });

  it('a day not compared breaks the run of clean days', () => {
    const ours = week();
    const report = compareCheckpoints(ours.filter((total) => total.date !== '2026-11-27'), ours, options);
    expect(report.consecutiveCleanDays).toBe(2);
  });

  it.each([
    ['12.34', 1234],
    ['-0.05', -5],
    ['7', 700],
    ['0.5', 50],
  ])('reads the amount %s as %i minor units', (text, minor) => {
    expect(parseAmount(text)).toBe(minor);
  });

  it('refuses a malformed export naming the row', () => {
    expect(() => parseLegacyTotals('day,channel,account,amount\n')).toThrow('the header must be date,channel,account,amount');
    expect(() => parseLegacyTotals('date,channel,account,amount\n2026-11-23,web-us,121000,12.345')).toThrow('row 2: not an amount with at most 2 decimals: "12.345"');
  });
});
