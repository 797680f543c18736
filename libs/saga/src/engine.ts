import {
  CannotCompensate,
  Instruction,
  Replies,
  SagaDefinition,
  SagaReply,
  SagaStep,
  StepContext,
  StepOutcome,
} from './definition';
import { sagaCommandId } from './ids';

/**
 * The saga engine: `advance(definition, state, input)` returns the next state and what the caller must
 * do (instructions to perform, the deadline to store, review items to open). No I/O and no clock: the
 * input carries its time, so the same state and input always give the same result — which is what makes
 * a re-delivery after a crash harmless and the whole journey unit-testable.
 *
 * The state is plain JSON (ISO strings, no Dates or class instances): stored as a row, read back after a
 * restart, it behaves exactly as before.
 */

export type SagaStatus = 'not_started' | 'running' | 'compensating' | 'in_review' | 'completed' | 'compensated';
export type SagaPhase = 'action' | 'compensation';
export type OperatorAction = 'retry' | 'cancel' | 'accept';

/** When the step being awaited times out; the sweeper feeds it back as a `timeout` input. */
export interface SagaDeadline {
  step: string;
  phase: SagaPhase;
  attempt: number;
  at: string;
}

/** Something the saga cannot settle on its own: an operator decides, within the SLA. */
export interface ReviewItem {
  id: string;
  sagaId: string;
  saga: string;
  step: string;
  phase: SagaPhase;
  reason: string;
  detail?: string;
  openedAt: string;
  dueBy: string;
  allowedActions: OperatorAction[];
  /**
   * What `retry` does: `same-command` sends the same command again with the same id (its outcome is
   * unknown, e.g. it timed out: the participant deduplicates it, and a late reply still counts);
   * `new-attempt` starts a new attempt with new ids (the participant said no, and would only repeat
   * its answer to the same id). Items stored before this field existed retry as `new-attempt`.
   */
  retry?: 'same-command' | 'new-attempt';
}

export interface SagaState<D> {
  sagaId: string;
  saga: { name: string; version: number };
  status: SagaStatus;
  /** The step being run (phase `action`) or undone (phase `compensation`); null before the start and once finished. */
  step: string | null;
  phase: SagaPhase;
  attempt: number;
  /** Deadlines of this attempt that have passed. */
  timeouts: number;
  /** True while the step's instruction is out and its reply not yet in (its outcome is unknown). */
  awaiting: boolean;
  /** Steps that succeeded, in order (skipped steps are not in it). */
  completed: string[];
  /** Compensations still to run, the one in progress first. */
  toCompensate: string[];
  /** Ids of the instructions of the current step attempt: replies echoing another id are stale. */
  commandIds: string[];
  /** Event ids already handled for the current step attempt: a second delivery is a duplicate. */
  seenReplies: string[];
  deadline: SagaDeadline | null;
  review: ReviewItem | null;
  /** Why the saga left the happy path (the failed step and its reason), for the timeline and the review. */
  failure: { step: string; reason: string; detail?: string } | null;
  /** How many review items this saga has opened, so each gets its own id (absent in states saved before it existed). */
  reviews?: number;
  /** When the current step attempt (or compensation) began: for the time a journey spends in each step. */
  stepStartedAt?: string;
  data: D;
}

export type SagaInput =
  | { kind: 'start'; at: string }
  | { kind: 'reply'; reply: SagaReply; at: string }
  | { kind: 'timeout'; deadline: SagaDeadline; at: string }
  /**
   * A cancellation requested from outside (e.g. by the customer). After the pivot it goes to review,
   * unless the owner has checked that undoing is still right (nothing shipped yet): `undoAfterPivot`.
   */
  | { kind: 'cancel'; reason: string; detail?: string; undoAfterPivot?: boolean; at: string }
  /** An operator's decision on the open review item. */
  | { kind: 'resolve'; reviewId: string; action: OperatorAction; by: string; note?: string; at: string };

/** An instruction to perform, with the id derived from saga, step, phase, attempt and key. */
export interface SagaEffect extends Instruction {
  id: string;
  sagaId: string;
  step: string;
  phase: SagaPhase;
  attempt: number;
}

export interface TimelineEntry {
  at: string;
  step: string | null;
  phase: SagaPhase;
  what:
    | 'started'
    | 'skipped'
    | 'completed'
    | 'waiting'
    | 'failed'
    | 'timed-out'
    | 'resent'
    | 'compensating'
    | 'compensated'
    | 'review-opened'
    | 'review-resolved'
    | 'finished';
  detail?: string;
}

