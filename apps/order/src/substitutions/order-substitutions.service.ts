import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EventOutbox, OutgoingEvent } from '@omnibus/messaging';
import { loadSaga, SagaState } from '@omnibus/saga';
import { Principal, ROOT_LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import type { OrderConfig } from '../config';
import type { OrderSagaData } from '../domain/saga/order-saga-data';
import { ANSWER_SUBSTITUTION, decideAnswer, decideProposal, findSubstitution, PROPOSE_SUBSTITUTION, SagaSubstitution, SubstitutionAnswer, SubstitutionProposal } from '../domain/saga/substitutions';
import { lineFor } from '../domain/short-stock';
import { priceSubstitute } from '../domain/substitution-pricing';
import type { AnswerSubstitutionRequest, ProposeSubstitutionRequest } from '../domain/substitution-request';
import { substitutionView, SubstitutionView } from '../domain/substitution-view';
import { assertOwnChannel } from '../orders/channel-binding';
import { loadSagaWithOrder } from '../orders/order-store';
import { SagaRunner } from '../saga/saga-runner';
import { EVENT_OUTBOX } from '../tokens';

/** Namespace of substitution ids derived from order, caller and Idempotency-Key (a retry finds its proposal). */
const SUBSTITUTION_NAMESPACE = '5b0f4d43-53a8-4d8e-9f3b-3a0a8f1c2e71';

export type Answered = { replayed: boolean; substitution: SubstitutionView };

/**
 * Substitutions as inputs to the order saga, each in one transaction (the saga row locked, the input
 * advanced, commands staged, the timeline written with who and why): a store's proposal, the
 * customer's answer through the channel. Repeating either is harmless: a proposal under the same
 * Idempotency-Key finds the one it made, the same answer again finds it given.
 */
@Injectable()
export class OrderSubstitutions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: SagaRunner,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async propose(principal: Principal, orderId: string, idempotencyKey: string, request: ProposeSubstitutionRequest): Promise<Answered> {
    return this.dataSource.transaction(async (manager) => {
      const loaded = await loadSagaWithOrder(manager, orderId);
      if (!loaded?.order) throw new NotFoundException(`no order ${orderId}`);
      const { state } = loaded.stored;
      assertOwnChannel(principal, state.data.channel.channelId);
      const substitutionId = uuidv5([orderId, principal.sub, idempotencyKey].join('\u001f'), SUBSTITUTION_NAMESPACE);
      const existing = findSubstitution(state.data, substitutionId);
      if (existing) {
        if (!sameProposal(existing, request)) throw new ConflictException(`Idempotency-Key ${idempotencyKey} was used for another proposal (substitution ${substitutionId})`);
        return { replayed: true, substitution: substitutionView(existing) };
      }
      const decision = decideProposal(state, request.lineId);
      if (!decision.ok) throw decision.status === 404 ? new NotFoundException(decision.message) : new ConflictException(decision.message);
      const order = loaded.order.order;
      const issues = [
        ...(request.substitute.unitPrice.currency !== order.currency ? [{ path: 'substitute.unitPrice.currency', message: `must be the order's currency ${order.currency}` }] : []),
        ...(request.substitute.sku === decision.line.sku ? [{ path: 'substitute.sku', message: `must be another product than the line's ${decision.line.sku}` }] : []),
      ];
      if (issues.length) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'invalid request body', issues });
      // The line as the order prices it now (short stock may have cut its quantity).
      const placed = order.lines.find((line) => line.lineId === request.lineId)!;
      const original = lineFor(placed, decision.line.quantity.milli, order.pricesIncludeTax);
      const { line: substitute, cappedMinor } = priceSubstitute(
        original,
        { sku: request.substitute.sku, name: request.substitute.name ?? request.substitute.sku, quantity: request.substitute.quantity, unitPrice: request.substitute.unitPrice },
        order.pricesIncludeTax,
      );
      const at = new Date().toISOString();
      const proposal: SubstitutionProposal = {
        substitutionId,
        lineId: request.lineId,
        original,
        substitute,
        cappedMinor,
        pricesIncludeTax: order.pricesIncludeTax,
        reason: request.reason,
        note: request.note ?? null,
        proposedBy: principal.sub,
        proposedAt: at,
        answerWithinMs: this.config.ORDER_SUBSTITUTION_ANSWER_MS,
      };
      const cause = { type: `substitution proposed by ${principal.sub} (${request.reason}${request.note ? `: ${request.note}` : ''})`, eventId: null };
      await this.feed(manager, loaded, { type: PROPOSE_SUBSTITUTION, payload: proposal }, at, cause, 'proposed');
      this.logger.info({ orderId, substitutionId, lineId: request.lineId, sku: substitute.sku, by: principal.sub, reason: request.reason }, 'order line substitution proposed');
      return { replayed: false, substitution: await this.current(manager, orderId, substitutionId) };
    });
  }

  /** The customer's answer through the channel: only the order's own channel answers for its customer. */
  async answer(principal: Principal, orderId: string, substitutionId: string, accept: boolean, request: AnswerSubstitutionRequest): Promise<Answered> {
    return this.dataSource.transaction(async (manager) => {
      const loaded = await loadSagaWithOrder(manager, orderId);
      if (!loaded?.order) throw new NotFoundException(`no order ${orderId}`);
      const { state } = loaded.stored;
      assertOwnChannel(principal, state.data.channel.channelId);
      const substitution = findSubstitution(state.data, substitutionId);
      if (!substitution) throw new NotFoundException(`order ${orderId} has no substitution ${substitutionId}`);
      const decision = decideAnswer(substitution, accept);
      if (decision.outcome === 'same') return { replayed: true, substitution: substitutionView(decision.substitution) };
      if (decision.outcome === 'refused') throw new ConflictException(decision.message);
      const answer: SubstitutionAnswer = { substitutionId, accept, by: principal.sub, note: request.note };
      const what = accept ? 'accepted' : 'declined';
      const cause = { type: `substitution ${what} by ${principal.sub} for the customer${request.note ? `: ${request.note}` : ''}`, eventId: null };
      await this.feed(manager, loaded, { type: ANSWER_SUBSTITUTION, payload: answer }, new Date().toISOString(), cause, what);
      this.logger.info({ orderId, substitutionId, by: principal.sub, answer: what }, `order line substitution ${what}`);
      return { replayed: false, substitution: await this.current(manager, orderId, substitutionId) };
    });
  }

  async find(principal: Principal, orderId: string, substitutionId: string): Promise<SubstitutionView> {
    const stored = await loadSaga<OrderSagaData>(this.dataSource.manager, orderId, { lock: false });
    if (!stored) throw new NotFoundException(`no order ${orderId}`);
    assertOwnChannel(principal, stored.state.data.channel.channelId);
    const substitution = findSubstitution(stored.state.data, substitutionId);
    if (!substitution) throw new NotFoundException(`order ${orderId} has no substitution ${substitutionId}`);
    return substitutionView(substitution);
  }

  private async feed(
    manager: EntityManager,
    loaded: NonNullable<Awaited<ReturnType<typeof loadSagaWithOrder>>>,
    reply: { type: string; payload: unknown },
    at: string,
    cause: { type: string; eventId: null },
    what: string,
  ): Promise<void> {
    const emit = (events: OutgoingEvent[]) => this.outbox.stage(manager, events, { correlationId: loaded.stored.state.sagaId });
    const outcome = await this.runner.advanceStored(manager, loaded.stored, { kind: 'reply', reply: { ...reply, eventId: uuidv7() }, at }, cause, emit, { order: loaded.order });
    if (outcome.outcome !== 'advanced') throw new ConflictException(`the substitution cannot be ${what} now: ${outcome.outcome === 'ignored' ? outcome.reason : outcome.outcome}`);
  }

  private async current(manager: EntityManager, orderId: string, substitutionId: string): Promise<SubstitutionView> {
    const stored = await loadSaga<OrderSagaData>(manager, orderId, { lock: false });
    return substitutionView(findSubstitution((stored!.state as SagaState<OrderSagaData>).data, substitutionId)!);
  }
}

/** The same proposal after parsing (quantities and money compared as values). */
function sameProposal(existing: SagaSubstitution, request: ProposeSubstitutionRequest): boolean {
  return (
    existing.lineId === request.lineId &&
    existing.substitute.sku === request.substitute.sku &&
    existing.substitute.quantity.milli === request.substitute.quantity.milli &&
    existing.substitute.unitPrice.amountMinor === request.substitute.unitPrice.amountMinor &&
    existing.substitute.unitPrice.currency === request.substitute.unitPrice.currency &&
    existing.reason === request.reason &&
    existing.note === (request.note ?? null)
  );
}
