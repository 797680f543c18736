/**
 * The declared shape of a saga: steps that each name their action, the replies they wait for, their
 * compensation and their timeout, listed in order with a pivot. Everything here is data or pure
 * functions of the saga's data; the engine (`engine.ts`) decides, the caller performs.
 */

/** What a step asks the caller to do: send a command (through the outbox) or make a local change (in the same transaction). */
export interface Instruction {
  kind: 'send' | 'change';
  /** Command type for `send` (e.g. `omnibus.inventory.ReserveStock`), name of the local change for `change`. */
  name: string;
  payload?: unknown;
  /**
   * Distinguishes several instructions of one step and attempt (e.g. a capture per shipment); part of the
   * derived id, so it must be stable for the same business fact (the shipment id, not a counter of deliveries).
   */
  key?: string;
}

/** A command to send: the caller stages it in the outbox with `id` as its command id / event id. */
export function send(name: string, payload?: unknown, options: { key?: string } = {}): Instruction {
  return { kind: 'send', name, payload, ...(options.key !== undefined ? { key: options.key } : {}) };
}

/** A change of the service's own data, applied by the caller in the saga's transaction. */
export function change(name: string, payload?: unknown, options: { key?: string } = {}): Instruction {
  return { kind: 'change', name, payload, ...(options.key !== undefined ? { key: options.key } : {}) };
}

/** A reply the saga receives, routed to its instance by the caller (by saga id / aggregate key). */
export interface SagaReply {
  type: string;
  payload: unknown;
  /** The event's own id: a second delivery of the same event is recognised and ignored. */
  eventId?: string;
  /** The command it answers, when the participant echoes it: a reply to another attempt is stale. */
  commandId?: string;
}

/** What a reply (or a timeout) means for the step. */
export type StepOutcome<D> =
  | { outcome: 'done'; data?: D; emit?: Instruction[] }
  | { outcome: 'waiting'; data?: D; emit?: Instruction[]; rearm?: boolean; detail?: string }
  | { outcome: 'failed'; reason: string; detail?: string; data?: D; undo?: boolean }
  | { outcome: 'resend'; data?: D };

/** The step finished; the saga moves on. `emit` are extra instructions (ids keyed by their `key`). */
export const done = <D>(data?: D, emit?: Instruction[]): StepOutcome<D> => ({ outcome: 'done', data, emit });
/**
 * The step goes on waiting for more replies (a partial shipment), optionally emitting instructions.
 * `rearm` sets the step's deadline again from now (its `timeoutMs`, asked again: the data may have
 * changed what it waits for, e.g. a customer's answer due sooner); `detail` says on the timeline what changed.
 */
export const waiting = <D>(data?: D, emit?: Instruction[], options: { rearm?: boolean; detail?: string } = {}): StepOutcome<D> => ({
  outcome: 'waiting',
  data,
  emit,
  ...(options.rearm ? { rearm: true } : {}),
  ...(options.detail !== undefined ? { detail: options.detail } : {}),
});
/**
 * The step failed: before the pivot the saga compensates, after it the failure goes to review. With
 * `undo` the failed step's own compensation runs too: what its action did stands (e.g. an open
 * payment link that must be expired), though the answer is "no".
 */
export const failed = <D>(reason: string, detail?: string, data?: D, options: { undo?: boolean } = {}): StepOutcome<D> => ({
  outcome: 'failed',
  reason,
  detail,
  data,
  ...(options.undo ? { undo: true } : {}),
});
/** Send the same command again with the same id (the participant deduplicates it); for timeouts. */
export const resend = <D>(data?: D): StepOutcome<D> => ({ outcome: 'resend', data });

/** What a handler knows besides the saga's data. */
export interface StepContext {
  sagaId: string;
  step: string;
  /** 1 for the first try; an operator's retry after a failure starts the next attempt (and new ids). */
  attempt: number;
  /** How many times this attempt's deadline has passed. */
  timeouts: number;
  /** ISO time of the input being handled. */
  at: string;
}

