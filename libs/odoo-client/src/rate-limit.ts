/** What the limiter waits with; tests pass a fake one. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A cap on calls per second: a token bucket holding one token, so call starts are spaced at least
 * 1/rate apart, in the order callers asked. Our own because cockatiel (which bounds concurrency
 * here) has no rate limiter, and bottleneck, which did both, is unmaintained.
 */
export class CallRateLimiter {
  private readonly intervalMs: number;
  private nextStartAt = -Infinity;

  constructor(
    callsPerSecond: number,
    private readonly clock: LimiterClock = realClock,
  ) {
    if (!(callsPerSecond > 0)) throw new RangeError(`calls per second must be positive, got ${callsPerSecond}`);
    this.intervalMs = 1000 / callsPerSecond;
  }

  /** Resolves when the caller may start its call (at once when the last start is long enough ago). */
  async take(): Promise<void> {
    const now = this.clock.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.intervalMs;
    if (startAt > now) await this.clock.sleep(startAt - now);
  }
}
