import { waitFor } from '@omnibus/testing';
import { runPeriodically } from './periodic';

describe('runPeriodically', () => {
  it('runs pass after pass, never two at once, and goes on after a failed one', async () => {
    let inFlight = 0;
    let mostAtOnce = 0;
    let passes = 0;
    const errors: unknown[] = [];
    const task = runPeriodically(
      1,
      async () => {
        inFlight++;
        mostAtOnce = Math.max(mostAtOnce, inFlight);
        passes++;
        await new Promise((resolve) => setTimeout(resolve, 5)); // slower than the interval
        inFlight--;
        if (passes === 2) throw new Error('database away');
      },
      (error) => errors.push(error),
    );
    await waitFor(() => passes >= 5, { timeoutMs: 5_000, what: 'five passes' });
    await task.stop();
    expect(mostAtOnce).toBe(1);
    expect(errors).toEqual([new Error('database away')]);
  });

  it('stop waits for the pass in flight and starts no other', async () => {
    let finished = 0;
    let started = 0;
    let release!: () => void;
    const task = runPeriodically(
      1,
      async () => {
        started++;
        await new Promise<void>((resolve) => (release = resolve));
        finished++;
      },
      () => undefined,
    );
    await waitFor(() => started === 1, { timeoutMs: 5_000, what: 'the first pass to start' });
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false); // still waiting for the pass in flight
    release();
    await stopping;
    expect(finished).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // would be several intervals
    expect(started).toBe(1);
  });
});