export interface SagaResult<D> {
  state: SagaState<D>;
  /** In the order the caller performs them, in the same transaction as saving the state. */
  effects: SagaEffect[];
  /** The deadline to store (`set`) or drop (`cleared`); the state's own `deadline` is the truth. */
  deadline: { set?: SagaDeadline; cleared?: SagaDeadline };
  /** Review items opened by this input. */
  review: ReviewItem[];
  timeline: TimelineEntry[];
  /** Set when the input changed nothing, with why (a duplicate delivery, a reply nobody awaits, …). */
  ignored?: { reason: 'duplicate' | 'stale' | 'finished' | 'not-allowed'; detail: string };
}

export class SagaStateError extends Error {
  override name = 'SagaStateError';
}

const DEFAULT_REVIEW_SLA_MS = 4 * 60 * 60 * 1000;
const DEFAULT_COMPENSATION_RESENDS = 2;
const FINISHED: SagaStatus[] = ['completed', 'compensated'];

/** A saga that has not started yet; `advance(…, { kind: 'start' })` runs its first step. */
export function newSaga<D>(definition: SagaDefinition<D>, sagaId: string, data: D): SagaState<D> {
  return {
    sagaId,
    saga: { name: definition.name, version: definition.version },
    status: 'not_started',
    step: null,
    phase: 'action',
    attempt: 0,
    timeouts: 0,
    awaiting: false,
    completed: [],
    toCompensate: [],
    commandIds: [],
    seenReplies: [],
    deadline: null,
    review: null,
    failure: null,
    reviews: 0,
    data,
  };
}

/** The timeout input for a stored state's deadline, as the sweeper builds it. */
export function timeoutOf<D>(state: SagaState<D>, at: string): SagaInput {
  if (!state.deadline) throw new SagaStateError(`saga ${state.sagaId} has no deadline to time out`);
  return { kind: 'timeout', deadline: state.deadline, at };
}

export function advance<D>(definition: SagaDefinition<D>, state: SagaState<D>, input: SagaInput): SagaResult<D> {
  if (state.saga.name !== definition.name || state.saga.version !== definition.version) {
    throw new SagaStateError(
      `saga ${state.sagaId} was started by ${state.saga.name} v${state.saga.version} and cannot be advanced by ${definition.name} v${definition.version}: keep the old definition for instances in flight`,
    );
  }
  if (typeof input.at !== 'string' || Number.isNaN(Date.parse(input.at))) {
    throw new SagaStateError(`input ${input.kind} of saga ${state.sagaId} needs its time as an ISO string in 'at', got ${JSON.stringify(input.at)}`);
  }
  return new Run(definition, structuredClone(state), input.at).handle(input);
}

/** One `advance` call: a working copy of the state plus what it produces. */
class Run<D> {
  private readonly effects: SagaEffect[] = [];
  private readonly review: ReviewItem[] = [];
  private readonly timeline: TimelineEntry[] = [];
  private readonly deadlineBefore: SagaDeadline | null;

  constructor(
    private readonly definition: SagaDefinition<D>,
    private readonly state: SagaState<D>,
    private readonly at: string,
  ) {
    this.deadlineBefore = state.deadline;
  }

  handle(input: SagaInput): SagaResult<D> {
    switch (input.kind) {
      case 'start':
        if (this.state.status !== 'not_started') return this.ignore('duplicate', `saga ${this.state.sagaId} has already started`);
        this.state.status = 'running';
        this.enterStep(0, 1);
        break;
      case 'reply':
        return this.onReply(input.reply);
      case 'timeout':
        return this.onTimeout(input.deadline);
      case 'cancel':
        return this.onCancel(input.reason, input.detail, input.undoAfterPivot ?? false);
      case 'resolve':
        return this.onResolve(input.reviewId, input.action, input.by, input.note);
    }
    return this.result();
  }

  // ---- inputs

