import { v5 as uuidv5 } from 'uuid';

// Fixed forever: changing it would give a redelivered command's result a new id that inboxes let through.
const RESULT_ID_NAMESPACE = '6f1d3c2a-8b4e-5a7f-9c0d-2e3f4a5b6c7d';

export type CommandResultOutcome = 'succeeded' | 'failed';

/**
 * The `ce_id` of a command's result: a UUIDv5 of the command's event id and the outcome, so that a
 * redelivered or re-driven command that ends the same way republishes the same event, which the
 * consumers' inboxes drop. A re-driven command that now succeeds gets another id than its failure.
 */
export function resultEventId(commandEventId: string, outcome: CommandResultOutcome): string {
  return uuidv5(`${commandEventId.toLowerCase()}:${outcome}`, RESULT_ID_NAMESPACE);
}

/** The `ce_id` of part `part` of a snapshot answering a ReadStockSnapshot (0 = the failure answer), stable across redeliveries. */
export function snapshotPartEventId(commandEventId: string, part: number): string {
  return uuidv5(`${commandEventId.toLowerCase()}:snapshot-part-${part}`, RESULT_ID_NAMESPACE);
}
