import { decideResolution, ReviewItemRecord, reviewItemView } from './review-item';
import { listReviewSchema, resolveReviewSchema } from './review-request';

const open: ReviewItemRecord = {
  id: '0190a000-0000-5000-8000-000000000001',
  orderId: '0190a000-0000-7000-8000-000000000002',
  step: 'reserveStock',
  phase: 'compensation',
  reason: 'COMPENSATION_FAILED',
  detail: 'no confirmation of the compensation of reserveStock after 3 timeouts',
  allowedActions: ['retry', 'accept'],
  retry: 'same-command',
  openedAt: new Date('2026-12-02T10:00:00Z'),
  dueBy: new Date('2026-12-02T14:00:00Z'),
  cause: { type: 'timeout', eventId: null },
  state: 'open',
  resolution: null,
};
const resolved: ReviewItemRecord = { ...open, state: 'resolved', resolution: { action: 'retry', note: null, by: 'operator:alice', at: new Date('2026-12-02T11:00:00Z'), idempotencyKey: 'k-1' } };

describe('a resolution request', () => {
  it('applies an allowed action to an open item, and refuses one the item does not allow, naming the allowed ones', () => {
    expect(decideResolution(open, 'retry', null)).toEqual({ outcome: 'apply' });
    expect(decideResolution(open, 'cancel', null)).toEqual({ outcome: 'not-allowed', message: expect.stringContaining('allowed: retry, accept') });
  });

  it('repeating the decision on a resolved item replays it; another decision conflicts and names the first one', () => {
    expect(decideResolution(resolved, 'retry', null)).toEqual({ outcome: 'replay' });
    expect(decideResolution(resolved, 'retry', 'another-key')).toEqual({ outcome: 'replay' });
    expect(decideResolution(resolved, 'accept', 'k-1')).toEqual({
      outcome: 'conflict',
      message: `review item ${open.id} was already resolved with retry by operator:alice at 2026-12-02T11:00:00.000Z (Idempotency-Key "k-1" was used for that decision)`,
    });
  });

  it('an open item past its SLA is overdue; a resolved one never is', () => {
    const late = new Date('2026-12-02T15:00:00Z');
    expect(reviewItemView(open, late).overdue).toBe(true);
    expect(reviewItemView(open, new Date('2026-12-02T12:00:00Z')).overdue).toBe(false);
    expect(reviewItemView(resolved, late)).toMatchObject({ overdue: false, resolution: { action: 'retry', by: 'operator:alice', at: '2026-12-02T11:00:00.000Z' } });
  });
});

describe('the request schemas', () => {
  it('a resolution needs one of the three actions and nothing unknown', () => {
    expect(resolveReviewSchema.parse({ action: 'accept', note: ' released by hand ' })).toEqual({ action: 'accept', note: 'released by hand' });
    const bad = resolveReviewSchema.safeParse({ action: 'later', extra: 1 });
    expect(bad.success ? [] : bad.error.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['action', 'must be one of retry, cancel, accept'],
      ['', "Unrecognized key(s) in object: 'extra'"],
    ]);
  });

  it('the listing filters arrive as text and are parsed, with paging defaults', () => {
    expect(listReviewSchema.parse({ state: 'open', overdue: 'true', limit: '10' })).toEqual({ state: 'open', overdue: true, limit: 10, offset: 0 });
    expect(listReviewSchema.safeParse({ overdue: 'yes' }).success).toBe(false);
    expect(listReviewSchema.safeParse({ limit: '500' }).success).toBe(false);
  });
});
