import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CommitReservation, ReleaseReservation, ReserveStock } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ChunkWork } from '../consumer/chunk-work';
import { ReservationService } from './reservation-service';

/**
 * `inventory.commands` → reservations. Each command is handed to its delivery chunk (ChunkWork),
 * and the chunk's commands are decided together in its transaction, with the inbox records (a
 * redelivery is skipped by the runtime), keyed by command id (a replayed command with a new event id
 * gets the first answer and changes nothing). The answers are staged in the outbox in that same
 * transaction: no answer without the stock held, no stock held without an answer.
 */
@Controller()
export class ReservationHandlers {
  constructor(
    private readonly reservations: ReservationService,
    private readonly chunks: ChunkWork,
  ) {}

  @EventPattern(ReserveStock.type)
  reserve(@Payload() command: ReserveStock, @Ctx() context: EventContext): void {
    this.chunks.defer(context, this.reservations, { kind: 'reserve', command });
  }

  @EventPattern(ReleaseReservation.type)
  release(@Payload() command: ReleaseReservation, @Ctx() context: EventContext): void {
    this.chunks.defer(context, this.reservations, { kind: 'release', command });
  }

  @EventPattern(CommitReservation.type)
  commit(@Payload() command: CommitReservation, @Ctx() context: EventContext): void {
    this.chunks.defer(context, this.reservations, { kind: 'commit', command });
  }
}
