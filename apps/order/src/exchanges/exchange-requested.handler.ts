import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ExchangeRequested } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { replacementOrder } from '../domain/exchange-order';
import { OrderIntake } from '../orders/order-intake.service';
import { loadOrderForSaga } from '../orders/order-store';

/**
 * ExchangeRequested (retail.returns) → the replacement order, placed at once so its stock is reserved
 * when the exchange is asked for. Placed under the exchange id as idempotency key (and the id the
 * returns service chose), so a redelivery or a replay places nothing twice.
 */
@Controller()
export class ExchangeRequestedHandler {
  constructor(
    private readonly intake: OrderIntake,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(ExchangeRequested.type)
  async exchangeRequested(@Payload() exchange: ExchangeRequested, @Ctx() context: EventContext): Promise<void> {
    const original = await loadOrderForSaga(context.manager, exchange.orderId);
    // Returns knows the order from our own OrderPlaced: not here is a fault to retry and then dead-letter.
    if (!original) throw new Error(`exchange ${exchange.exchangeId}: no order ${exchange.orderId} to replace from`);
    const placed = await this.intake.placeReplacement(replacementOrder(original.order, exchange, new Date()));
    if (placed.status === 200) this.logger.info({ exchangeId: exchange.exchangeId, orderId: exchange.replacementOrderId }, 'exchange already placed: changes nothing');
  }
}
