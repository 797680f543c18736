import { ConflictException, ForbiddenException, HttpException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CreateCreditNote, CreateReturnPicking, ExchangeRequested, RefundPayment, ReturnAuthorized, ReturnDispositioned, ReturnReceived, ReturnRejected, ReturnRequested } from '@omnibus/contracts';
import { EventOutbox, OutgoingEvent } from '@omnibus/messaging';
import { Principal, requestFingerprint, ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { ReturnsConfig } from '../config';
import { PaidLine, paidLines, unitPricePaid } from '../domain/paid-prices';
import { PolicyInForce, policyInForce, policyVersion, PolicyVersion, ReturnPolicy } from '../domain/policy';
import { arrivedMilli, checkReceipt, dispositionLines, pickingLines, ReceiptLine, receiptStatus, receivedLines } from '../domain/receipt';
import { InspectedLine, ReceiptRefund, refundForReceipt } from '../domain/refund';
import { decideReturn, ReturnDecision } from '../domain/return-decision';
import { exchangeRefusal, owedByGoods, priceExchange, PricedExchange, settleExchangedLines } from '../domain/exchange';
import { shippedLines } from '../domain/return-quantities';
import { canDecide, canReceive, HOLDING_STATUSES, refundStatusOf } from '../domain/return-status';
import { returnsMetrics } from '../metrics';
import { EVENT_OUTBOX, RETURN_POLICIES } from '../tokens';
import { eventOf, refundPayment, refundSettledEvents, returnAuthorized, returnRejected } from './return-messages';
import type { DecisionBody, ReceiveReturnBody, RequestReturnBody, ScanBody } from './return-requests';
import {
  appendTimeline,
  claimIdempotencyKey,
  findReturn,
  heldByReturns,
  insertOdooCommand,
  insertReceipt,
  insertRefund,
  insertReturn,
  lockOrder,
  recordArrivals,
  refundedByOrder,
  refundsOf,
  RefundRow,
  returnLines,
  ReturnLineRow,
  ReturnRow,
  shipmentsOf,
  storeIdempotentResponse,
  TimelineEntry,
  updateReturn,
} from './return-store';
import { loadReturnView, ReturnView } from './return-view';
import { exchangeOf, exchangeRequested, ExchangeRow, insertExchange, updateExchange } from './exchange-store';

export interface Answer {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** A refusal by policy (422), kept with the key like a success: the same request gets the same answer. */
class Refused extends Error {
  constructor(readonly body: Record<string, unknown>) {
    super(String(body.message));
  }
}

/**
 * The returns API's writes. Each runs in one transaction: the Idempotency-Key, the order's lock, the
 * return's rows, its timeline and the events it causes (outbox); what fails before the commit leaves
 * nothing behind.
 */
@Injectable()
export class ReturnsService {
  private readonly topicOf = (topic: string) => topicFor(this.config, topic);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(RETURN_POLICIES) private readonly policies: ReturnPolicy[],
    @Inject(SERVICE_CONFIG) private readonly config: ReturnsConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  findReturn(returnId: string): Promise<ReturnView | undefined> {
    // One snapshot of the return's rows: a handler committing meanwhile (an exchange falling through
    // sets the exchange and the lines' refund due together) is seen whole or not at all.
    return this.dataSource.transaction('REPEATABLE READ', (manager) => loadReturnView(manager, returnId));
  }

  /** POST /returns: 201 authorised or in review; 422 refused by the policy (recorded, with ReturnRejected). */
  requestReturn(principal: Principal, key: string, request: RequestReturnBody): Promise<Answer> {
    return this.idempotent(principal, key, 'POST /returns', request, async (manager) => {
      const order = await lockOrder(manager, request.orderId !== undefined ? { orderId: request.orderId } : { channelId: request.receipt!.channelId, channelOrderRef: request.receipt!.receiptNumber });
      if (!order) throw new NotFoundException(request.orderId !== undefined ? `no order ${request.orderId} known to returns` : `no sale ${request.receipt!.receiptNumber} of channel ${request.receipt!.channelId}`);
      bindToChannel(principal, request.channel, order.channelId);
      const at = new Date();
      const paid = paidLines({ ...order.document, currency: order.currency });
      const inForce = policyInForce(this.policies, { brand: order.brand, channelId: order.channelId, channelKind: order.channelKind }, at);
      let decision: ReturnDecision = inForce
        ? decideReturn(inForce, {
            requestedAt: at,
            lines: request.lines.map((line) => ({ lineId: line.lineId, quantityMilli: line.quantity, reason: line.reason, condition: line.condition })),
            paidLines: paid,
            shipped: shippedLines(await shipmentsOf(manager, order.orderId)),
            heldMilli: await heldByReturns(manager, order.orderId, HOLDING_STATUSES),
            refundedMilli: await refundedByOrder(manager, order.orderId),
            customerTier: request.customerTier ?? null,
          })
        : { outcome: 'rejected', rule: 'no-policy', reason: `no return policy covers brand ${order.brand} on channel ${order.channelId}` };
      const exchange = decision.outcome === 'rejected' ? undefined : this.exchangeOfRequest(inForce!, request, paid, await refundedByOrder(manager, order.orderId), order.currency);
      if (exchange && 'rule' in exchange) decision = exchange;

      const returnId = uuidv7();
      const row: ReturnRow = {
        returnId,
        orderId: order.orderId,
        companyId: order.companyId,
        channelId: request.channel.channelId,
        channelKind: request.channel.kind,
        customerId: order.customerId,
        customerTier: request.customerTier ?? null,
        storeLocationId: request.storeLocationId ?? null,
        refundMethod: request.refundMethod,
        status: decision.outcome === 'rejected' ? 'rejected' : decision.outcome,
        refundStatus: 'none',
        policyId: inForce?.policyId ?? null,
        policyVersion: inForce?.version.version ?? null,
        rule: decision.outcome === 'rejected' ? decision.rule : null,
        reason: decision.outcome === 'rejected' ? decision.reason : decision.outcome === 'review' ? decision.why : null,
        rmaNumber: decision.outcome === 'rejected' ? null : `RMA-${returnId.replace(/-/g, '').slice(-12).toUpperCase()}`,
        returnBy: decision.outcome === 'rejected' ? null : decision.returnBy,
        requestedAt: at,
        requestedBy: principal.sub,
        decidedBy: decision.outcome === 'authorized' ? `policy:${inForce!.policyId}` : null,
        decidedAt: decision.outcome === 'authorized' ? at : null,
      };
      const priced = exchange && !('rule' in exchange) ? exchange : undefined;
      const due = new Map(decision.outcome === 'rejected' ? [] : decision.lines.map((line) => [line.lineId, line.refundAmount.amountMinor]));
      // An exchanged line's refund due is what its replacement costs less (no restocking fee).
      for (const line of priced?.lines ?? []) due.set(line.returnedLineId, Math.max(0, line.credit.amountMinor - line.total.amountMinor));
      const lines: ReturnLineRow[] = request.lines.map((line) => ({
        lineId: line.lineId,
        sku: paid.find((candidate) => candidate.lineId === line.lineId)?.sku ?? '',
        quantityMilli: line.quantity,
        reason: line.reason,
        statedCondition: line.condition,
        comment: line.comment ?? null,
        refundDueMinor: due.get(line.lineId) ?? 0,
        arrivedMilli: 0,
      }));
      // A request naming a line twice is refused before anything per line is written.
      await insertReturn(manager, row, decision.outcome === 'rejected' && decision.rule === 'duplicate-line' ? [] : lines);

      const requested: ReturnRequested = {
        returnId,
        orderId: order.orderId,
        companyId: order.companyId,
        channel: request.channel,
        customerId: order.customerId,
        lines: lines.flatMap((line) => {
          const paidLine = paid.find((candidate) => candidate.lineId === line.lineId);
          return paidLine ? [{ lineId: line.lineId, sku: line.sku, quantity: { milli: line.quantityMilli }, unitPricePaid: unitPricePaid(paidLine), reason: line.reason, comment: line.comment }] : [];
        }),
        storeLocationId: row.storeLocationId,
        occurredAt: at,
      };
      const events: OutgoingEvent[] = [eventOf(this.topicOf, ReturnRequested, requested)];
      const timeline: TimelineEntry[] = [{ what: 'requested', detail: `${lines.length} line(s) on channel ${request.channel.channelId}`, actor: principal.sub }];
      const policyName = inForce ? `${inForce.policyId} v${inForce.version.version}` : 'none';
      if (decision.outcome === 'rejected') {
        events.push(eventOf(this.topicOf, ReturnRejected, returnRejected(row, decision.rule, decision.reason, at)));
        timeline.push({ what: 'rejected', detail: `${decision.rule}: ${decision.reason} (policy ${policyName})`, actor: `policy:${inForce?.policyId ?? 'none'}` });
        returnsMetrics.rejected.inc({ rule: decision.rule });
      } else if (decision.outcome === 'authorized') {
        events.push(eventOf(this.topicOf, ReturnAuthorized, returnAuthorized(row, lines, order.currency, at)));
        timeline.push({ what: 'authorized', detail: `${row.rmaNumber} by policy ${policyName}`, actor: `policy:${inForce!.policyId}` });
      } else {
        timeline.push({ what: 'sent to review', detail: decision.why, actor: `policy:${inForce!.policyId}` });
      }
      if (priced && decision.outcome !== 'rejected') {
        const exchangeRow: ExchangeRow = {
          ...priced,
          exchangeId: uuidv7(),
          returnId,
          replacementOrderId: uuidv7(),
          owedByGoods: Object.fromEntries(priced.lines.map((line, index) => [line.returnedLineId, owedByGoods(priced.lines)[index]])),
          requestedAt: at,
          publishedAt: decision.outcome === 'authorized' ? at : null,
        };
        await insertExchange(manager, exchangeRow);
        timeline.push({ what: 'exchange requested', detail: exchangeDetail(exchangeRow), actor: principal.sub });
        if (decision.outcome === 'authorized') {
          events.push(eventOf(this.topicOf, ExchangeRequested, exchangeRequested(exchangeRow, { ...row, rmaNumber: row.rmaNumber! }, at)));
          timeline.push({ what: 'replacement ordered', detail: `order ${exchangeRow.replacementOrderId} (reserved and shipped now, before the return arrives)` });
        }
      }
      await appendTimeline(manager, returnId, at, timeline);
      await this.outbox.stage(manager, events, { correlationId: returnId });
      for (const line of request.lines) returnsMetrics.requested.inc({ reason: line.reason, channel: request.channel.channelId, outcome: decision.outcome });
      this.logger.info({ returnId, orderId: order.orderId, outcome: decision.outcome, rule: row.rule, caller: principal.sub }, 'return requested');

      const view = (await loadReturnView(manager, returnId))!;
      if (decision.outcome === 'rejected') {
        throw new Refused({ statusCode: 422, error: 'Unprocessable Entity', message: decision.reason, rule: decision.rule, policyId: row.policyId, policyVersion: row.policyVersion, returnId, return: view });
      }
      return { status: 201, body: view };
    });
  }

  /** POST /returns/:id/approve | reject: an operator's decision on a return in review, audited with the token's subject. */
  decide(principal: Principal, returnId: string, decision: 'approve' | 'reject', key: string | null, body: DecisionBody): Promise<Answer> {
    return this.idempotent(principal, key, `POST /returns/${returnId}/${decision}`, body, async (manager) => {
      const row = await findReturn(manager, returnId, true);
      if (!row) throw new NotFoundException(`no return ${returnId}`);
      const allowed = canDecide(row.status, decision);
      if (!allowed.ok) throw new ConflictException(allowed.message);
      if ('already' in allowed) return { status: 200, body: (await loadReturnView(manager, returnId))! };
      const at = new Date();
      const note = body.note ?? null;
      if (decision === 'approve') {
        const order = (await lockOrder(manager, { orderId: row.orderId }))!;
        await updateReturn(manager, returnId, { status: 'authorized', decidedBy: principal.sub, decidedAt: at });
        await this.outbox.stage(manager, eventOf(this.topicOf, ReturnAuthorized, returnAuthorized({ ...row, status: 'authorized' }, await returnLines(manager, returnId), order.currency, at)), { correlationId: returnId });
        await appendTimeline(manager, returnId, at, [{ what: 'authorized', detail: `${row.rmaNumber} after review${note ? `: ${note}` : ''}`, actor: principal.sub }]);
        // The exchange waited for the decision: its replacement is ordered now.
        const exchange = await exchangeOf(manager, returnId);
        if (exchange && !exchange.publishedAt) {
          await updateExchange(manager, exchange.exchangeId, { publishedAt: at });
          await this.outbox.stage(manager, eventOf(this.topicOf, ExchangeRequested, exchangeRequested(exchange, { ...row, rmaNumber: row.rmaNumber! }, at)), { correlationId: returnId });
          await appendTimeline(manager, returnId, at, [{ what: 'replacement ordered', detail: `order ${exchange.replacementOrderId} (reserved and shipped now, before the return arrives)` }]);
        }
      } else {
        const reason = note ?? 'refused after review';
        await updateReturn(manager, returnId, { status: 'rejected', rule: 'review', reason, decidedBy: principal.sub, decidedAt: at });
        await this.outbox.stage(manager, eventOf(this.topicOf, ReturnRejected, returnRejected(row, 'review', reason, at)), { correlationId: returnId });
        await appendTimeline(manager, returnId, at, [{ what: 'rejected', detail: `review: ${reason}`, actor: principal.sub }]);
        returnsMetrics.rejected.inc({ rule: 'review' });
      }
      this.logger.info({ returnId, decision, operator: principal.sub }, 'return review decided');
      return { status: 200, body: (await loadReturnView(manager, returnId))! };
    });
  }

  /**
   * POST /returns/:id/receipts: the items arrived somewhere and were inspected. In one transaction:
   * the receipt, ReturnReceived, ReturnDispositioned (inventory restocks the RESTOCK lines at this
   * location), the Odoo return picking (scrapping what is not fit for sale) and the refund of what
   * was accepted: RefundPayment to the gateway connector, or store credit at once.
   */
  receive(principal: Principal, returnId: string, key: string, body: ReceiveReturnBody): Promise<Answer> {
    return this.idempotent(principal, key, `POST /returns/${returnId}/receipts`, body, async (manager) => {
      const row = await findReturn(manager, returnId, true);
      if (!row) throw new NotFoundException(`no return ${returnId}`);
      const allowed = canReceive(row.status);
      if (!allowed.ok) throw new ConflictException(allowed.message);
      const order = (await lockOrder(manager, { orderId: row.orderId }))!;
      const version = policyVersion(this.policies, row.policyId!, row.policyVersion!);
      if (!version) throw new ConflictException(`policy ${row.policyId} v${row.policyVersion} that judged this return is no longer configured`);
      const authorized = await returnLines(manager, returnId);
      const units = body.lines.map((line) => ({ lineId: line.lineId, units: line.units.map((unit) => ({ disposition: unit.disposition, quantityMilli: unit.quantity, condition: unit.condition ?? null })) }));
      const check = checkReceipt(authorized, new Map(authorized.map((line) => [line.lineId, line.arrivedMilli])), units);
      if (!check.ok) throw new HttpException({ statusCode: 422, error: 'Unprocessable Entity', message: check.reason, rule: check.rule }, 422);

      const at = new Date();
      const receiptId = uuidv7();
      const lines: ReceiptLine[] = units.map((line) => ({ ...line, sku: authorized.find((candidate) => candidate.lineId === line.lineId)!.sku }));
      const arrived = new Map(lines.map((line) => [line.lineId, arrivedMilli(line)]));
      const location = body.location;
      await insertReceipt(manager, { receiptId, returnId, location, receivedBy: principal.sub, lines, receivedAt: at });
      await recordArrivals(manager, returnId, arrived);
      const status = receiptStatus(authorized, new Map(authorized.map((line) => [line.lineId, line.arrivedMilli + (arrived.get(line.lineId) ?? 0)])));

      const events: OutgoingEvent[] = [];
      const timeline: TimelineEntry[] = [];
      const base = { returnId, orderId: row.orderId, companyId: row.companyId, location, occurredAt: at };
      events.push(eventOf(this.topicOf, ReturnReceived, { ...base, lines: receivedLines(lines) }));
      events.push(eventOf(this.topicOf, ReturnDispositioned, { ...base, lines: dispositionLines(lines) }));
      const picking = pickingLines(lines);
      const pickingCommandId = uuidv7();
      events.push(eventOf(this.topicOf, CreateReturnPicking, { commandId: pickingCommandId, returnId, receiptId, orderId: row.orderId, companyId: row.companyId, toLocation: location, ...picking, occurredAt: at }));
      await insertOdooCommand(manager, { commandId: pickingCommandId, returnId, commandType: CreateReturnPicking.type, at });
      const tally = lines.flatMap((line) => line.units).reduce<Record<string, number>>((sums, unit) => ({ ...sums, [unit.disposition]: (sums[unit.disposition] ?? 0) + unit.quantityMilli }), {});
      timeline.push({ what: status === 'received' ? 'received' : 'partially received', detail: `at ${location.locationId}: ${Object.entries(tally).map(([disposition, milli]) => `${milli / 1000} ${disposition}`).join(', ')}`, actor: principal.sub });
      for (const [disposition, milli] of Object.entries(tally)) returnsMetrics.unitsDispositioned.inc({ disposition }, milli / 1000);

      // Refunded already on the carrier's first scan (policy refundOn: first-scan): the receipt moves stock only.
      const refundedOnScan = (await refundsOf(manager, returnId)).some((refund) => refund.receiptId === null);
      const refundStatus = refundedOnScan
        ? row.refundStatus
        : await this.stageRefund(manager, row, receiptId, await this.receiptRefund(manager, row, version, paidLines({ ...order.document, currency: order.currency }), units, order.currency), at, events, timeline);
      await updateReturn(manager, returnId, { status, refundStatus });
      await appendTimeline(manager, returnId, at, timeline);
      await this.outbox.stage(manager, events, { correlationId: returnId });
      this.logger.info({ returnId, receiptId, location: location.locationId, refundStatus, caller: principal.sub }, 'return received');
      return { status: 201, body: (await loadReturnView(manager, returnId))! };
    });
  }

  /**
   * POST /returns/:id/scans: the carrier's first scan of the return parcel. Recorded once (a later
   * scan changes nothing); when the policy version refunds on first scan, the authorised units not
   * yet arrived are refunded now, at the refund due in the condition stated, and the receipt later
   * moves stock only.
   */
  firstScan(principal: Principal, returnId: string, key: string, body: ScanBody): Promise<Answer> {
    return this.idempotent(principal, key, `POST /returns/${returnId}/scans`, body, async (manager) => {
      const row = await findReturn(manager, returnId, true);
      if (!row) throw new NotFoundException(`no return ${returnId}`);
      if (row.status === 'review' || row.status === 'rejected') throw new ConflictException(`the return is ${row.status}: no parcel is expected yet`);
      if (row.firstScannedAt) return { status: 200, body: (await loadReturnView(manager, returnId))! };
      const at = new Date();
      const events: OutgoingEvent[] = [];
      const timeline: TimelineEntry[] = [{ what: 'first carrier scan', detail: `${body.carrier}${body.trackingNumber ? ` ${body.trackingNumber}` : ''}`, actor: principal.sub }];
      let refundStatus = row.refundStatus;
      const version = policyVersion(this.policies, row.policyId!, row.policyVersion!);
      if (version?.refundOn === 'first-scan' && (await refundsOf(manager, returnId)).length === 0) {
        const order = (await lockOrder(manager, { orderId: row.orderId }))!;
        const expected = (await returnLines(manager, returnId))
          .map((line) => ({ lineId: line.lineId, units: [{ disposition: 'RESELLABLE' as const, quantityMilli: line.quantityMilli - line.arrivedMilli }] }))
          .filter((line) => line.units[0].quantityMilli > 0);
        const refund = await this.receiptRefund(manager, row, version, paidLines({ ...order.document, currency: order.currency }), expected, order.currency);
        refundStatus = await this.stageRefund(manager, row, null, refund, at, events, timeline);
      }
      await updateReturn(manager, returnId, { firstScannedAt: at, refundStatus });
      await appendTimeline(manager, returnId, at, timeline);
      await this.outbox.stage(manager, events, { correlationId: returnId });
      return { status: 201, body: (await loadReturnView(manager, returnId))! };
    });
  }

  /**
   * The exchange a request asks for (lines with `exchangeFor`), priced; or the policy's refusal of it
   * (rule `exchange`), which refuses the whole request as any refused line does.
   */
  private exchangeOfRequest(inForce: PolicyInForce, request: RequestReturnBody, paid: PaidLine[], refundedMilli: Map<string, number>, currency: string): PricedExchange | { outcome: 'rejected'; rule: string; reason: string } | undefined {
    const wishes = request.lines.flatMap((line) => (line.exchangeFor ? [{ lineId: line.lineId, quantityMilli: line.quantity, reason: line.reason, exchangeFor: { sku: line.exchangeFor.sku, name: line.exchangeFor.name, quantityMilli: line.exchangeFor.quantity, unitPrice: line.exchangeFor.unitPrice } }] : []));
    if (wishes.length === 0) return undefined;
    for (const wish of wishes) {
      const refusal = exchangeRefusal(inForce.version, wish);
      if (refusal) return { outcome: 'rejected', rule: 'exchange', reason: refusal };
      if (wish.exchangeFor.unitPrice && wish.exchangeFor.unitPrice.currency !== currency) return { outcome: 'rejected', rule: 'exchange', reason: `the replacement of line ${wish.lineId} is priced in ${wish.exchangeFor.unitPrice.currency}, the order in ${currency}` };
    }
    return priceExchange(wishes, paid, refundedMilli, currency);
  }

  /** A receipt's (or first scan's) refund; an exchanged line first pays off its replacement, without restocking fee. */
  private async receiptRefund(manager: EntityManager, row: ReturnRow, version: PolicyVersion, paid: PaidLine[], inspected: InspectedLine[], currency: string): Promise<ReceiptRefund> {
    const exchange = await exchangeOf(manager, row.returnId);
    const owed = new Map(Object.entries(exchange?.owedByGoods ?? {}));
    const refund = refundForReceipt(version, paid, inspected, await refundedByOrder(manager, row.orderId), currency, new Set(owed.keys()));
    if (!exchange) return refund;
    const settled = settleExchangedLines(refund, owed);
    await updateExchange(manager, exchange.exchangeId, { owedByGoods: Object.fromEntries(settled.owedAfter) });
    return settled.refund;
  }

  /**
   * The refund of a receipt (or of a first scan): RefundPayment to the gateway connector (its refund
   * id is the command id), or store credit at once with ReturnRefunded and the credit note. Nothing
   * for nothing accepted. Gives the return's refund status after it.
   */
  private async stageRefund(manager: EntityManager, row: ReturnRow, receiptId: string | null, refund: ReceiptRefund, at: Date, events: OutgoingEvent[], timeline: TimelineEntry[]): Promise<ReturnRow['refundStatus']> {
    if (refund.total.amountMinor === 0) return row.refundStatus;
    const storeCredit = row.refundMethod === 'STORE_CREDIT';
    const refundRow: RefundRow = {
      refundId: uuidv7(),
      returnId: row.returnId,
      receiptId,
      orderId: row.orderId,
      method: row.refundMethod,
      status: storeCredit ? 'issued' : 'pending',
      amountMinor: refund.total.amountMinor,
      currency: refund.total.currency,
      lines: refund.lines,
      requestedAt: at,
      settledAt: storeCredit ? at : null,
      gatewayReference: null,
      failureReason: null,
    };
    await insertRefund(manager, refundRow);
    const amount = `${refund.total.currency} ${(refund.total.amountMinor / 100).toFixed(2)}`;
    if (storeCredit) {
      const creditNoteCommandId = uuidv7();
      events.push(...refundSettledEvents(this.topicOf, refundRow, row, creditNoteCommandId, at));
      await insertOdooCommand(manager, { commandId: creditNoteCommandId, returnId: row.returnId, commandType: CreateCreditNote.type, at });
      timeline.push({ what: 'refunded', detail: `${amount} as store credit (fees ${refund.fees.amountMinor})` });
      returnsMetrics.refunded.inc({ currency: refund.total.currency, method: 'STORE_CREDIT' }, refund.total.amountMinor);
      returnsMetrics.requestToRefund.observe((at.getTime() - row.requestedAt.getTime()) / 1000);
    } else {
      events.push(eventOf(this.topicOf, RefundPayment, refundPayment(refundRow, row.companyId, row.rmaNumber!)));
      timeline.push({ what: 'refund requested', detail: `${amount} to the original payment (refund ${refundRow.refundId}, fees ${refund.fees.amountMinor})` });
    }
    return refundStatusOf(await refundsOf(manager, row.returnId));
  }

  /**
   * Runs `work` in one transaction under the caller's Idempotency-Key: a retry with the same body
   * gets the first answer (also a 422), another body under the same key gets 409, and an error
   * thrown before the commit leaves neither the key nor anything else behind.
   */
  private async idempotent(principal: Principal, key: string | null, route: string, request: unknown, work: (manager: EntityManager) => Promise<{ status: number; body: unknown }>): Promise<Answer> {
    const fingerprint = requestFingerprint({ route, request });
    const answer = await this.dataSource.transaction(async (manager): Promise<Answer | Refused> => {
      if (key !== null) {
        const stored = await claimIdempotencyKey(manager, principal.sub, key);
        if (stored) {
          if (stored.fingerprint !== fingerprint) throw new ConflictException(`Idempotency-Key "${key}" was already used for ${stored.route} with another request; use a new key`);
          return stored.status === 422 ? new Refused(stored.response as Record<string, unknown>) : { status: stored.status, body: stored.response, replayed: true };
        }
      }
      let result: { status: number; body: unknown } | Refused;
      try {
        result = await work(manager);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        result = error;
      }
      if (key !== null) {
        const stored = result instanceof Refused ? { status: 422, response: result.body } : { status: result.status, response: result.body };
        await storeIdempotentResponse(manager, principal.sub, key, { fingerprint, route, ...stored });
      }
      return result instanceof Refused ? result : { ...result, replayed: false };
    });
    if (answer instanceof Refused) throw new HttpException(answer.body, 422);
    return answer;
  }
}

/**
 * A token bound to a channel (its `channel` claim) asks for returns on that channel only; online, a
 * channel takes returns of its own orders; a store (channel kind STORE) takes back what any channel
 * sold (return to any store).
 */
function bindToChannel(principal: Principal, channel: { channelId: string; kind: string }, orderChannelId: string): void {
  if (principal.channel !== undefined && principal.channel !== channel.channelId) {
    throw new ForbiddenException(`this token is bound to channel ${principal.channel}; the return is asked on channel ${channel.channelId}`);
  }
  if (channel.kind !== 'STORE' && principal.channel !== undefined && channel.channelId !== orderChannelId) {
    throw new ForbiddenException(`channel ${channel.channelId} cannot take returns of an order of channel ${orderChannelId}; a store can`);
  }
}

function exchangeDetail(exchange: ExchangeRow): string {
  const money = (amount: { amountMinor: number; currency: string }) => `${amount.currency} ${(amount.amountMinor / 100).toFixed(2)}`;
  const lines = exchange.lines.map((line) => `line ${line.returnedLineId} ${line.returnedSku} → ${line.quantityMilli / 1000} × ${line.sku}`).join(', ');
  const money_ = exchange.amountToCharge.amountMinor > 0 ? `the customer pays ${money(exchange.amountToCharge)} more` : exchange.amountToRefund.amountMinor > 0 ? `${money(exchange.amountToRefund)} back at receipt` : 'same price: no money moves';
  return `${lines}; credit ${money(exchange.credit)}, replacement ${money(exchange.replacementTotal)}: ${money_}`;
}
