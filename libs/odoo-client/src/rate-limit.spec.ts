import { CallRateLimiter, LimiterClock } from './rate-limit';

/** A clock whose time moves only when the test says; sleeps resolve when their moment is reached. */
function fakeClock() {
  let time = 0;
  const sleepers: Array<{ until: number; wake: () => void }> = [];
  const clock: LimiterClock = {
    now: () => time,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ until: time + ms, wake })),
  };
  return {
    clock,
    async advanceTo(t: number) {
      time = t;
      for (const sleeper of sleepers.filter((s) => s.until <= t)) sleeper.wake();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('CallRateLimiter', () => {
  it('starts calls asked for at once no closer than 1/rate apart, in the order they asked', async () => {
    const { clock, advanceTo } = fakeClock();
    const limiter = new CallRateLimiter(10, clock);
    const started: Array<{ call: number; at: number }> = [];
    const calls = [1, 2, 3, 4].map((call) => limiter.take().then(() => started.push({ call, at: clock.now() })));

    await advanceTo(0);
    expect(started).toEqual([{ call: 1, at: 0 }]);
    await advanceTo(99);
    expect(started).toHaveLength(1);
    await advanceTo(100);
    await advanceTo(200);
    await advanceTo(300);
    await Promise.all(calls);
    expect(started).toEqual([
      { call: 1, at: 0 },
      { call: 2, at: 100 },
      { call: 3, at: 200 },
      { call: 4, at: 300 },
    ]);
  });

  it('banks no burst while idle: after a quiet spell one call starts at once and the next waits its turn', async () => {
    const { clock, advanceTo } = fakeClock();
    const limiter = new CallRateLimiter(2, clock);
    await limiter.take();
    await advanceTo(10_000);
    const started: number[] = [];
    const calls = [limiter.take(), limiter.take()].map((taken) => taken.then(() => started.push(clock.now())));
    await advanceTo(10_000);
    expect(started).toEqual([10_000]);
    await advanceTo(10_500);
    await Promise.all(calls);
    expect(started).toEqual([10_000, 10_500]);
  });

  it('takes fractional rates (one call every two seconds at 0.5/s)', async () => {
    const { clock, advanceTo } = fakeClock();
    const limiter = new CallRateLimiter(0.5, clock);
    await limiter.take();
    let second = false;
    const next = limiter.take().then(() => (second = true));
    await advanceTo(1_999);
    expect(second).toBe(false);
    await advanceTo(2_000);
    await next;
    expect(second).toBe(true);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new CallRateLimiter(0)).toThrow(/calls per second must be positive/);
  });
});
