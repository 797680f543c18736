import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CommitReservation, ReleaseReservation, ReserveStock } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ReservationService } from './reservation-service';

/**
 * `inventory.commands` → reservations. Each command is decided in its delivery's transaction with
 * the inbox record (a redelivery is skipped by the runtime) and keyed by command id (a replayed
 * command with a new event id gets the first answer and changes nothing). The answer is staged in
 * the outbox in that same transaction: no answer without the stock held, no stock held without an answer.
 */
@Controller()
export class ReservationHandlers {
  constructor(private readonly reservations: ReservationService) {}

  @EventPattern(ReserveStock.type)
  async reserve(@Payload() command: ReserveStock, @Ctx() context: EventContext): Promise<void> {
    await context.emit(await this.reservations.reserve(context.manager, command));
  }

  @EventPattern(ReleaseReservation.type)
  async release(@Payload() command: ReleaseReservation, @Ctx() context: EventContext): Promise<void> {
    const events = await this.reservations.release(context.manager, command);
    if (events.length) await context.emit(events);
  }

  @EventPattern(CommitReservation.type)
  async commit(@Payload() command: CommitReservation, @Ctx() context: EventContext): Promise<void> {
    const events = await this.reservations.commit(context.manager, command);
    if (events.length) await context.emit(events);
  }
}