  private onReply(reply: SagaReply): SagaResult<D> {
    const state = this.state;
    if (FINISHED.includes(state.status)) return this.ignore('finished', `saga ${state.sagaId} is ${state.status}; ${reply.type} changes nothing`);
    if (!state.awaiting || !state.step) {
      return this.ignore('stale', `saga ${state.sagaId} is ${state.status} and awaits no reply; ${reply.type} changes nothing`);
    }
    const step = this.currentStep();
    const replies = state.phase === 'action' ? step.on : step.compensation?.on;
    const handler = replies?.[reply.type];
    if (!handler) return this.ignore('stale', `${state.phase} of step ${step.name} does not wait for ${reply.type}`);
    if (reply.eventId !== undefined && state.seenReplies.includes(reply.eventId)) {
      return this.ignore('duplicate', `${reply.type} ${reply.eventId} was already handled by step ${step.name}`);
    }
    if (reply.commandId !== undefined && !state.commandIds.includes(reply.commandId)) {
      return this.ignore('stale', `${reply.type} answers command ${reply.commandId}, not one of attempt ${state.attempt} of step ${step.name}`);
    }
    const { matches, handle } = typeof handler === 'function' ? { matches: undefined, handle: handler } : handler;
    if (matches && !matches(reply, state.data, this.context())) {
      return this.ignore('stale', `${reply.type} does not belong to step ${step.name} of saga ${state.sagaId}`);
    }
    if (reply.eventId !== undefined) state.seenReplies.push(reply.eventId);
    const outcome = handle(reply, state.data, this.context());
    if (state.phase === 'action') this.applyActionOutcome(step, outcome, { fromTimeout: false, detail: reply.type });
    else this.applyCompensationOutcome(step, outcome, reply.type);
    return this.result();
  }

  private onTimeout(deadline: SagaDeadline): SagaResult<D> {
    const state = this.state;
    if (FINISHED.includes(state.status)) return this.ignore('finished', `saga ${state.sagaId} is ${state.status}; the timeout changes nothing`);
    const current = state.deadline;
    if (!current || current.step !== deadline.step || current.phase !== deadline.phase || current.attempt !== deadline.attempt || current.at !== deadline.at) {
      return this.ignore('stale', `the deadline of ${deadline.phase} of step ${deadline.step} (attempt ${deadline.attempt}, ${deadline.at}) is no longer set`);
    }
    if (Date.parse(this.at) < Date.parse(current.at)) {
      return this.ignore('stale', `the deadline of step ${current.step} is ${current.at}, not due at ${this.at}`);
    }
    const step = this.currentStep();
    state.timeouts += 1;
    this.note(step.name, 'timed-out', `timeout ${state.timeouts} of attempt ${state.attempt}`);
    if (state.phase === 'action') {
      const outcome = step.onTimeout
        ? step.onTimeout(state.data, this.context())
        : state.timeouts <= (step.resends ?? 0)
          ? { outcome: 'resend' as const }
          : { outcome: 'failed' as const, reason: 'STEP_TIMED_OUT', detail: `no reply to ${step.name} within ${this.stepTimeout(step)} ms` };
      this.applyActionOutcome(step, outcome, { fromTimeout: true, detail: 'timeout' });
    } else {
      const resends = step.compensation?.resends ?? DEFAULT_COMPENSATION_RESENDS;
      if (state.timeouts <= resends) this.applyCompensationOutcome(step, { outcome: 'resend' }, 'timeout', true);
      else this.openReview(step.name, 'COMPENSATION_FAILED', `no confirmation of the compensation of ${step.name} after ${state.timeouts} timeouts`, ['retry', 'accept'], 'same-command');
    }
    return this.result();
  }

  private onCancel(reason: string, detail: string | undefined, undoAfterPivot: boolean): SagaResult<D> {
    const state = this.state;
    if (FINISHED.includes(state.status)) return this.ignore('finished', `saga ${state.sagaId} is ${state.status}; cancellation changes nothing`);
    if (state.status !== 'running') return this.ignore('stale', `saga ${state.sagaId} is ${state.status}; cancellation changes nothing now`);
    const step = this.currentStep();
    this.note(step.name, 'failed', `cancelled: ${reason}`);
    if (undoAfterPivot && state.completed.includes(this.definition.pivot)) {
      // As an operator's cancel would: every completed step that can be undone, newest first.
      state.failure = { step: step.name, reason, detail };
      const undo = state.completed.slice().reverse();
      if (state.awaiting) undo.unshift(step.name);
      this.compensate(undo);
      return this.result();
    }
    this.fail(step, reason, detail, state.awaiting);
    return this.result();
  }

