import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { DataSource } from 'typeorm';
import { advance, newSaga, SagaState } from './engine';
import { sagaMigrations } from './migrations';
import { dueTimeouts, loadSaga, saveSaga, SagaConcurrencyError } from './store';
import { at, checkoutSaga, CheckoutData } from './test/checkout-saga';

jest.setTimeout(60_000);

/** A checkout started at `startedAt` seconds, waiting for its stock reservation (deadline 30 s later). */
const startedCheckout = (sagaId: string, startedAt = 0): SagaState<CheckoutData> =>
  advance(checkoutSaga, newSaga(checkoutSaga, sagaId, { orderId: sagaId }), { kind: 'start', at: at(startedAt) }).state;

describe('saga store on PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('saga_store');
    dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: sagaMigrations, synchronize: false, extra: { max: 10 } });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });
  afterAll(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await database?.drop();
  });

  it('a saved saga loads back with the same state, and its columns mirror it for queries', async () => {
    const state = startedCheckout('store-1');
    const version = await dataSource.transaction((manager) => saveSaga(manager, state, null));
    expect(version).toBe(1);
    const loaded = await dataSource.transaction((manager) => loadSaga<CheckoutData>(manager, 'store-1'));
    expect(loaded).toEqual({ state, version: 1 });
    const [row] = await dataSource.query(`SELECT saga_name, saga_version, status, current_step, next_deadline FROM saga_instance WHERE id = 'store-1'`);
    expect(row).toEqual({ saga_name: 'checkout', saga_version: 1, status: 'running', current_step: 'reserveStock', next_deadline: new Date(at(30)) });
    expect(await dataSource.transaction((manager) => loadSaga(manager, 'no-such-saga'))).toBeNull();
  });

  it('a saga advanced and saved with the version it read gets the next version', async () => {
    const state = startedCheckout('store-2');
    await dataSource.transaction((manager) => saveSaga(manager, state, null));
    const version = await dataSource.transaction(async (manager) => {
      const stored = (await loadSaga<CheckoutData>(manager, 'store-2'))!;
      const next = advance(checkoutSaga, stored.state, { kind: 'reply', reply: { type: 'StockReserved', payload: { reservationId: 'r' } }, at: at(1) });
      return saveSaga(manager, next.state, stored.version);
    });
    expect(version).toBe(2);
    const [row] = await dataSource.query(`SELECT current_step, version FROM saga_instance WHERE id = 'store-2'`);
    expect(row).toEqual({ current_step: 'authorisePayment', version: 2 });
  });

  it('refuses a save based on a version another writer already replaced, and a second start of the same saga', async () => {
    const state = startedCheckout('store-3');
    await dataSource.transaction((manager) => saveSaga(manager, state, null));
    const read = async () => dataSource.transaction((manager) => loadSaga<CheckoutData>(manager, 'store-3', { lock: false }));
    const [first, second] = [await read(), await read()];
    const reserved = advance(checkoutSaga, first!.state, { kind: 'reply', reply: { type: 'StockReserved', payload: { reservationId: 'r' } }, at: at(1) }).state;
    const rejected = advance(checkoutSaga, second!.state, { kind: 'reply', reply: { type: 'ReservationRejected', payload: {} }, at: at(1) }).state;
    await dataSource.transaction((manager) => saveSaga(manager, reserved, first!.version));
    await expect(dataSource.transaction((manager) => saveSaga(manager, rejected, second!.version))).rejects.toThrow(SagaConcurrencyError);
    // The winner's state stands.
    const stored = await dataSource.transaction((manager) => loadSaga<CheckoutData>(manager, 'store-3'));
    expect(stored).toEqual({ state: reserved, version: 2 });
    await expect(dataSource.transaction((manager) => saveSaga(manager, startedCheckout('store-3'), null))).rejects.toThrow(/already exists/);
  });

  it('refuses to save outside a transaction (the saga would move on without its commands)', async () => {
    await expect(saveSaga(dataSource.manager, startedCheckout('store-4'), null)).rejects.toThrow(/open transaction/);
    expect(await dataSource.query(`SELECT 1 FROM saga_instance WHERE id = 'store-4'`)).toEqual([]);
  });

  describe('sweepers', () => {
    const now = new Date(at(40));
    let due: string[];

    beforeAll(async () => {
      await dataSource.query(`DELETE FROM saga_instance`);
      due = Array.from({ length: 24 }, (_, i) => `due-${i}`);
      await dataSource.transaction(async (manager) => {
        for (const id of due) await saveSaga(manager, startedCheckout(id, 0), null);
        // Started later: its deadline (130 s) has not passed at 40 s.
        await saveSaga(manager, startedCheckout('not-yet-due', 100), null);
      });
    });

    it('two sweepers holding their batches at once never take the same due saga, and neither takes one not yet due', async () => {
      const first = dataSource.createQueryRunner();
      const second = dataSource.createQueryRunner();
      await first.connect();
      await second.connect();
      try {
        await first.startTransaction();
        await second.startTransaction();
        const a = await dueTimeouts<CheckoutData>(first.manager, 10, now);
        const b = await dueTimeouts<CheckoutData>(second.manager, 100, now);
        const ids = (batch: typeof a) => batch.map((entry) => entry.state.sagaId);
        expect(a).toHaveLength(10);
        expect(ids(b).filter((id) => ids(a).includes(id))).toEqual([]);
        expect([...ids(a), ...ids(b)].sort()).toEqual([...due].sort());
        expect(a[0].input).toEqual({ kind: 'timeout', deadline: a[0].state.deadline, at: now.toISOString() });
      } finally {
        await first.rollbackTransaction();
        await second.rollbackTransaction();
        await first.release();
        await second.release();
      }
    });

    it('sweepers racing fire each due timeout exactly once', async () => {
      const fired: string[] = [];
      const sweep = async () => {
        for (;;) {
          const taken = await dataSource.transaction(async (manager) => {
            const batch = await dueTimeouts<CheckoutData>(manager, 3, now);
            for (const { state, version, input } of batch) {
              const result = advance(checkoutSaga, state, input);
              await saveSaga(manager, result.state, version);
              fired.push(state.sagaId);
            }
            return batch.length;
          });
          if (taken === 0) return;
        }
      };
      await Promise.all([sweep(), sweep(), sweep()]);
      expect([...fired].sort()).toEqual([...due].sort());
      // Each fired timeout moved its saga on (the timed-out reservation is being released, with a new deadline).
      const rows = await dataSource.query(`SELECT id, status, next_deadline FROM saga_instance WHERE id LIKE 'due-%'`);
      expect(rows.every((row: { status: string; next_deadline: Date }) => row.status === 'compensating' && row.next_deadline > now)).toBe(true);
      const [late] = await dataSource.query(`SELECT status, version FROM saga_instance WHERE id = 'not-yet-due'`);
      expect(late).toEqual({ status: 'running', version: 1 });
    });
  });
});
