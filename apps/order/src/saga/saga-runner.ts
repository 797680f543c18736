import { Inject, Injectable } from '@nestjs/common';
import { OrderCancelled, OrderFlaggedForReview, contractFor } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import { OutboxRecord, outboxRows } from '@omnibus/outbox';
import { advance, newSaga, SagaConcurrencyError, SagaInput, SagaResult, SagaState } from '@omnibus/saga';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { OrderConfig } from '../config';
import type { Order } from '../domain/order';
import { orderCancelled, orderFlaggedForReview, sagaCommand } from '../domain/order-messages';
import type { TimelineCause } from '../domain/order-view';
import { OrderSaga } from '../domain/saga/order-saga';
import type { OrderSagaData } from '../domain/saga/order-saga-data';
import { orderStatuses, OrderStatuses } from '../domain/saga/order-statuses';
import { orderMetrics, observeSubstitutions } from '../metrics';
import { insertPlacedOrder, loadOrderForSaga, loadSagaWithOrder, PlacedOrderRows, SagaOrder, saveSagaStep } from '../orders/order-store';
import { insertReviewItems } from '../review/review-store';
import { ORDER_SAGA } from '../tokens';

/** Stages events in the caller's transaction: the consumer's `context.emit` (caused by the event) or the outbox. */
export type Emit = (events: OutgoingEvent[]) => Promise<unknown>;

export type RunOutcome =
  | { outcome: 'advanced'; statuses: OrderStatuses }
  /** `kind` is the engine's reason (duplicate, stale, finished, not-allowed); `reason` says it in words. */
  | { outcome: 'ignored'; kind: IgnoredReason; reason: string }
  | { outcome: 'deferred' }
  | { outcome: 'unknown-order' };

type IgnoredReason = NonNullable<SagaResult<OrderSagaData>['ignored']>['reason'];

/** Local changes the saga names only to mark a step that waits for the outside world: nothing to do here. */
const WAITING_MARKERS = new Set(['awaitShipments', 'awaitDelivery']);

/** Steps that take shipment events, which can arrive before the saga is ready for them. */
const SHIPMENT_STEPS = new Set(['awaitShipments', 'awaitDelivery']);

/**
 * Runs the order saga on one input, inside the caller's transaction (the intake's, a delivery's with
 * its inbox record, or the sweeper's): lock the saga row (read with the order) → advance (pure) →
 * save it with the statuses, the history and the timeline with the cause (one statement) → stage
 * the commands in the outbox → write any review item opened. All of it commits
 * together or not at all, so a crash at any point replays the same input onto the same state, and the
 * derived command ids make the participants do the work once.
 */
