import { publishDecision } from './availability-publisher';

const at = (entries: Record<string, number>) => new Map(Object.entries(entries));
const timing = { dirtySinceMs: 10_000, windowMs: 5_000, lowStock: 5_000 };

describe('coalescing availability changes', () => {
  it('waits for the end of the window while figures only move', () => {
    expect(publishDecision(at({ web: 20_000 }), at({ web: 12_000 }), { ...timing, nowMs: 12_000 })).toBe('wait');
  });

  it('publishes the latest figures once the window is over', () => {
    expect(publishDecision(at({ web: 20_000 }), at({ web: 12_000 }), { ...timing, nowMs: 15_000 })).toBe('now');
  });

  it('publishes at once when a channel crosses to zero', () => {
    expect(publishDecision(at({ web: 3_000, pos: 9_000 }), at({ web: 0, pos: 9_000 }), { ...timing, nowMs: 10_001 })).toBe('now');
  });

  it('publishes at once when a channel falls below the low-stock threshold', () => {
    expect(publishDecision(at({ web: 6_000 }), at({ web: 4_000 }), { ...timing, nowMs: 10_001 })).toBe('now');
  });

  it('moving further below the threshold waits for the window like any other change', () => {
    expect(publishDecision(at({ web: 4_000 }), at({ web: 3_000 }), { ...timing, nowMs: 10_001 })).toBe('wait');
  });

  it('publishes nothing when the figures are what was last published', () => {
    expect(publishDecision(at({ web: 4_000 }), at({ web: 4_000 }), { ...timing, nowMs: 99_000 })).toBe('unchanged');
  });

  it('a SKU never published counts as 0 before: its first stock waits for the window', () => {
    expect(publishDecision(new Map(), at({ web: 8_000 }), { ...timing, nowMs: 10_001 })).toBe('wait');
  });
});
