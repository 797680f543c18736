import { Inject, Injectable } from '@nestjs/common';
import {
  OdooCommandFailed,
  OdooCommandSucceeded,
  OrderLineSubstituted,
  OrderPlaced,
  PaymentCaptured,
  PostJournalEntry,
  ProductUpserted,
  RefundIssued,
  ReturnDispositioned,
  ReturnRefunded,
  ShipmentDispatched,
} from '@omnibus/contracts';
import type { HandlerContext, OutgoingEvent } from '@omnibus/messaging';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { FinancePostingConfig } from '../config';
import { cogsOnShipment, creditNoteOnReturn, DraftEntry, OrderFacts, paymentCapture, PostingOutcome, refundPayment, returnDisposition, revenueOnShipment, substituteLine } from '../domain/postings';
import type { RuleBook } from '../domain/rule-book';
import { financeMetrics } from '../metrics';
import { PERIOD_LOCKS, RULE_BOOK } from '../tokens';
import type { PeriodLocks } from '../messaging.providers';
import { placeInPeriod } from '../domain/periods';
import { isUuid, uuidFromText } from '../domain/posting-id';
import { entryPosted, entryPrepared, exceptionRaised, postCommand, sourceDocument, TopicOf } from './journal-messages';
import * as store from './ledger-store';

/** The operational facts that post, by event type; each belongs to an order. */
export type OrderFact =
  | { type: typeof ShipmentDispatched.type; payload: ShipmentDispatched }
  | { type: typeof PaymentCaptured.type; payload: PaymentCaptured }
  | { type: typeof RefundIssued.type; payload: RefundIssued }
  | { type: typeof ReturnRefunded.type; payload: ReturnRefunded }
  | { type: typeof ReturnDispositioned.type; payload: ReturnDispositioned }
  | { type: typeof OrderLineSubstituted.type; payload: OrderLineSubstituted };

/** The delivery an operational fact came in (its inbox transaction and envelope). */
export interface Delivery {
  context: Pick<HandlerContext, 'manager' | 'emit'>;
  eventId: string;
}

/** An id from text (exception ids: the same finding raises one exception). Not a posting id: other text. */
export const stableId = (text: string): string => uuidFromText(`omnibus-finance-exception|${text}`);

export const POSTING_REFUSED = 'POSTING_REFUSED';
export const POSTING_GAP = 'POSTING_GAP';

/**
 * Operational facts → journal entries, in the transaction of their inbox record: facts of an order
 * not known yet are parked until its OrderPlaced; each new entry is stored with the events behind
 * it, announced (JournalEntryPrepared) and sent to the adapter (PostJournalEntry); a replayed fact
 * finds its entries by their posting ids and sends nothing. Odoo's answers settle the entry.
 */
@Injectable()
export class PostingService {
  readonly topicOf: TopicOf;

  constructor(
    @Inject(RULE_BOOK) private readonly rules: RuleBook,
    @Inject(SERVICE_CONFIG) config: FinancePostingConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(PERIOD_LOCKS) private readonly locks: PeriodLocks,
  ) {
    this.topicOf = (topic) => topicFor(config, topic);
  }

  async orderPlaced(delivery: Delivery, order: OrderPlaced): Promise<void> {
    const { manager } = delivery.context;
    await store.lockOrder(manager, order.orderId);
    await store.saveOrderFacts(manager, factsOf(order));
    for (const parked of await store.unpark(manager, order.orderId)) {
      await this.post({ ...delivery, eventId: parked.id }, { type: parked.type, payload: revive(parked.payload) } as unknown as OrderFact);
    }
  }

  async productUpserted(manager: EntityManager, product: ProductUpserted): Promise<void> {
    if (product.standardCost) await store.saveStandardCost(manager, product.sku, product.standardCost, product.sourceUpdatedAt);
  }

  /** Posts an order's fact, or parks it until the order is known. */
  async post(delivery: Delivery, fact: OrderFact): Promise<void> {
    const { manager } = delivery.context;
    await store.lockOrder(manager, fact.payload.orderId);
    const order = await store.orderFacts(manager, fact.payload.orderId);
    if (!order) {
      await store.park(manager, { id: delivery.eventId, orderId: fact.payload.orderId, type: fact.type, payload: fact.payload });
      return;
    }
    if (fact.type === OrderLineSubstituted.type) {
      const changed = substituteLine(order, fact.payload.originalLine, fact.payload.substituteLine);
      if (changed !== order) await store.replaceOrderFacts(manager, changed);
      return;
    }
    await this.record(delivery, fact, order, await this.outcomeOf(manager, fact, order));
  }

  private async outcomeOf(manager: EntityManager, fact: Exclude<OrderFact, { type: typeof OrderLineSubstituted.type }>, order: OrderFacts): Promise<PostingOutcome> {
    switch (fact.type) {
      case ShipmentDispatched.type: {
        const shipment = fact.payload;
        const before = await store.shippedBefore(manager, order.orderId, shipment.shipmentId);
        await store.recordShipment(manager, shipment);
        const costs = await store.standardCosts(manager, shipment.lines.map((line) => line.sku));
        const revenue = revenueOnShipment(this.rules, order, shipment, before);
        const cogs = cogsOnShipment(this.rules, order, shipment, costs);
        return { entries: [...revenue.entries, ...cogs.entries], notes: [...revenue.notes, ...cogs.notes] };
      }
      case PaymentCaptured.type:
        return paymentCapture(this.rules, order, fact.payload);
      case RefundIssued.type:
        return refundPayment(this.rules, order, fact.payload);
      case ReturnRefunded.type:
        return creditNoteOnReturn(this.rules, order, fact.payload);
      case ReturnDispositioned.type:
        return returnDisposition(this.rules, order, fact.payload, await store.standardCosts(manager, fact.payload.lines.map((line) => line.sku)));
    }
  }