@Injectable()
export class SagaRunner {
  constructor(
    @Inject(ORDER_SAGA) private readonly saga: OrderSaga,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** The saga of a new order, started before anything is written (the intake's answer shows its first step). */
  begin(order: Order, data: OrderSagaData): { result: SagaResult<OrderSagaData>; statuses: OrderStatuses } {
    const result = advance(this.saga, newSaga(this.saga, order.orderId, data), { kind: 'start', at: order.acceptedAt.toISOString() });
    return { result, statuses: orderStatuses(result.state) };
  }

  /**
   * Writes a new order with its started saga (from `begin`): its rows, `events` (the order's own) and
   * the saga's first commands in one statement (insertPlacedOrder), which is its own transaction.
   * False, with nothing written, when the idempotency key was already taken.
   */
  async insertStarted(
    manager: EntityManager,
    order: Order,
    started: ReturnType<SagaRunner['begin']>,
    claim: PlacedOrderRows['claim'],
    events: OutgoingEvent[],
    encode: (events: OutgoingEvent[]) => Promise<OutboxRecord[]>,
  ): Promise<boolean> {
    const { result, statuses } = started;
    // review_items are not part of that statement: a saga that asked for review at its start would lose it.
    if (result.review.length > 0) throw new Error(`the order saga opened a review item at its start (${result.review[0].reason})`);
    const records = await encode([...events, ...this.messagesOf(order, result)]);
    const claimed = await insertPlacedOrder(manager, {
      claim,
      order,
      statuses,
      saga: result.state,
      timeline: result.timeline,
      cause: { type: 'order accepted', eventId: null },
      outbox: outboxRows(records),
    });
    if (claimed) this.observe(result);
    return claimed;
  }

  /**
   * Advances the saga of `orderId` with a reply or a cancellation, in a delivery's transaction. With
   * `deferIfEarly`, an input the saga is not ready for yet (a carrier quicker than the warehouse
   * release's answer) is kept and offered again each time the saga reaches a step that takes it.
   */
  async handle(manager: EntityManager, orderId: string, input: SagaInput, cause: TimelineCause, emit: Emit, options: { deferIfEarly?: boolean } = {}): Promise<RunOutcome> {
    const loaded = await loadSagaWithOrder(manager, orderId);
    if (!loaded) return { outcome: 'unknown-order' };
    const stored = loaded.stored;
    const outcome = await this.advanceStored(manager, stored, input, cause, emit, { order: loaded.order });
    const early = outcome.outcome === 'ignored' && outcome.kind === 'stale' && (stored.state.status === 'running' || stored.state.status === 'not_started');
    if (options.deferIfEarly && early && cause.eventId) {
      await manager.query(`INSERT INTO saga_deferred_input (saga_id, event_id, input, cause_type) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [orderId, cause.eventId, input, cause.type]);
      this.logger.info({ orderId, cause }, 'saga input came before its step; kept until the saga is ready for it');
      return { outcome: 'deferred' };
    }
    return outcome;
  }

  /** Offers the inputs kept for a later step again, oldest first, until none of them moves the saga. */
  private async offerDeferred(manager: EntityManager, orderId: string, emit: Emit): Promise<void> {
    for (let moved = true; moved; ) {
      moved = false;
      const kept = (await manager.query(`SELECT seq, event_id, input, cause_type FROM saga_deferred_input WHERE saga_id = $1 ORDER BY seq`, [orderId])) as Array<{
        seq: string;
        event_id: string;
        input: SagaInput;
        cause_type: string;
      }>;
      for (const row of kept) {
        const loaded = (await loadSagaWithOrder(manager, orderId))!;
        const input = { ...row.input, at: new Date().toISOString() };
        const outcome = await this.advanceStored(manager, loaded.stored, input, { type: row.cause_type, eventId: row.event_id }, emit, { order: loaded.order, offerDeferred: false });
        if (outcome.outcome === 'advanced' || (outcome.outcome === 'ignored' && outcome.kind !== 'stale')) {
          await manager.query(`DELETE FROM saga_deferred_input WHERE seq = $1`, [row.seq]);
          moved = outcome.outcome === 'advanced';
          if (moved) break;
        }
      }
    }
  }

  /** Advances a saga already loaded and locked (the sweeper's due timeouts; a reply's, with its order read alongside). */
  async advanceStored(
    manager: EntityManager,
    stored: { state: SagaState<OrderSagaData>; version: number },
    input: SagaInput,
    cause: TimelineCause,
    emit: Emit,
    options: { order?: SagaOrder; offerDeferred?: boolean } = {},
  ): Promise<RunOutcome> {
    const orderId = stored.state.sagaId;
    const result = advance(this.saga, stored.state, input);
    if (result.ignored) {
      this.logger.info({ orderId, cause, ignored: result.ignored }, 'saga input changes nothing');
      return { outcome: 'ignored', kind: result.ignored.reason, reason: `${result.ignored.reason}: ${result.ignored.detail}` };
    }
    const current = options.order ?? (await loadOrderForSaga(manager, orderId));
    if (!current) throw new Error(`order ${orderId} has a saga but no order row`);
    const statuses = orderStatuses(result.state);
    const at = new Date(input.at);
    // The saga, the statuses, the history and the timeline in one statement (order-store.ts).
    const saved = await saveSagaStep(manager, {
      saga: result.state,
      sagaVersion: stored.version,
      current: { orderId, status: current.status, version: current.version },
      statuses,
      timeline: result.timeline,
      cause,
      at,
    });
    if (!saved) throw new SagaConcurrencyError(`saga ${orderId} is no longer at version ${stored.version}: another writer saved it first`);
    await this.perform(manager, current.order, result, emit, cause);
    if (statuses.status !== current.status) {
      orderMetrics.statusesReached.inc({ status: statuses.status, channel: current.order.channel.channelId });
      this.logger[statuses.status === 'flagged_for_review' ? 'warn' : 'info']({ orderId, detail: statuses.detail }, `order ${statuses.status}`);
      if (statuses.status === 'confirmed_in_odoo') orderMetrics.timeToOdoo.observe((at.getTime() - current.order.acceptedAt.getTime()) / 1000);
    }
    this.observe(result);
    this.observeStepTime(stored.state, result);
    observeSubstitutions(stored.state.data, result.state.data);
    const emptied = result.state.data.orderEmptied;
    if (emptied && !stored.state.data.orderEmptied && result.state.status === 'running') {
      // A substitution of the order's only line declined or unanswered: nothing is left to sell, so the
      // order is cancelled as a cancellation before shipment is (Odoo order cancelled, voided, released).
      const reloaded = (await loadSagaWithOrder(manager, orderId))!;
      return this.advanceStored(manager, reloaded.stored, { kind: 'cancel', reason: emptied.reason, detail: emptied.detail, undoAfterPivot: true, at: input.at }, cause, emit, { order: reloaded.order });
    }
    if (options.offerDeferred !== false && result.state.step && SHIPMENT_STEPS.has(result.state.step) && result.state.step !== stored.state.step) {
      await this.offerDeferred(manager, orderId, emit);
      return { outcome: 'advanced', statuses: orderStatuses((await loadSagaWithOrder(manager, orderId))!.stored.state) };
    }
    return { outcome: 'advanced', statuses };
  }

  /** Stages the effects as contracts, and the order's own events when the saga ends or needs review. */
  private async perform(manager: EntityManager, order: Order, result: SagaResult<OrderSagaData>, emit: Emit, cause: TimelineCause): Promise<void> {
    const events = this.messagesOf(order, result);
    if (events.length) await emit(events);
    // The review queue: an item opened by this step commits with it.
    await insertReviewItems(manager, order.orderId, result.review, cause);
  }

  /** The step's commands, and OrderFlaggedForReview / OrderCancelled when the saga needs review or ends compensated. */
  private messagesOf(order: Order, result: SagaResult<OrderSagaData>): OutgoingEvent[] {
    const now = new Date();
    const events: OutgoingEvent[] = [];
    for (const effect of result.effects) {
      if (effect.kind === 'change') {
        if (!WAITING_MARKERS.has(effect.name)) throw new Error(`the order saga has no local change ${effect.name}`);
        continue;
      }
      const command = sagaCommand(effect, order, now);
      events.push(this.event(command.type, order.orderId, command.payload));
    }
    for (const item of result.review) events.push(this.event(OrderFlaggedForReview.type, order.orderId, orderFlaggedForReview(order, item, now)));
    if (result.state.status === 'compensated' && result.state.failure) {
      events.push(this.event(OrderCancelled.type, order.orderId, orderCancelled(order, result.state.failure, now)));
    }
    return events;
  }

  private event(type: string, orderId: string, payload: unknown): OutgoingEvent {
    const contract = contractFor(type);
    if (!contract) throw new Error(`no contract for ${type}`);
    return { topic: topicFor(this.config, contract.topic), type, key: orderId, payload };
  }

  /** How long the step the input ended had run (a step begun and ended by one input is not timed). */
  private observeStepTime(before: SagaState<OrderSagaData>, result: SagaResult<OrderSagaData>): void {
    if (!before.step || !before.stepStartedAt) return;
    const ended = result.timeline.find((entry) => entry.step === before.step && ['completed', 'failed', 'compensated'].includes(entry.what));
    if (!ended) return;
    const seconds = (Date.parse(ended.at) - Date.parse(before.stepStartedAt)) / 1000;
    if (seconds >= 0) orderMetrics.stepDuration.observe({ step: before.step, phase: before.phase, outcome: ended.what }, seconds);
  }

  private observe(result: SagaResult<OrderSagaData>): void {
    for (const entry of result.timeline) orderMetrics.sagaSteps.inc({ step: entry.step ?? 'saga', what: entry.what });
    for (const item of result.review) orderMetrics.reviewsOpened.inc({ step: item.step, reason: item.reason });
  }
}
