import { EventContext, EventFailedInChunk } from '@omnibus/messaging';
import type { EntityManager } from 'typeorm';
import { ChunkGatewayCalls } from './chunk-gateway-calls';

/** A delivery chunk as the runtime hands it to handlers: one manager, one before-commit hook per registration. */
function chunk() {
  const manager = {} as EntityManager;
  const hooks: Array<() => Promise<void>> = [];
  const contextOf = (eventId: string) => ({ manager, event: { id: eventId }, beforeCommit: (work: () => Promise<void>) => hooks.push(work) }) as unknown as EventContext;
  return { manager, hooks, contextOf, commit: () => Promise.all(hooks.map((work) => work())) };
}

/** A gateway answer that arrives after `ms`, resolving or failing. */
const later = <T>(ms: number, value: T, fail = false) => new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(value) : resolve(value)), ms));

describe("a chunk's gateway calls", () => {
  it('overlap, and are recorded in the order of the chunk however their answers arrive', async () => {
    const calls = new ChunkGatewayCalls(8);
    const { hooks, contextOf, commit } = chunk();
    const recorded: string[] = [];
    let inFlight = 0;
    let most = 0;
    const call = (answer: string, ms: number) => async () => {
      most = Math.max(most, ++inFlight);
      try {
        return await later(ms, answer);
      } finally {
        inFlight--;
      }
    };
    calls.add(contextOf('e1'), call('first', 30), async (answer) => void recorded.push(answer));
    calls.add(contextOf('e2'), call('second', 5), async (answer) => void recorded.push(answer));
    calls.add(contextOf('e3'), call('third', 15), async (answer) => void recorded.push(answer));
    expect(hooks).toHaveLength(1);
    await commit();
    expect(recorded).toEqual(['first', 'second', 'third']);
    expect(most).toBe(3);
  });

  it('a call that fails fails its own event (EventFailedInChunk), and nothing of the chunk is recorded after it', async () => {
    const calls = new ChunkGatewayCalls(8);
    const { contextOf, commit } = chunk();
    const recorded: string[] = [];
    calls.add(contextOf('e1'), () => later(5, 'first'), async (answer) => void recorded.push(answer));
    calls.add(contextOf('e2'), () => later(1, new Error('gateway answered 500'), true), async (answer) => void recorded.push(String(answer)));
    calls.add(contextOf('e3'), () => later(1, 'third'), async (answer) => void recorded.push(answer));
    const failure = await commit().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EventFailedInChunk);
    expect(failure).toMatchObject({ eventId: 'e2', cause: expect.objectContaining({ message: 'gateway answered 500' }) });
    expect(recorded).toEqual(['first']);
  });

  it('keeps to its limit of calls at once, and flush lets the queued calls out before another command of the chunk', async () => {
    const calls = new ChunkGatewayCalls(2);
    const { manager, contextOf } = chunk();
    let inFlight = 0;
    let most = 0;
    const recorded: number[] = [];
    for (let i = 0; i < 6; i++) {
      calls.add(
        contextOf(`e${i}`),
        async () => {
          most = Math.max(most, ++inFlight);
          await later(5, null);
          inFlight--;
          return i;
        },
        async (answer) => void recorded.push(answer),
      );
    }
    await calls.flush(manager);
    expect(recorded).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    // Flushed: the chunk's before-commit hook finds nothing left to do.
    await calls.flush(manager);
    expect(recorded).toHaveLength(6);
  });
});
