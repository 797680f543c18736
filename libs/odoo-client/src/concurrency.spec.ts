import { AdaptiveConcurrency } from './concurrency';

const overload = Object.assign(new Error('HTTP 503 from Odoo'), { full: true });
const isOverload = (error: unknown) => (error as { full?: boolean }).full === true;

/** A call that stays in flight until settled from outside. */
function pending<T = string>() {
  let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  return { work: () => promise, ...settle };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AdaptiveConcurrency', () => {
  it('never has more calls in flight than its limit, and starts the waiting ones in arrival order', async () => {
    const limit = new AdaptiveConcurrency(2);
    const calls = [pending(), pending(), pending(), pending()];
    const started: number[] = [];
    const runs = calls.map((call, i) => limit.run(() => (started.push(i), call.work()), isOverload));
    await tick();
    expect(started).toEqual([0, 1]);
    expect(limit.inFlight).toBe(2);
    calls[1].resolve('b');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect(limit.inFlight).toBe(2);
    calls[0].resolve('a');
    calls[2].resolve('c');
    calls[3].resolve('d');
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd']);
    expect(limit.inFlight).toBe(0);
  });

  it('halves the limit each time Odoo says it is full, down to one, and grows back by one per limit-many successes', async () => {
    const seen: number[] = [];
    const limit = new AdaptiveConcurrency(8, (n) => seen.push(n));
    for (let i = 0; i < 4; i++) await expect(limit.run(() => Promise.reject(overload), isOverload)).rejects.toBe(overload);
    expect(limit.limit).toBe(1);
    expect(seen).toEqual([8, 4, 2, 1]);
    // Other failures say nothing about Odoo's capacity.
    await expect(limit.run(() => Promise.reject(new Error('ValidationError')), isOverload)).rejects.toThrow('ValidationError');
    expect(limit.limit).toBe(1);

    const succeed = () => limit.run(() => Promise.resolve('ok'), isOverload);
    await succeed(); // 1 success at limit 1 → 2
    expect(limit.limit).toBe(2);
    await succeed();
    await succeed(); // 2 successes at limit 2 → 3
    expect(limit.limit).toBe(3);
    for (let i = 0; i < 3 + 4 + 5 + 6 + 7; i++) await succeed();
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 50; i++) await succeed();
    expect(limit.limit).toBe(8); // never above the configured maximum
  });

  it('a lowered limit holds new calls back until enough in-flight ones finish', async () => {
    const limit = new AdaptiveConcurrency(4);
    const calls = [pending(), pending(), pending(), pending()];
    const runs = calls.map((call) => limit.run(call.work, isOverload).catch(() => 'refused'));
    await tick();
    calls[0].reject(overload); // limit 4 → 2 with three still in flight
    await tick();
    let started = false;
    const next = limit.run(async () => ((started = true), 'next'), isOverload);
    calls[1].resolve('b');
    await tick();
    expect(started).toBe(false); // two in flight, limit two
    calls[2].resolve('c');
    await tick();
    expect(started).toBe(true);
    calls[3].resolve('d');
    expect(await Promise.all([...runs, next])).toEqual(['refused', 'b', 'c', 'd', 'next']);
  });
});
