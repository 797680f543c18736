import { v5 as uuidv5 } from 'uuid';

/** Fixed namespace of saga-derived ids (a random UUID chosen once; changing it would change every id). */
const SAGA_ID_NAMESPACE = '5b0f6c1e-8d2a-4f7e-9a36-3c1d2e4b7f10';

/**
 * The id of a command (or local change, or review item) a saga emits, derived from where it comes from
 * rather than drawn at random: re-running the same input on the same state after a crash emits the same
 * ids, so participants that deduplicate by command id (the inbox, Odoo's external ids, a gateway's
 * idempotency key) do the work once. A UUID (v5) because event ids and inbox keys are UUIDs.
 */
export function sagaCommandId(parts: {
  saga: string;
  sagaId: string;
  step: string;
  phase: string;
  attempt: number;
  key?: string;
}): string {
  return uuidv5([parts.saga, parts.sagaId, parts.step, parts.phase, parts.attempt, parts.key ?? ''].join('\u001f'), SAGA_ID_NAMESPACE);
}
