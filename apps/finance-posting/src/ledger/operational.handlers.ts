import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  OdooCommandFailed,
  OdooCommandSucceeded,
  OrderLineSubstituted,
  OrderPlaced,
  PaymentCaptured,
  ProductUpserted,
  RefundIssued,
  ReturnDispositioned,
  ReturnRefunded,
  ShipmentDispatched,
} from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { PostingService } from './posting.service';

/**
 * The operational facts finance posts, and Odoo's answers to its PostJournalEntry commands. Each is
 * handled in the transaction of its inbox record. A substituted line changes the order's amounts
 * (revenue follows what ships). OrderCancelled and OrderCompleted post nothing: what finance books
 * follows the goods and the money (shipments, captures, refunds, returns), and a cancelled order has
 * neither left.
 */
@Controller()
export class OperationalHandlers {
  constructor(private readonly postings: PostingService) {}

  @EventPattern(OrderPlaced.type)
  async orderPlaced(@Payload() order: OrderPlaced, @Ctx() context: EventContext): Promise<void> {
    await this.postings.orderPlaced({ context, eventId: context.event.id }, order);
  }

  @EventPattern(ProductUpserted.type)
  async productUpserted(@Payload() product: ProductUpserted, @Ctx() context: EventContext): Promise<void> {
    await this.postings.productUpserted(context.manager, product);
  }

  @EventPattern(OrderLineSubstituted.type)
  async lineSubstituted(@Payload() payload: OrderLineSubstituted, @Ctx() context: EventContext): Promise<void> {
    await this.postings.post({ context, eventId: context.event.id }, { type: OrderLineSubstituted.type, payload });
  }

  @EventPattern(ShipmentDispatched.type)
  async shipmentDispatched(@Payload() payload: ShipmentDispatched, @Ctx() context: EventContext): Promise<void> {
    await this.postings.post({ context, eventId: context.event.id }, { type: ShipmentDispatched.type, payload });
  }

  @EventPattern(PaymentCaptured.type)
  async paymentCaptured(@Payload() payload: PaymentCaptured, @Ctx() context: EventContext): Promise<void> {
    await this.postings.post({ context, eventId: context.event.id }, { type: PaymentCaptured.type, payload });
  }

  @EventPattern(RefundIssued.type)
  async refundIssued(@Payload() payload: RefundIssued, @Ctx() context: EventContext): Promise<void> {
    await this.postings.post({ context, eventId: context.event.id }, { type: RefundIssued.type, payload });
  }

  @EventPattern(ReturnRefunded.type)
  async returnRefunded(@Payload() payload: ReturnRefunded, @Ctx() context: EventContext): Promise<void> {
    await this.postings.post({ context, eventId: context.event.id }, { type: ReturnRefunded.type, payload });
  }

  @EventPattern(ReturnDispositioned.type)
  async returnDispositioned(@Payload() payload: ReturnDispositioned, @Ctx() context: EventContext): Promise<void> {
    await this.postings.post({ context, eventId: context.event.id }, { type: ReturnDispositioned.type, payload });
  }

  @EventPattern(OdooCommandSucceeded.type)
  async odooSucceeded(@Payload() result: OdooCommandSucceeded, @Ctx() context: EventContext): Promise<void> {
    await this.postings.succeeded(context, result);
  }

  @EventPattern(OdooCommandFailed.type)
  async odooFailed(@Payload() result: OdooCommandFailed, @Ctx() context: EventContext): Promise<void> {
    await this.postings.failed(context, result);
  }
}