  private onResolve(reviewId: string, action: OperatorAction, by: string, note?: string): SagaResult<D> {
    const state = this.state;
    const item = state.review;
    if (state.status !== 'in_review' || !item || item.id !== reviewId) {
      return this.ignore('stale', `review item ${reviewId} is not open on saga ${state.sagaId}`);
    }
    if (!item.allowedActions.includes(action)) {
      return this.ignore('not-allowed', `${action} is not allowed on review item ${reviewId} (allowed: ${item.allowedActions.join(', ')})`);
    }
    state.review = null;
    this.note(item.step, 'review-resolved', `${action} by ${by}${note ? `: ${note}` : ''}`);
    const step = this.stepNamed(item.step);
    const sameCommand = item.retry === 'same-command';
    if (item.phase === 'action') {
      if (action === 'retry') {
        state.status = 'running';
        if (sameCommand) this.resendStep(step);
        else this.enterStep(this.indexOf(step.name), state.attempt + 1);
      } else if (action === 'accept') {
        state.status = 'running';
        this.completeStep(step, 'accepted by operator');
      } else {
        state.failure = { step: step.name, reason: 'CANCELLED_BY_OPERATOR', detail: note };
        this.compensate(state.completed.slice().reverse());
      }
    } else if (action === 'retry') {
      state.status = 'compensating';
      this.runCompensation(state.attempt + 1, { resend: sameCommand });
    } else {
      state.status = 'compensating';
      this.compensationDone(step, 'undone by hand, accepted by operator');
    }
    return this.result();
  }

  // ---- the action side

  /** Runs the step at `index` (or the next one not skipped); steps without replies complete at once. */
  private enterStep(index: number, attempt: number): void {
    const state = this.state;
    for (let i = index; i < this.definition.steps.length; i++) {
      const step = this.definition.steps[i];
      if (step.skipIf?.(state.data)) {
        this.note(step.name, 'skipped');
        attempt = 1;
        continue;
      }
      this.beginAttempt(step.name, 'action', attempt);
      this.note(step.name, 'started', attempt > 1 ? `attempt ${attempt}` : undefined);
      this.emit(step.action(state.data, this.context()));
      if (!hasReplies(step.on)) {
        this.markCompleted(step, undefined);
        attempt = 1;
        continue;
      }
      state.awaiting = true;
      this.setDeadline(this.stepTimeout(step));
      return;
    }
    state.status = 'completed';
    state.step = null;
    state.awaiting = false;
    this.setDeadline(undefined);
    this.note(null, 'finished', 'completed');
  }

  /** An operator's retry of a step whose outcome is unknown: the same command (same id), a fresh deadline. */
  private resendStep(step: SagaStep<D>): void {
    const state = this.state;
    state.timeouts = 0;
    state.awaiting = true;
    this.emit(step.action(state.data, this.context()));
    this.note(step.name, 'resent', `same command id, attempt ${state.attempt}, retried by operator`);
    this.setDeadline(this.stepTimeout(step));
  }

  private applyActionOutcome(step: SagaStep<D>, outcome: StepOutcome<D>, how: { fromTimeout: boolean; detail: string }): void {
    const state = this.state;
    if (outcome.data !== undefined) state.data = outcome.data;
    switch (outcome.outcome) {
      case 'done':
        for (const instruction of outcome.emit ?? []) this.emit(instruction);
        this.completeStep(step, how.detail);
        return;
      case 'waiting':
        for (const instruction of outcome.emit ?? []) this.emit(instruction);
        this.note(step.name, 'waiting', outcome.detail ?? how.detail);
        // After a timeout the old deadline is spent: waiting on needs a new one, or the step would wait forever.
        if (how.fromTimeout || outcome.rearm) this.setDeadline(this.stepTimeout(step));
        return;
      case 'resend':
        this.emit(step.action(state.data, this.context()));
        this.note(step.name, 'resent', `same command id, attempt ${state.attempt}`);
        this.setDeadline(this.stepTimeout(step));
        return;
      case 'failed':
        this.note(step.name, 'failed', `${outcome.reason}${outcome.detail ? `: ${outcome.detail}` : ''}`);
        // A timed-out step may have taken effect (the reply may just be late): undo it too.
        this.fail(step, outcome.reason, outcome.detail, how.fromTimeout || outcome.undo === true);
        return;
    }
  }

  private completeStep(step: SagaStep<D>, detail: string | undefined): void {
    this.markCompleted(step, detail);
    this.enterStep(this.indexOf(step.name) + 1, 1);
  }

  private markCompleted(step: SagaStep<D>, detail: string | undefined): void {
    this.state.completed.push(step.name);
    this.state.awaiting = false;
    this.note(step.name, 'completed', detail);
  }

