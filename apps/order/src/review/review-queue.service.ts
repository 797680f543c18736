import { ConflictException, HttpException, Inject, Injectable, NotFoundException, OnModuleInit, UnprocessableEntityException } from '@nestjs/common';
import { EventOutbox, OutgoingEvent, recordOperatorAction } from '@omnibus/messaging';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { orderMetrics } from '../metrics';
import { SagaRunner } from '../saga/saga-runner';
import { EVENT_OUTBOX } from '../tokens';
import { decideResolution, ReviewItemRecord, reviewItemView, ReviewItemView } from './review-item';
import { watchReviewQueue } from './review-metrics';
import type { ListReviewQuery, ResolveReviewRequest } from './review-request';
import { findReviewItem, listReviewItems, markResolved } from './review-store';

/** The audit action name of a resolution, as `omnibus audit --action` filters it. */
export const RESOLVE_ACTION = 'order.review.resolve';

export interface ReviewPage {
  items: ReviewItemView[];
  total: number;
  limit: number;
  offset: number;
  /** The `offset` of the next page, null on the last one. */
  nextOffset: number | null;
}

/**
 * The manual-review queue of the order saga. An operator's decision is an input to the saga: in one
 * transaction the item is locked, the decision fed through the SagaRunner (which saves the saga, stages
 * the commands it leads to and writes the timeline and statuses), the item marked resolved and the
 * decision audited with the operator's token subject. A refused decision is audited too.
 */
@Injectable()
export class ReviewQueue implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: SagaRunner,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    watchReviewQueue(this.dataSource);
  }

  async list(query: ListReviewQuery, now = new Date()): Promise<ReviewPage> {
    const { items, total } = await listReviewItems(this.dataSource.manager, query, now);
    const next = query.offset + items.length;
    return { items: items.map((item) => reviewItemView(item, now)), total, limit: query.limit, offset: query.offset, nextOffset: next < total ? next : null };
  }

  async find(id: string): Promise<ReviewItemView | undefined> {
    const item = await findReviewItem(this.dataSource.manager, id);
    return item && reviewItemView(item, new Date());
  }

  /** Applies an operator's decision; `replayed` when the item was already resolved the same way (nothing changes). */
  async resolve(operator: string, id: string, request: ResolveReviewRequest, idempotencyKey: string | null): Promise<{ replayed: boolean; item: ReviewItemView }> {
    const startedAt = new Date();
    const parameters = { reviewItemId: id, action: request.action, note: request.note ?? null, idempotencyKey };
    try {
      return await this.dataSource.transaction(async (manager) => {
        const item = await findReviewItem(manager, id, { lock: true });
        if (!item) throw new NotFoundException(`no review item ${id}`);
        const decision = decideResolution(item, request.action, idempotencyKey);
        if (decision.outcome === 'conflict') throw new ConflictException(decision.message);
        if (decision.outcome === 'not-allowed') throw new UnprocessableEntityException(decision.message);
        if (decision.outcome === 'replay') {
          const summary = `repeated ${request.action} on review item ${id} of order ${item.orderId}: already resolved that way, nothing changed`;
          await recordOperatorAction(manager, { operator, action: RESOLVE_ACTION, parameters, outcome: 'succeeded', summary, result: { orderId: item.orderId, replayed: true }, startedAt });
          return { replayed: true, item: reviewItemView(item, startedAt) };
        }

        const at = new Date();
        const emit = (events: OutgoingEvent[]) => this.outbox.stage(manager, events, { correlationId: item.orderId });
        const input = { kind: 'resolve' as const, reviewId: id, action: request.action, by: operator, ...(request.note ? { note: request.note } : {}), at: at.toISOString() };
        const outcome = await this.runner.handle(manager, item.orderId, input, { type: 'operator resolution', eventId: null }, emit);
        if (outcome.outcome !== 'advanced') {
          // The saga moved on without this item (it should not: an open item is the saga's open review).
          throw new ConflictException(`the saga of order ${item.orderId} does not await review item ${id}: ${outcome.outcome === 'ignored' ? outcome.reason : 'no saga'}`);
        }
        const resolution = { action: request.action, note: request.note ?? null, by: operator, at, idempotencyKey };
        await markResolved(manager, id, resolution);
        const resolved: ReviewItemRecord = { ...item, state: 'resolved', resolution };
        const summary = `${request.action} on review item ${id} of order ${item.orderId} (${item.reason} in the ${item.phase} of ${item.step}); the order is now ${outcome.statuses.status}`;
        await recordOperatorAction(manager, { operator, action: RESOLVE_ACTION, parameters, outcome: 'succeeded', summary, result: { orderId: item.orderId, status: outcome.statuses.status }, startedAt });
        orderMetrics.reviewResolutions.inc({ action: request.action });
        this.logger.info({ orderId: item.orderId, reviewItemId: id, action: request.action, operator, status: outcome.statuses.status }, 'review item resolved');
        return { replayed: false, item: reviewItemView(resolved, at) };
      });
    } catch (error) {
      await this.auditUnapplied(operator, parameters, error, startedAt);
      throw error;
    }
  }

  /** A decision that changed nothing (refused, or failed) is audited on its own: its transaction rolled back. */
  private async auditUnapplied(operator: string, parameters: Record<string, unknown>, error: unknown, startedAt: Date): Promise<void> {
    const refused = error instanceof HttpException && error.getStatus() < 500;
    const summary = `${refused ? 'refused' : 'failed'}: ${error instanceof Error ? error.message : String(error)}`;
    try {
      await recordOperatorAction(this.dataSource.manager, { operator, action: RESOLVE_ACTION, parameters, outcome: refused ? 'refused' : 'failed', summary, result: null, startedAt });
    } catch (auditError) {
      this.logger.error({ err: auditError, operator, parameters }, 'a refused review resolution could not be audited');
    }
  }
}
