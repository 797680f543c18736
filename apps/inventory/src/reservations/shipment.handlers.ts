import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ShipmentDispatched } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ChunkWork } from '../consumer/chunk-work';
import { ReservationService } from './reservation-service';

/**
 * `retail.shipments` → the goods left. A parcel is decided with its delivery chunk like the
 * reservation commands (same locks, same order), in the transaction of its inbox record: its units
 * leave the order's reservation and the on-hand once per shipment id, whatever the event id.
 */
@Controller()
export class ShipmentHandlers {
  constructor(
    private readonly reservations: ReservationService,
    private readonly chunks: ChunkWork,
  ) {}

  @EventPattern(ShipmentDispatched.type)
  dispatched(@Payload() shipment: ShipmentDispatched, @Ctx() context: EventContext): void {
    this.chunks.defer(context, this.reservations, { kind: 'ship', shipment });
  }
}
