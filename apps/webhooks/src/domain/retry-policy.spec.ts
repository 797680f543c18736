import { decideAfterAttempt, failingTooLong, isEndpointFailure, parseRetryAfter, RetrySchedule } from './retry-policy';

const schedule: RetrySchedule = { delaysMs: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000], jitterPercent: 20, maxRetryAfterMs: 3_600_000 };
const now = new Date('2026-12-06T12:00:00Z');
const answered = (status: number, retryAfter?: string) => ({ kind: 'answered' as const, status, retryAfter });

describe('what an endpoint’s answer means for a delivery', () => {
  it('a 2xx delivers', () => {
    expect(decideAfterAttempt(answered(204), 1, schedule, now, 0.5)).toEqual({ outcome: 'delivered' });
  });

  it('a 410 Gone disables the endpoint', () => {
    expect(decideAfterAttempt(answered(410), 1, schedule, now, 0.5).outcome).toBe('endpoint_gone');
  });

  it('a 400, 401, 404 or 422 dead-letters at once with the status as the reason: retrying would flood the receiver', () => {
    for (const status of [400, 401, 403, 404, 422]) expect(decideAfterAttempt(answered(status), 1, schedule, now, 0.5)).toEqual({ outcome: 'dead', reason: `http_${status}: the endpoint refused the delivery` });
  });

  it('408, 429, 5xx, 3xx, timeouts and refused connections are retried on the schedule, with jitter', () => {
    for (const status of [408, 429, 500, 502, 503, 301]) expect(decideAfterAttempt(answered(status), 1, schedule, now, 0.5)).toMatchObject({ outcome: 'retry', delayMs: 5_000, countsAsAttempt: true });
    expect(decideAfterAttempt({ kind: 'failed', error: 'connection', detail: 'ECONNREFUSED' }, 2, schedule, now, 0.5)).toMatchObject({ outcome: 'retry', delayMs: 300_000 });
    // ±20 %: the third retry (30 min) lands between 24 and 36 min.
    expect(decideAfterAttempt({ kind: 'failed', error: 'timeout', detail: 'no answer' }, 3, schedule, now, 0)).toMatchObject({ delayMs: 1_440_000 });
    expect(decideAfterAttempt({ kind: 'failed', error: 'timeout', detail: 'no answer' }, 3, schedule, now, 0.75)).toMatchObject({ delayMs: 1_980_000 });
  });

  it('honours Retry-After in seconds or as a date, up to the configured ceiling', () => {
    expect(decideAfterAttempt(answered(429, '2'), 1, schedule, now, 0.5)).toMatchObject({ outcome: 'retry', delayMs: 2_000 });
    expect(decideAfterAttempt(answered(503, 'Sun, 06 Dec 2026 12:01:00 GMT'), 1, schedule, now, 0.5)).toMatchObject({ delayMs: 60_000 });
    expect(decideAfterAttempt(answered(429, '86400'), 1, schedule, now, 0.5)).toMatchObject({ delayMs: 3_600_000 });
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('dead-letters once the last attempt of the schedule failed', () => {
    expect(decideAfterAttempt(answered(500), 8, schedule, now, 0.5)).toEqual({ outcome: 'dead', reason: 'retries_exhausted after 8 attempts (last: http_500)' });
  });

  it('an open circuit breaker holds the delivery without counting an attempt', () => {
    expect(decideAfterAttempt({ kind: 'failed', error: 'circuit_open', detail: 'breaker open' }, 8, schedule, now, 0.5)).toMatchObject({ outcome: 'retry', countsAsAttempt: false });
  });

  it('only timeouts, refused connections, 408, 429 and 5xx count against an endpoint’s health', () => {
    expect(isEndpointFailure(answered(503))).toBe(true);
    expect(isEndpointFailure(answered(429))).toBe(true);
    expect(isEndpointFailure({ kind: 'failed', error: 'connection', detail: '' })).toBe(true);
    expect(isEndpointFailure(answered(400))).toBe(false);
    expect(isEndpointFailure(answered(200))).toBe(false);
  });
});

describe('an endpoint failing for days', () => {
  const days = (n: number) => n * 24 * 3600_000;
  it('is disabled once it has failed without a success for the configured span', () => {
    expect(failingTooLong(new Date(now.getTime() - days(5)), now, days(5))).toBe(true);
    expect(failingTooLong(new Date(now.getTime() - days(4)), now, days(5))).toBe(false);
    expect(failingTooLong(null, now, days(5))).toBe(false);
  });
});