  /**
   * Before (and at) the pivot a failure undoes what was done, newest first; once the pivot step has
   * succeeded nothing is undone automatically and an operator decides.
   */
  private fail(step: SagaStep<D>, reason: string, detail: string | undefined, mayHaveTakenEffect: boolean): void {
    const state = this.state;
    state.failure = { step: step.name, reason, detail };
    if (state.completed.includes(this.definition.pivot)) {
      this.openReview(step.name, reason, detail, ['retry', 'cancel', 'accept'], mayHaveTakenEffect ? 'same-command' : 'new-attempt');
      return;
    }
    const undo = state.completed.slice().reverse();
    if (mayHaveTakenEffect) undo.unshift(step.name);
    this.compensate(undo);
  }

  // ---- the compensation side

  private compensate(steps: string[]): void {
    const state = this.state;
    state.status = 'compensating';
    state.awaiting = false;
    state.toCompensate = steps.filter((name) => this.stepNamed(name).compensation);
    this.nextCompensation();
  }

  private nextCompensation(): void {
    const state = this.state;
    if (state.toCompensate.length === 0) {
      state.status = 'compensated';
      state.step = null;
      state.awaiting = false;
      this.setDeadline(undefined);
      this.note(null, 'finished', `compensated after ${state.failure?.step}: ${state.failure?.reason}`);
      return;
    }
    this.runCompensation(1);
  }

  /**
   * Runs the first compensation still to run as `attempt`; with `resend` (an operator's retry of an
   * unconfirmed undo) in the current attempt instead, so the undo keeps its command id.
   */
  private runCompensation(attempt: number, { resend = false } = {}): void {
    const state = this.state;
    const step = this.stepNamed(state.toCompensate[0]);
    if (resend) state.timeouts = 0;
    else this.beginAttempt(step.name, 'compensation', attempt);
    const compensation = step.compensation!;
    const undo = compensation.run(state.data, this.context());
    if (undo === null) {
      this.compensationDone(step, 'nothing to undo');
      return;
    }
    if (isCannotCompensate(undo)) {
      this.openReview(step.name, undo.reason, undo.detail, ['retry', 'accept'], 'new-attempt');
      return;
    }
    if (resend) this.note(step.name, 'resent', `same command id, attempt ${state.attempt}, retried by operator`);
    else this.note(step.name, 'compensating', attempt > 1 ? `attempt ${attempt}` : undefined);
    this.emit(undo);
    if (!hasReplies(compensation.on)) {
      this.compensationDone(step, undefined);
      return;
    }
    state.awaiting = true;
    this.setDeadline(compensation.timeoutMs);
  }

  private applyCompensationOutcome(step: SagaStep<D>, outcome: StepOutcome<D>, detail: string, fromTimeout = false): void {
    const state = this.state;
    if (outcome.data !== undefined) state.data = outcome.data;
    switch (outcome.outcome) {
      case 'done':
        for (const instruction of outcome.emit ?? []) this.emit(instruction);
        this.compensationDone(step, detail);
        return;
      case 'waiting':
        for (const instruction of outcome.emit ?? []) this.emit(instruction);
        this.note(step.name, 'waiting', detail);
        if (fromTimeout) this.setDeadline(step.compensation?.timeoutMs);
        return;
      case 'resend': {
        const undo = step.compensation!.run(state.data, this.context());
        if (undo && !isCannotCompensate(undo)) this.emit(undo);
        this.note(step.name, 'resent', `same command id, attempt ${state.attempt}`);
        this.setDeadline(step.compensation?.timeoutMs);
        return;
      }
      case 'failed':
        this.openReview(step.name, 'COMPENSATION_FAILED', `${outcome.reason}${outcome.detail ? `: ${outcome.detail}` : ''}`, ['retry', 'accept'], 'new-attempt');
        return;
    }
  }

  private compensationDone(step: SagaStep<D>, detail: string | undefined): void {
    const state = this.state;
    state.toCompensate.shift();
    state.awaiting = false;
    this.note(step.name, 'compensated', detail);
    this.nextCompensation();
  }

  // ---- review