export type ReplyHandler<D> =
  | ((reply: SagaReply, data: D, context: StepContext) => StepOutcome<D>)
  | {
      /** Correlation beyond the command id, e.g. "a shipment of this order's sale order". */
      matches?: (reply: SagaReply, data: D, context: StepContext) => boolean;
      handle: (reply: SagaReply, data: D, context: StepContext) => StepOutcome<D>;
    };

/** Replies a step waits for, by event type. A step without replies completes as soon as its action is emitted. */
export type Replies<D> = Record<string, ReplyHandler<D>>;

/** A compensation that cannot be carried out (e.g. the money was already captured): it goes to review. */
export interface CannotCompensate {
  kind: 'cannot-compensate';
  reason: string;
  detail?: string;
}
export const cannotCompensate = (reason: string, detail?: string): CannotCompensate => ({ kind: 'cannot-compensate', reason, detail });

export interface Compensation<D> {
  /** The undo, built from what the action recorded in the data; `null` when there is nothing to undo. */
  run: (data: D, context: StepContext) => Instruction | CannotCompensate | null;
  /** Replies confirming (done) or refusing (failed -> review) the undo; none means done once emitted. */
  on?: Replies<D>;
  timeoutMs?: number;
  /** How often a timed-out compensation is sent again (same id) before it goes to review. Default 2. */
  resends?: number;
}

export interface SagaStep<D> {
  name: string;
  /** Skips the step for this saga (e.g. marketplace orders arrive already paid). */
  skipIf?: (data: D) => boolean;
  action: (data: D, context: StepContext) => Instruction;
  on?: Replies<D>;
  /**
   * How long the step waits for a reply; the sweeper feeds the timeout in as an input. A function
   * decides it from the data and context each time a deadline is set (`context.timeouts` says how
   * many have passed), e.g. a payment link waits until it lapses, its status query a short while.
   */
  timeoutMs?: number | ((data: D, context: StepContext) => number);
  /** Decides what a timeout means; by default: resend `resends` times, then fail with STEP_TIMED_OUT. */
  onTimeout?: (data: D, context: StepContext) => StepOutcome<D>;
  resends?: number;
  compensation?: Compensation<D>;
}

/** Declares a step (one per file in a service, named for what it does). */
export function sagaStep<D>(name: string, step: Omit<SagaStep<D>, 'name'>): SagaStep<D> {
  return { name, ...step };
}

export interface SagaDefinition<D> {
  name: string;
  /** Bump when steps change shape: a stored instance is only advanced by the definition it started with. */
  version: number;
  steps: ReadonlyArray<SagaStep<D>>;
  /** The step after whose success failures are no longer undone but reviewed. */
  pivot: string;
  /** How long an operator has for a review item. Default 4 hours. */
  reviewSlaMs?: number;
}

export class SagaDefinitionError extends Error {
  override name = 'SagaDefinitionError';
}

/**
 * Checks the definition once, at start-up: unique step names, a pivot among them, and no compensation
 * after the pivot (nothing after it is ever undone, so a declared undo there would be a lie).
 */
export function defineSaga<D>(definition: SagaDefinition<D>): SagaDefinition<D> {
  const names = definition.steps.map((step) => step.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new SagaDefinitionError(`saga ${definition.name}: step ${duplicate} is declared twice`);
  const pivot = names.indexOf(definition.pivot);
  if (pivot < 0) throw new SagaDefinitionError(`saga ${definition.name}: pivot ${definition.pivot} is not one of its steps (${names.join(', ')})`);
  for (const step of definition.steps.slice(pivot + 1)) {
    if (step.compensation) {
      throw new SagaDefinitionError(`saga ${definition.name}: step ${step.name} comes after the pivot ${definition.pivot} and cannot declare a compensation`);
    }
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new SagaDefinitionError(`saga ${definition.name}: version must be a positive integer`);
  }
  return definition;
}
