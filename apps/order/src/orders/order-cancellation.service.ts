import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EventOutbox, OutgoingEvent } from '@omnibus/messaging';
import { loadSaga } from '@omnibus/saga';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CANCEL_REMAINDER } from '../domain/saga/await-shipments';
import { CUSTOMER_CANCELLED, decideCancellation } from '../domain/saga/cancellation';
import { v7 as uuidv7 } from 'uuid';
import type { OrderSagaData } from '../domain/saga/order-saga-data';
import { orderMetrics } from '../metrics';
import { SagaRunner } from '../saga/saga-runner';
import { EVENT_OUTBOX } from '../tokens';

export type CancellationOutcome = { outcome: 'cancelling' | 'already'; detail: string };

/**
 * A channel's cancellation of an order on behalf of its customer, as an input to the order saga in one
 * transaction (saga row locked, commands staged, timeline written with who asked). Asking twice is
 * harmless: the second request finds the order cancelling or cancelled.
 */
@Injectable()
export class OrderCancellation {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: SagaRunner,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async cancel(caller: string, orderId: string, reason: string | null): Promise<CancellationOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const stored = await loadSaga<OrderSagaData>(manager, orderId);
      if (!stored) throw new NotFoundException(`no order ${orderId}`);
      const decision = decideCancellation(stored.state);
      if (decision.outcome === 'refused') throw new ConflictException(decision.message);
      if (decision.outcome === 'already') return { outcome: 'already' as const, detail: decision.detail };
      const emit = (events: OutgoingEvent[]) => this.outbox.stage(manager, events, { correlationId: orderId });
      const detail = `requested by ${caller}${reason ? `: ${reason}` : ''}`;
      // Once a parcel has left, only what has not shipped is cancelled (awaitShipments takes the input).
      const [input, what, after] =
        decision.outcome === 'cancel-rest'
          ? [{ kind: 'reply' as const, reply: { type: CANCEL_REMAINDER, payload: { detail }, eventId: uuidv7() }, at: new Date().toISOString() }, 'cancellation of what had not shipped', 'shipment']
          : [{ kind: 'cancel' as const, reason: CUSTOMER_CANCELLED, detail, undoAfterPivot: decision.undoAfterPivot, at: new Date().toISOString() }, 'cancellation', decision.undoAfterPivot ? 'confirmation' : 'acceptance'];
      const outcome = await this.runner.advanceStored(manager, stored, input, { type: `${what} requested by ${caller}`, eventId: null }, emit);
      if (outcome.outcome !== 'advanced') throw new ConflictException(`the order cannot be cancelled now: ${outcome.outcome === 'ignored' ? outcome.reason : outcome.outcome}`);
      orderMetrics.cancellationsRequested.inc({ after });
      this.logger.info({ orderId, caller, reason, status: outcome.statuses.status }, `order ${what} requested`);
      return { outcome: 'cancelling' as const, detail };
    });
  }
}