  private openReview(stepName: string, reason: string, detail: string | undefined, allowedActions: OperatorAction[], retry: NonNullable<ReviewItem['retry']>): void {
    const state = this.state;
    state.status = 'in_review';
    state.awaiting = false;
    this.setDeadline(undefined);
    const sla = this.definition.reviewSlaMs ?? DEFAULT_REVIEW_SLA_MS;
    // The first item keeps the key it always had; a later one (after a retry in the same attempt) gets its own id.
    const opened = state.reviews ?? 0;
    state.reviews = opened + 1;
    const item: ReviewItem = {
      id: sagaCommandId({ saga: state.saga.name, sagaId: state.sagaId, step: stepName, phase: state.phase, attempt: state.attempt, key: opened === 0 ? 'review' : `review-${opened + 1}` }),
      sagaId: state.sagaId,
      saga: state.saga.name,
      step: stepName,
      phase: state.phase,
      reason,
      ...(detail !== undefined ? { detail } : {}),
      openedAt: this.at,
      dueBy: new Date(Date.parse(this.at) + sla).toISOString(),
      allowedActions,
      retry,
    };
    state.review = item;
    this.review.push(item);
    this.note(stepName, 'review-opened', `${reason}${detail ? `: ${detail}` : ''}`);
  }

  // ---- plumbing

  private beginAttempt(step: string, phase: SagaPhase, attempt: number): void {
    const state = this.state;
    state.step = step;
    state.phase = phase;
    state.attempt = attempt;
    state.timeouts = 0;
    state.commandIds = [];
    state.seenReplies = [];
    state.stepStartedAt = this.at;
  }

  private emit(instruction: Instruction): void {
    const state = this.state;
    const step = state.step!;
    const id = sagaCommandId({ saga: state.saga.name, sagaId: state.sagaId, step, phase: state.phase, attempt: state.attempt, key: instruction.key });
    if (!state.commandIds.includes(id)) state.commandIds.push(id);
    this.effects.push({ ...instruction, id, sagaId: state.sagaId, step, phase: state.phase, attempt: state.attempt });
  }

  private setDeadline(timeoutMs: number | undefined): void {
    const state = this.state;
    state.deadline =
      timeoutMs === undefined || !state.step
        ? null
        : { step: state.step, phase: state.phase, attempt: state.attempt, at: new Date(Date.parse(this.at) + timeoutMs).toISOString() };
  }

  /** The step's wait, fixed or decided from the data (e.g. a payment link waits until it lapses). */
  private stepTimeout(step: SagaStep<D>): number | undefined {
    return typeof step.timeoutMs === 'function' ? step.timeoutMs(this.state.data, this.context()) : step.timeoutMs;
  }

  private context(): StepContext {
    const state = this.state;
    return { sagaId: state.sagaId, step: state.step ?? '', attempt: state.attempt, timeouts: state.timeouts, at: this.at };
  }

  private note(step: string | null, what: TimelineEntry['what'], detail?: string): void {
    this.timeline.push({ at: this.at, step, phase: this.state.phase, what, ...(detail !== undefined ? { detail } : {}) });
  }

  private currentStep(): SagaStep<D> {
    if (!this.state.step) throw new SagaStateError(`saga ${this.state.sagaId} has no current step`);
    return this.stepNamed(this.state.step);
  }

  private stepNamed(name: string): SagaStep<D> {
    const step = this.definition.steps.find((candidate) => candidate.name === name);
    if (!step) throw new SagaStateError(`saga ${this.state.sagaId} refers to step ${name}, which ${this.definition.name} v${this.definition.version} does not have`);
    return step;
  }

  private indexOf(name: string): number {
    return this.definition.steps.findIndex((step) => step.name === name);
  }

  private ignore(reason: NonNullable<SagaResult<D>['ignored']>['reason'], detail: string): SagaResult<D> {
    return { state: this.state, effects: [], deadline: {}, review: [], timeline: [], ignored: { reason, detail } };
  }

  private result(): SagaResult<D> {
    const before = this.deadlineBefore;
    const after = this.state.deadline;
    const deadline: SagaResult<D>['deadline'] = {};
    if (!sameDeadline(before, after)) {
      if (after) deadline.set = after;
      if (before) deadline.cleared = before;
    }
    return { state: this.state, effects: this.effects, deadline, review: this.review, timeline: this.timeline };
  }
}

function hasReplies<D>(replies: Replies<D> | undefined): boolean {
  return replies !== undefined && Object.keys(replies).length > 0;
}

function isCannotCompensate(value: Instruction | CannotCompensate): value is CannotCompensate {
  return (value as CannotCompensate).kind === 'cannot-compensate';
}

function sameDeadline(a: SagaDeadline | null, b: SagaDeadline | null): boolean {
  if (!a || !b) return a === b;
  return a.step === b.step && a.phase === b.phase && a.attempt === b.attempt && a.at === b.at;
}
