/**
 * What an endpoint's answer means for a delivery, after Standard Webhooks and what partners complain
 * about elsewhere (4xx retried for ever, no back-off): 2xx delivered; 410 Gone disables the
 * subscription; 408, 429 and every 5xx, 3xx, timeout or connection failure is retried on the schedule
 * (a Retry-After honoured); any other 4xx is the receiver refusing this delivery for good, so it goes
 * to the dead letters at once with the reason.
 */
export type AttemptResult =
  | { kind: 'answered'; status: number; retryAfter?: string | null }
  | { kind: 'failed'; error: 'timeout' | 'connection' | 'forbidden_address' | 'circuit_open'; detail: string };

export type DeliveryDecision =
  | { outcome: 'delivered' }
  | { outcome: 'retry'; reason: string; delayMs: number; countsAsAttempt: boolean }
  | { outcome: 'dead'; reason: string }
  | { outcome: 'endpoint_gone'; reason: string };

export interface RetrySchedule {
  /** Delay before each attempt (the first normally 0); its length is the number of attempts. */
  delaysMs: number[];
  /** Spread of each delay, in percent either way. */
  jitterPercent: number;
  /** The longest Retry-After honoured as given. */
  maxRetryAfterMs: number;
}

/** Whether a failure counts against the endpoint's health (its circuit breaker). */
export function isEndpointFailure(result: AttemptResult): boolean {
  if (result.kind === 'failed') return result.error === 'timeout' || result.error === 'connection';
  return result.status === 408 || result.status === 429 || result.status >= 500;
}

/**
 * What to do after attempt number `attempt` (1 for the first) ended with `result`. `random` is in
 * [0, 1) (Math.random in the service, fixed in tests); `now` reads Retry-After dates.
 */
export function decideAfterAttempt(result: AttemptResult, attempt: number, schedule: RetrySchedule, now: Date, random: number): DeliveryDecision {
  if (result.kind === 'failed' && result.error === 'circuit_open') {
    // The breaker held the delivery back without sending it: not an attempt of this delivery.
    return { outcome: 'retry', reason: result.detail, delayMs: 0, countsAsAttempt: false };
  }
  if (result.kind === 'failed' && result.error === 'forbidden_address') return { outcome: 'dead', reason: `forbidden_address: ${result.detail}` };
  if (result.kind === 'answered') {
    const { status } = result;
    if (status >= 200 && status < 300) return { outcome: 'delivered' };
    if (status === 410) return { outcome: 'endpoint_gone', reason: 'http_410: the endpoint answered 410 Gone' };
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { outcome: 'dead', reason: `http_${status}: the endpoint refused the delivery` };
  }
  const reason = result.kind === 'answered' ? `http_${result.status}` : `${result.error}: ${result.detail}`;
  if (attempt >= schedule.delaysMs.length) return { outcome: 'dead', reason: `retries_exhausted after ${attempt} attempts (last: ${reason})` };
  const retryAfterMs = result.kind === 'answered' ? parseRetryAfter(result.retryAfter, now) : null;
  const delayMs = retryAfterMs !== null ? Math.min(retryAfterMs, schedule.maxRetryAfterMs) : jittered(schedule.delaysMs[attempt], schedule.jitterPercent, random);
  return { outcome: 'retry', reason, delayMs, countsAsAttempt: true };
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

function jittered(delayMs: number, jitterPercent: number, random: number): number {
  const spread = (delayMs * jitterPercent) / 100;
  return Math.max(0, Math.round(delayMs - spread + 2 * spread * random));
}

/**
 * An endpoint that has failed since `failingSince` without one success in between is disabled once
 * that lasts `disableAfterMs` (Svix: 5 days): its owner resumes it when it is back.
 */
export function failingTooLong(failingSince: Date | null, now: Date, disableAfterMs: number): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= disableAfterMs;
}