  private async record(delivery: Delivery, fact: OrderFact, order: OrderFacts, outcome: PostingOutcome): Promise<void> {
    const { manager } = delivery.context;
    await this.book(manager, (events) => delivery.context.emit(events), outcome.entries, { id: delivery.eventId, type: fact.type, occurredAt: fact.payload.occurredAt });
    for (const note of outcome.notes) {
      await store.raiseException(manager, { id: stableId(`gap|${note}`), kind: POSTING_GAP, companyId: order.companyId, journalEntryId: null, detail: note });
      this.logger.warn({ orderId: order.orderId, note }, 'posting gap');
    }
  }

  /**
   * Stores new entries in the caller's transaction, placed in an open period, and stages their
   * announcement and command with `stage` (the delivery's emit, or the outbox for an HTTP import);
   * ids already in the ledger (a replay) send nothing. The ids of the entries that are new.
   */
  async book(manager: EntityManager, stage: (events: OutgoingEvent[]) => Promise<unknown>, entries: DraftEntry[], event: { id: string; type: string; occurredAt: Date }): Promise<string[]> {
    const now = new Date();
    const booked: string[] = [];
    for (const drafted of entries) {
      const commandId = uuidv7();
      const placement = this.place(drafted.companyId, drafted.accountingDate);
      const entry = placement.post ? { ...drafted, accountingDate: placement.accountingDate } : drafted;
      // Booked by Odoo's own document (invoice, credit note, payment): recorded with its date, never sent.
      const period = drafted.odooDocument
        ? { status: 'in_odoo_document' as const, note: null }
        : { status: placement.post ? ('draft' as const) : ('held' as const), note: placement.note };
      if (!(await store.insertEntry(manager, drafted.odooDocument ? drafted : entry, event, commandId, period))) {
        financeMetrics.replayed.inc({ rule: entry.posting });
        continue;
      }
      booked.push(entry.id);
      if (drafted.odooDocument) {
        financeMetrics.inOdooDocument.inc({ rule: entry.posting });
        continue;
      }
      if (placement.note) this.logger.info({ journalEntryId: entry.id, note: placement.note }, 'entry dated in a locked period');
      if (!placement.post) continue;
      await stage([entryPrepared(this.topicOf, entry, now), postCommand(this.topicOf, entry, commandId, now)]);
      financeMetrics.prepared.inc({ rule: entry.posting });
    }
    return booked;
  }


  /** Where an entry dated `accountingDate` posts under the company's lock date. */
  place(companyId: string, accountingDate: string) {
    return placeInPeriod(accountingDate, this.locks.lockedThrough[companyId], this.locks.policy);
  }

  /** Odoo holds the entry: posted, announced once. */
  async succeeded(context: Pick<HandlerContext, 'manager' | 'emit'>, result: OdooCommandSucceeded): Promise<void> {
    if (result.commandType !== PostJournalEntry.type || !isUuid(result.aggregateId)) return;
    const entry = await store.markPosted(context.manager, result.aggregateId, { id: result.odooRecordId, name: result.odooRecordName });
    if (!entry) return;
    await store.resolveExceptions(context.manager, entry.id, POSTING_REFUSED, 'odoo');
    await context.emit(entryPosted(this.topicOf, entry, result.occurredAt));
    financeMetrics.posted.inc({ rule: entry.posting });
    const occurred = await store.occurredAt(context.manager, entry.id);
    if (occurred) financeMetrics.postingLag.observe(Math.max(0, (result.occurredAt.getTime() - occurred.getTime()) / 1000));
  }

  /** Odoo refused the entry: an exception with Odoo's message, for a re-post after the fix. */
  async failed(context: Pick<HandlerContext, 'manager' | 'emit'>, result: OdooCommandFailed): Promise<void> {
    if (result.commandType !== PostJournalEntry.type || !isUuid(result.aggregateId)) return;
    const entry = await store.markRefused(context.manager, result.aggregateId, result.commandId, { kind: result.failure, message: result.errorMessage });
    if (!entry) return;
    const exceptionId = stableId(`refused|${entry.id}|${result.commandId}`);
    const detail = `Odoo refused journal entry ${entry.id} (${entry.posting}, ${entry.reference}): ${result.failure}: ${result.errorMessage}`;
    await store.raiseException(context.manager, { id: exceptionId, kind: POSTING_REFUSED, companyId: entry.companyId, journalEntryId: entry.id, detail });
    await context.emit(
      exceptionRaised(this.topicOf, { exceptionId, companyId: entry.companyId, kind: 'OTHER', journalEntryId: entry.id, source: sourceDocument(entry.source), odooMoveId: null, expected: null, actual: null, detail }, new Date()),
    );
    financeMetrics.refused.inc({ failure: result.failure });
  }
}

/** What finance keeps of an order. */
export function factsOf(order: OrderPlaced): OrderFacts {
  return {
    orderId: order.orderId,
    channelOrderRef: order.channelOrderRef,
    companyId: order.companyId,
    brand: order.brand,
    channel: order.channel.channelId,
    currency: order.totals.grandTotal.currency,
    lines: order.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, orderedMilli: line.quantity.milli, totalMinor: line.total.amountMinor, taxMinor: line.tax.amountMinor })),
    linesTotalMinor: order.totals.linesTotal.amountMinor,
    taxTotalMinor: order.totals.tax.amountMinor,
    grandTotalMinor: order.totals.grandTotal.amountMinor,
  };
}

/** A parked payload from JSON: its instants back to Dates. */
function revive(payload: Record<string, unknown>): Record<string, unknown> {
  return { ...payload, occurredAt: new Date(payload.occurredAt as string) };
}
