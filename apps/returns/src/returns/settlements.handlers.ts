import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CreateCreditNote, CreateReturnPicking, OdooCommandFailed, OdooCommandSucceeded, RefundFailed, RefundIssued } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { ReturnsConfig } from '../config';
import { refundStatusOf } from '../domain/return-status';
import { returnsMetrics } from '../metrics';
import { refundSettledEvents } from './return-messages';
import { appendTimeline, findReturn, insertOdooCommand, refundsOf, settleOdooCommand, settleRefund, updateReturn } from './return-store';

const RETURN_ODOO_COMMANDS: string[] = [CreateReturnPicking.type, CreateCreditNote.type];

/**
 * The answers to what a return asked of others: the gateway connector's RefundIssued / RefundFailed
 * (retail.payments, by refund id) and the adapter's results (odoo.results, by command id). A refund
 * settles once: the first confirmation stages ReturnRefunded and the credit note; a second one (the
 * gateway's webhook delivered again, a replay) finds it settled and changes nothing.
 */
@Controller()
export class SettlementHandlers {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ReturnsConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(RefundIssued.type, { sequenced: true })
  async refundIssued(@Payload() issued: RefundIssued, @Ctx() context: EventContext): Promise<void> {
    if (issued.returnId === null) return; // the order service's own refunds (cancellations)
    const { manager } = context;
    const at = new Date();
    const refund = await settleRefund(manager, issued.refundId, { status: 'issued', gatewayReference: issued.gatewayReference }, at);
    if (!refund) {
      this.logger.info({ refundId: issued.refundId, returnId: issued.returnId, eventId: context.event.id }, 'refund confirmation for a refund already settled (or not ours): nothing to do');
      return;
    }
    const row = (await findReturn(manager, refund.returnId, true))!;
    const creditNoteCommandId = uuidv7();
    await context.emit(refundSettledEvents((topic) => topicFor(this.config, topic), refund, row, creditNoteCommandId, at));
    await insertOdooCommand(manager, { commandId: creditNoteCommandId, returnId: row.returnId, commandType: CreateCreditNote.type, at });
    await updateReturn(manager, row.returnId, { refundStatus: refundStatusOf(await refundsOf(manager, row.returnId)) });
    const mismatch = issued.amount.amountMinor !== refund.amountMinor ? ` (the gateway reports ${issued.amount.amountMinor})` : '';
    await appendTimeline(manager, row.returnId, at, [{ what: 'refunded', detail: `${refund.currency} ${(refund.amountMinor / 100).toFixed(2)} by ${issued.gateway} ${issued.gatewayReference}${mismatch}` }], context.event.id);
    returnsMetrics.refunded.inc({ currency: refund.currency, method: 'ORIGINAL_PAYMENT' }, refund.amountMinor);
    returnsMetrics.requestToRefund.observe((at.getTime() - row.requestedAt.getTime()) / 1000);
  }

  @EventPattern(RefundFailed.type, { sequenced: true })
  async refundFailed(@Payload() failed: RefundFailed, @Ctx() context: EventContext): Promise<void> {
    if (failed.returnId === null) return;
    const { manager } = context;
    const at = new Date();
    const refund = await settleRefund(manager, failed.refundId, { status: 'failed', reason: failed.reason }, at);
    if (!refund) return;
    await findReturn(manager, refund.returnId, true);
    await updateReturn(manager, refund.returnId, { refundStatus: refundStatusOf(await refundsOf(manager, refund.returnId)) });
    await appendTimeline(manager, refund.returnId, at, [{ what: 'refund failed', detail: failed.reason }], context.event.id);
    this.logger.warn({ refundId: failed.refundId, returnId: refund.returnId, reason: failed.reason }, 'return refund refused by the gateway: needs an operator');
  }

  @EventPattern(OdooCommandSucceeded.type)
  async odooSucceeded(@Payload() result: OdooCommandSucceeded, @Ctx() context: EventContext): Promise<void> {
    if (!RETURN_ODOO_COMMANDS.includes(result.commandType)) return; // other services' commands share odoo.results
    const settled = await settleOdooCommand(context.manager, result.commandId, { status: 'succeeded', odooRecordId: result.odooRecordId, odooRecordName: result.odooRecordName }, new Date());
    if (!settled) return;
    const what = settled.commandType === CreateReturnPicking.type ? 'return picking in Odoo' : 'credit note in Odoo';
    await appendTimeline(context.manager, settled.returnId, new Date(), [{ what, detail: `${result.odooModel} ${result.odooRecordName ?? result.odooRecordId}` }], context.event.id);
  }

  @EventPattern(OdooCommandFailed.type)
  async odooFailed(@Payload() result: OdooCommandFailed, @Ctx() context: EventContext): Promise<void> {
    if (!RETURN_ODOO_COMMANDS.includes(result.commandType)) return;
    const settled = await settleOdooCommand(context.manager, result.commandId, { status: 'failed', detail: `${result.failure}: ${result.errorMessage}` }, new Date());
    if (!settled) return;
    await appendTimeline(context.manager, settled.returnId, new Date(), [{ what: `${settled.commandType.split('.').pop()} failed in Odoo`, detail: `${result.failure}: ${result.errorMessage}` }], context.event.id);
    this.logger.warn({ returnId: settled.returnId, commandId: result.commandId, failure: result.failure }, 'Odoo refused a return command');
  }
}
