import type { EntityManager } from 'typeorm';
import { SagaInput, SagaState, timeoutOf } from './engine';

/**
 * Loading and saving saga instances with the caller's EntityManager: the handler's transaction (the one
 * that records the event in the inbox and stages the saga's commands in the outbox) also saves the
 * saga, so a saga step and its effects commit together or not at all.
 */

export interface StoredSaga<D> {
  state: SagaState<D>;
  /** The version read; pass it to `saveSaga` so a concurrent writer is detected. */
  version: number;
}

/** Another writer saved the saga since it was read (or created it first): reload and advance again. */
export class SagaConcurrencyError extends Error {
  override name = 'SagaConcurrencyError';
}

/**
 * Reads a saga instance. With `lock` (the default) the row stays locked until the transaction ends, so
 * two replies of one saga handled at once serialise instead of one losing at save time.
 */
export async function loadSaga<D>(manager: EntityManager, sagaId: string, { lock = true }: { lock?: boolean } = {}): Promise<StoredSaga<D> | null> {
  const rows: Array<{ state: SagaState<D>; version: number }> = await manager.query(
    `SELECT state, version FROM saga_instance WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [sagaId],
  );
  return rows[0] ? { state: rows[0].state, version: rows[0].version } : null;
}

/**
 * The `saga_instance` columns a saga is saved with, in this order: id, saga_name, saga_version,
 * status, current_step, state (JSON text), next_deadline. For a caller that inserts a new saga in
 * one statement with rows of its own (the order intake); everyone else uses `saveSaga`.
 */
export const SAGA_COLUMNS = ['id', 'saga_name', 'saga_version', 'status', 'current_step', 'state', 'next_deadline'] as const;

export function sagaColumnValues<D>(state: SagaState<D>): unknown[] {
  return [state.sagaId, state.saga.name, state.saga.version, state.status, state.step, JSON.stringify(state), state.deadline?.at ?? null];
}

/**
 * Saves a saga: inserts it when `expectedVersion` is null, otherwise updates it only if it still has
 * that version. Returns the new version; throws SagaConcurrencyError when someone else wrote first.
 */
export async function saveSaga<D>(manager: EntityManager, state: SagaState<D>, expectedVersion: number | null): Promise<number> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new SagaConcurrencyError(
      'saveSaga needs the EntityManager of an open transaction (the one that also writes the inbox and the outbox); ' +
        'saving outside it would let the saga move on while its commands are never sent',
    );
  }
  const columns = sagaColumnValues(state);
  // A CTE so that the driver returns the rows of INSERT and UPDATE alike.
  const rows: Array<{ version: number }> =
    expectedVersion === null
      ? await manager.query(
          `WITH inserted AS (
             INSERT INTO saga_instance (id, saga_name, saga_version, status, current_step, state, next_deadline)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
             ON CONFLICT (id) DO NOTHING
             RETURNING version)
           SELECT version FROM inserted`,
          columns,
        )
      : await manager.query(
          `WITH updated AS (
             UPDATE saga_instance
                SET saga_name = $2, saga_version = $3, status = $4, current_step = $5, state = $6::jsonb,
                    next_deadline = $7, version = version + 1, updated_at = now()
              WHERE id = $1 AND version = $8
             RETURNING version)
           SELECT version FROM updated`,
          [...columns, expectedVersion],
        );
  if (rows.length === 0) {
    throw new SagaConcurrencyError(
      expectedVersion === null
        ? `saga ${state.sagaId} already exists: it was started by another delivery`
        : `saga ${state.sagaId} is no longer at version ${expectedVersion}: another writer saved it first`,
    );
  }
  return rows[0].version;
}

/**
 * Sagas whose deadline has passed at `now`, locked for this transaction and skipped by any other
 * sweeper (the relay's SKIP LOCKED idiom): several service instances sweep at once without firing one
 * timeout twice. Each comes with the timeout input to advance it with; save it in the same transaction.
 */
export async function dueTimeouts<D>(
  manager: EntityManager,
  limit: number,
  now: Date = new Date(),
): Promise<Array<StoredSaga<D> & { input: SagaInput }>> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new SagaConcurrencyError('dueTimeouts needs the EntityManager of an open transaction: its row locks last only as long as one');
  }
  const rows: Array<{ state: SagaState<D>; version: number }> = await manager.query(
    `SELECT state, version FROM saga_instance
      WHERE next_deadline <= $1
      ORDER BY next_deadline
      LIMIT $2
      FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map((row) => ({ state: row.state, version: row.version, input: timeoutOf(row.state, now.toISOString()) }));
}
