import {
  AmendSaleOrder,
  CommitReservation,
  formatQuantity,
  OdooCommandFailed,
  OdooCommandSucceeded,
  OrderLine,
  OrderLineSubstituted,
  PaymentVoided,
  ReleaseReservation,
  ReservationCommitted,
  ReservationRejected,
  ReservationReleased,
  ReserveStock,
  StockReserved,
  VoidPayment,
} from '@omnibus/contracts';
import { failed, Instruction, ReplyHandler, sagaCommandId, SagaReply, SagaState, send, StepContext, StepOutcome, waiting } from '@omnibus/saga';
import { formatMoney } from '../pricing';
import type { OrderSagaData } from './order-saga-data';
import { allShipped, unshipped } from './shipments';

/**
 * Line substitutions while the order is with the warehouse (the order saga's awaitShipments step). Pure.
 *
 * A store or warehouse proposes a substitute for a line that has not shipped; the substitute's stock is
 * reserved (and committed, so it is set aside and does not lapse) before the customer is asked, so
 * nobody is offered what cannot be shipped: if inventory cannot hold it the proposal fails back to the
 * store and the line stays as ordered. The customer answers through the channel:
 * - accepted: the original line's stock is released, the line becomes the substitute (same line id),
 *   priced by `priceSubstitute` (never above the original), the order's amount re-priced, Odoo's order
 *   amended (the original line to 0, the substitute added), and `OrderLineSubstituted` published;
 * - declined, or unanswered by its deadline (the step's timeout, fired by the sweeper): the line is
 *   cut: both the original's and the substitute's stock released, the order re-priced without it and
 *   Odoo's line set to 0. A cut that leaves nothing to ship settles the payment (the captures that
 *   were made stand, the rest of the authorisation is voided); a cut of the order's last line before
 *   anything shipped cancels the whole order (`orderEmptied`, the runner feeds the cancellation).
 * The step does not complete until every decision is settled (stock released, Odoo amended).
 */

/** Saga inputs of the order service's own HTTP side (no Kafka event). */
export const PROPOSE_SUBSTITUTION = 'omnibus.order.ProposeSubstitution';
export const ANSWER_SUBSTITUTION = 'omnibus.order.AnswerSubstitution';

export type SubstitutionReason = OrderLineSubstituted['reason'];
export type SubstitutionStatus = 'reserving' | 'awaiting_customer' | 'accepted' | 'declined' | 'expired' | 'failed';

export interface SagaSubstitution {
  substitutionId: string;
  lineId: string;
  /** The line as it stood when proposed, and the substitute priced as the order prices it. */
  original: OrderLine;
  substitute: OrderLine;
  /** How much of the store's price was waived so the substitute costs no more than the original. */
  cappedMinor: number;
  pricesIncludeTax: boolean;
  reason: SubstitutionReason;
  note: string | null;
  proposedBy: string;
  proposedAt: string;
  /** How long the customer has to answer once the substitute is held (ORDER_SUBSTITUTION_ANSWER_MS). */
  answerWithinMs: number;
  expiresAt: string | null;
  status: SubstitutionStatus;
  /** Why a proposal failed (inventory could not hold the substitute, the line shipped meanwhile). */
  failure: string | null;
  decision: { by: string; at: string; note: string | null } | null;
  /** What the decision still waits for: the stock given back, Odoo's order amended, the rest of the authorisation voided. */
  settling: { released: boolean; amended: boolean; amendCommandId: string | null; voided: boolean } | null;
  substituteCommitted: boolean;
}

export type SubstitutionProposal = Pick<
  SagaSubstitution,
  'substitutionId' | 'lineId' | 'original' | 'substitute' | 'cappedMinor' | 'pricesIncludeTax' | 'reason' | 'note' | 'proposedBy' | 'proposedAt' | 'answerWithinMs'
>;

export interface SubstitutionAnswer {
  substitutionId: string;
  accept: boolean;
  by: string;
  note: string | null;
}

/** Failure reasons of an order cancelled because a substitution of its only line was declined, or left unanswered. */
export const SUBSTITUTION_DECLINED = 'SUBSTITUTION_DECLINED';
export const SUBSTITUTION_UNANSWERED = 'SUBSTITUTION_UNANSWERED';

const OPEN: SubstitutionStatus[] = ['reserving', 'awaiting_customer'];

export const substitutionsOf = (data: Pick<OrderSagaData, 'substitutions'>): SagaSubstitution[] => data.substitutions ?? [];
export const findSubstitution = (data: Pick<OrderSagaData, 'substitutions'>, substitutionId: string) => substitutionsOf(data).find((entry) => entry.substitutionId === substitutionId);

/** A proposal or a decision still in flight (the customer not asked yet or not answered, or the decision not yet carried out). */
export function substitutionInFlight(substitution: SagaSubstitution): boolean {
  return OPEN.includes(substitution.status) || (substitution.settling !== null && !settled(substitution));
}

export function substitutionsSettled(data: Pick<OrderSagaData, 'substitutions'>): boolean {
  return substitutionsOf(data).every((substitution) => !substitutionInFlight(substitution));
}

const settled = (substitution: SagaSubstitution) => !substitution.settling || (substitution.settling.released && substitution.settling.amended && substitution.settling.voided);

export type ProposalDecision = { ok: true; line: OrderSagaData['lines'][number] } | { ok: false; status: 404 | 409; message: string };

/** Whether a store may propose a substitute for the line now (HTTP 404 / 409 otherwise). Pure. */
export function decideProposal(state: SagaState<OrderSagaData>, lineId: string): ProposalDecision {
  const refuse = (message: string): ProposalDecision => ({ ok: false, status: 409, message });
  const data = state.data;
  if (state.status !== 'running') return refuse(`the order is ${state.status === 'in_review' ? `in review (${state.review?.reason})` : state.status}: nothing can be substituted`);
  if (state.step !== 'awaitShipments') {
    const completed = state.completed.includes('awaitShipments');
    return refuse(completed ? 'everything has left the warehouse: nothing is left to substitute' : `the order is not with the warehouse yet (${state.step}): a substitution is proposed while it is being picked`);
  }
  if (data.payment.policy === 'prepaid') return refuse('the channel collected the money: re-pricing the order needs a refund, which the channel makes');
  if (data.remainder) return refuse('what had not shipped is being cancelled');
  const line = data.lines.find((candidate) => candidate.lineId === lineId);
  const earlier = substitutionsOf(data).filter((substitution) => substitution.lineId === lineId);
  if (!line) {
    if (earlier.some((substitution) => substitution.settling)) return refuse(`line ${lineId} was cut when its substitution was ${earlier[earlier.length - 1].status}`);
    return { ok: false, status: 404, message: `the order has no line ${lineId}` };
  }
  const open = earlier.find(substitutionInFlight);
  if (open) return refuse(`line ${lineId} has substitution ${open.substitutionId} open (${open.status})`);
  if (earlier.some((substitution) => substitution.status === 'accepted')) return refuse(`line ${lineId} was substituted already (${line.sku}); it is not substituted twice`);
  if ((unshipped(data).get(lineId) ?? 0) < line.quantity.milli) return refuse(`line ${lineId} has shipped (in part): what left can only be returned`);
  return { ok: true, line };
}

export type AnswerDecision = { outcome: 'answer' } | { outcome: 'same'; substitution: SagaSubstitution } | { outcome: 'refused'; message: string };

/** Whether the customer's answer is taken, was already given (idempotent), or comes too late. Pure. */
export function decideAnswer(substitution: SagaSubstitution, accept: boolean): AnswerDecision {
  if (substitution.status === 'awaiting_customer') return { outcome: 'answer' };
  if ((substitution.status === 'accepted' && accept) || (substitution.status === 'declined' && !accept)) return { outcome: 'same', substitution };
  const why: Record<SubstitutionStatus, string> = {
    reserving: 'the substitute is still being reserved: the customer is asked once it is held',
    awaiting_customer: '',
    accepted: `the customer accepted it (${substitution.decision?.by}, ${substitution.decision?.at})`,
    declined: `the customer declined it (${substitution.decision?.by}, ${substitution.decision?.at})`,
    expired: `it expired unanswered at ${substitution.expiresAt}: the line was cut`,
    failed: `it failed: ${substitution.failure}`,
  };
  return { outcome: 'refused', message: `substitution ${substitution.substitutionId} cannot be ${accept ? 'accepted' : 'declined'}: ${why[substitution.status]}` };
}

// ------------------------------------------------------------------------------ the step's replies

const key = (substitution: Pick<SagaSubstitution, 'substitutionId'>, what: string) => `substitution:${substitution.substitutionId}:${what}`;
const describe = (line: OrderLine) => `${line.sku} × ${formatQuantity(line.quantity)} (${formatMoney(line.total)})`;

function withSubstitution(data: OrderSagaData, substitutionId: string, change: (substitution: SagaSubstitution) => SagaSubstitution): OrderSagaData {
  return { ...data, substitutions: substitutionsOf(data).map((entry) => (entry.substitutionId === substitutionId ? change(entry) : entry)) };
}

function propose(proposal: SubstitutionProposal, data: OrderSagaData): StepOutcome<OrderSagaData> {
  if (findSubstitution(data, proposal.substitutionId)) return waiting(data);
  const substitution: SagaSubstitution = { ...proposal, expiresAt: null, status: 'reserving', failure: null, decision: null, settling: null, substituteCommitted: false };
  const reserve = send(
    ReserveStock.type,
    { orderId: data.orderId, channel: data.channel, region: data.region, lines: [{ lineId: proposal.lineId, sku: proposal.substitute.sku, quantity: proposal.substitute.quantity }] },
    { key: key(proposal, 'reserve') },
  );
  const capped = proposal.cappedMinor > 0 ? `, capped at the original's price (${formatMoney({ amountMinor: proposal.cappedMinor, currency: proposal.substitute.total.currency })} waived)` : '';
  return waiting({ ...data, substitutions: [...substitutionsOf(data), substitution] }, [reserve], {
    detail: `substitution ${proposal.substitutionId} proposed by ${proposal.proposedBy} (${proposal.reason}${proposal.note ? `: ${proposal.note}` : ''}): line ${proposal.lineId} ${describe(proposal.original)} → ${describe(proposal.substitute)}${capped}; reserving the substitute`,
  });
}

const reserving = (data: OrderSagaData, lineId: string, sku?: string) =>
  substitutionsOf(data).find((entry) => entry.status === 'reserving' && entry.lineId === lineId && (sku === undefined || entry.substitute.sku === sku));

function substituteHeld(reply: StockReserved, data: OrderSagaData, context: StepContext): StepOutcome<OrderSagaData> {
  const substitution = reply.lines.map((line) => reserving(data, line.lineId, line.sku)).find(Boolean)!;
  const expiresAt = new Date(Date.parse(context.at) + substitution.answerWithinMs).toISOString();
  const next = withSubstitution(data, substitution.substitutionId, (entry) => ({ ...entry, status: 'awaiting_customer', expiresAt }));
  // Committed at once: set aside for this order, it does not lapse while the customer thinks.
  const commit = send(CommitReservation.type, { orderId: data.orderId }, { key: key(substitution, 'commit') });
  return waiting(next, [commit], { rearm: true, detail: `substitution ${substitution.substitutionId}: ${substitution.substitute.sku} held (reservation ${reply.reservationId}); the customer is asked to answer by ${expiresAt}` });
}

function substituteRefused(reply: ReservationRejected, data: OrderSagaData): StepOutcome<OrderSagaData> {
  const short = reply.shortLines.find((line) => reserving(data, line.lineId, line.sku));
  const substitution = short ? reserving(data, short.lineId, short.sku)! : substitutionsOf(data).find((entry) => entry.status === 'reserving')!;
  const failure = `inventory cannot hold ${substitution.substitute.sku} (${reply.reason}${short ? `: ${formatQuantity(short.requested)} asked, ${formatQuantity(short.available)} available` : ''})`;
  return waiting(
    withSubstitution(data, substitution.substitutionId, (entry) => ({ ...entry, status: 'failed', failure })),
    [],
    { detail: `substitution ${substitution.substitutionId} failed: ${failure}; line ${substitution.lineId} stays as ordered` },
  );
}

function answer(input: SubstitutionAnswer, data: OrderSagaData, context: StepContext): StepOutcome<OrderSagaData> {
  const substitution = findSubstitution(data, input.substitutionId);
  if (!substitution || substitution.status !== 'awaiting_customer') return waiting(data);
  const decision = { by: input.by, at: context.at, note: input.note };
  if ((unshipped(data).get(substitution.lineId) ?? 0) < substitution.original.quantity.milli) {
    // The warehouse found and shipped the original meanwhile: the substitute goes back.
    const failure = 'the original line shipped before the customer answered';
    const next = withSubstitution(data, substitution.substitutionId, (entry) => ({ ...entry, status: 'failed', failure, decision, settling: { released: false, amended: true, amendCommandId: null, voided: true } }));
    return waiting(next, [release(data, substitution, [substitution.substitute])], { rearm: true, detail: `substitution ${substitution.substitutionId} withdrawn: ${failure}; the substitute's stock released` });
  }
  return input.accept ? accept(substitution, decision, data, context) : cut(substitution, 'declined', decision, data, context);
}

function accept(substitution: SagaSubstitution, decision: SagaSubstitution['decision'], data: OrderSagaData, context: StepContext): StepOutcome<OrderSagaData> {
  const { original, substitute } = substitution;
  const amountMinor = data.payment.amount.amountMinor - original.total.amountMinor + substitute.total.amountMinor;
  const amendCommandId = commandIdOf(data, context, substitution, 'odoo');
  const next: OrderSagaData = {
    ...withSubstitution(data, substitution.substitutionId, (entry) => ({ ...entry, status: 'accepted', decision, settling: { released: false, amended: false, amendCommandId, voided: true } })),
    lines: data.lines.map((line) => (line.lineId === substitution.lineId ? { lineId: line.lineId, sku: substitute.sku, quantity: substitute.quantity } : line)),
    lineValues: { ...(data.lineValues ?? {}), [substitution.lineId]: substitute.total.amountMinor },
    payment: { ...data.payment, amount: { ...data.payment.amount, amountMinor } },
  };
  const emit: Instruction[] = [
    release(data, substitution, [original], 'LINE_SUBSTITUTED'),
    amend(data, substitution, [substitute], `substitution ${substitution.substitutionId} accepted by the customer (${substitution.reason})`),
    send(
      OrderLineSubstituted.type,
      { orderId: data.orderId, companyId: data.companyId, originalLine: original, substituteLine: substitute, reason: substitution.reason, customerApproved: true } satisfies Omit<OrderLineSubstituted, 'occurredAt'>,
      { key: key(substitution, 'event') },
    ),
  ];
  return waiting(next, emit, {
    rearm: true,
    detail: `substitution ${substitution.substitutionId} accepted by ${decision!.by}${decision!.note ? ` (${decision!.note})` : ''}: line ${substitution.lineId} is now ${describe(substitute)}, was ${describe(original)}; the order's amount is ${formatMoney(next.payment.amount)}`,
  });
}

function cut(substitution: SagaSubstitution, status: 'declined' | 'expired', decision: SagaSubstitution['decision'], data: OrderSagaData, context: StepContext): StepOutcome<OrderSagaData> {
  const { original, substitute } = substitution;
  const why = status === 'declined' ? `declined by ${decision!.by}${decision!.note ? ` (${decision!.note})` : ''}` : `unanswered by ${substitution.expiresAt}`;
  const lines = data.lines.filter((line) => line.lineId !== substitution.lineId);
  if (lines.length === 0) {
    // Nothing else was ordered and nothing shipped: there is no order left; the whole order is cancelled.
    const orderEmptied = { reason: status === 'declined' ? SUBSTITUTION_DECLINED : SUBSTITUTION_UNANSWERED, detail: `substitution ${substitution.substitutionId} ${why}: the order's only line is cut` };
    const next = { ...withSubstitution(data, substitution.substitutionId, (entry) => ({ ...entry, status, decision })), orderEmptied };
    return waiting(next, [], { detail: `substitution ${substitution.substitutionId} ${why}: line ${substitution.lineId} was the order's last; the order is cancelled` });
  }
  const { [substitution.lineId]: _cut, ...lineValues } = data.lineValues ?? {};
  const amountMinor = Math.max(data.payment.amount.amountMinor - original.total.amountMinor, data.payment.capturedMinor ?? 0);
  const emptied = allShipped({ lines, shipments: data.shipments });
  const captured = data.payment.capturedMinor ?? 0;
  // The cut leaves nothing to ship and the captures already took what is owed: the rest of the authorisation is voided.
  const voids = emptied && captured > 0 && amountMinor <= captured && data.payment.status === 'partially_captured';
  const next: OrderSagaData = {
    ...withSubstitution(data, substitution.substitutionId, (entry) => ({
      ...entry,
      status,
      decision,
      settling: { released: false, amended: false, amendCommandId: commandIdOf(data, context, substitution, 'odoo'), voided: !voids },
    })),
    lines,
    lineValues,
    payment: { ...data.payment, amount: { ...data.payment.amount, amountMinor } },
  };
  const emit: Instruction[] = [release(data, substitution, [original, substitute]), amend(data, substitution, [], `substitution ${substitution.substitutionId} ${why}: the line is cut`)];
  if (voids) {
    emit.push(
      send(
        VoidPayment.type,
        { orderId: data.orderId, companyId: data.companyId, gateway: data.payment.gateway, paymentId: data.payment.paymentId, gatewayReference: data.payment.gatewayReference, reason: `line ${substitution.lineId} cut: nothing is left to capture` },
        { key: key(substitution, 'void') },
      ),
    );
  }
  return waiting(next, emit, {
    rearm: true,
    detail: `substitution ${substitution.substitutionId} ${why}: line ${substitution.lineId} ${describe(original)} is cut, its stock and the substitute's released; the order's amount is ${formatMoney(next.payment.amount)}`,
  });
}

function release(data: OrderSagaData, substitution: SagaSubstitution, lines: OrderLine[], reason: ReleaseReservation['reason'] = 'ORDER_CANCELLED'): Instruction {
  return send(
    ReleaseReservation.type,
    { orderId: data.orderId, reason, lines: lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity })) } satisfies Omit<ReleaseReservation, 'commandId' | 'occurredAt'>,
    { key: key(substitution, 'release') },
  );
}

function amend(data: OrderSagaData, substitution: SagaSubstitution, add: OrderLine[], reason: string): Instruction {
  return send(
    AmendSaleOrder.type,
    {
      orderId: data.orderId,
      companyId: data.companyId,
      reduceLines: [{ sku: substitution.original.sku, quantity: { milli: 0 } }],
      addLines: add,
      pricesIncludeTax: substitution.pricesIncludeTax,
      reference: substitution.substitutionId,
      reason,
    } satisfies Omit<AmendSaleOrder, 'commandId' | 'occurredAt'>,
    { key: key(substitution, 'odoo') },
  );
}

function commandIdOf(data: OrderSagaData, context: StepContext, substitution: SagaSubstitution, what: string): string {
  return sagaCommandId({ saga: 'order', sagaId: data.orderId, step: context.step, phase: 'action', attempt: context.attempt, key: key(substitution, what) });
}

// ------------------------------------------------------------------------------ the customer's deadline

/** How long the step waits now: until the first customer's answer is due, at most the step's own wait. */
export function shipmentWaitMs(data: OrderSagaData, context: StepContext, stepMs: number): number {
  const due = substitutionsOf(data).flatMap((entry) => (entry.status === 'awaiting_customer' && entry.expiresAt ? [Date.parse(entry.expiresAt) - Date.parse(context.at)] : []));
  return Math.max(0, Math.min(stepMs, ...due));
}

/** A timeout of the step: proposals past their answer time expire (the line is cut); otherwise the shipments are overdue. */
export function shipmentTimeout(data: OrderSagaData, context: StepContext, stepMs: number): StepOutcome<OrderSagaData> {
  const due = substitutionsOf(data).filter((entry) => entry.status === 'awaiting_customer' && entry.expiresAt && Date.parse(entry.expiresAt) <= Date.parse(context.at));
  if (due.length === 0) return failed('STEP_TIMED_OUT', `no reply to awaitShipments within ${stepMs} ms`);
  let outcome: StepOutcome<OrderSagaData> = waiting(data);
  const emit: Instruction[] = [];
  const details: string[] = [];
  for (const substitution of due) {
    const current = outcome.data ?? data;
    outcome = cut(findSubstitution(current, substitution.substitutionId)!, 'expired', { by: 'timeout', at: context.at, note: null }, current, context);
    if (outcome.outcome === 'waiting') {
      emit.push(...(outcome.emit ?? []));
      if (outcome.detail) details.push(outcome.detail);
    }
  }
  return waiting(outcome.data, emit, { detail: details.join('; ') });
}

// ------------------------------------------------------------------------------ replies, for awaitShipments

const ofReservation = (reply: SagaReply) => reply.payload as ReservationReleased | ReservationCommitted;

function settlingRelease(data: OrderSagaData, released: ReservationReleased): SagaSubstitution | undefined {
  const waitingFor = substitutionsOf(data).filter((entry) => entry.settling && !entry.settling.released);
  // Nothing was held any more (answered with no lines): the oldest release waiting takes it.
  if (released.lines.length === 0) return waitingFor[0];
  return waitingFor.find((entry) => released.lines.some((line) => line.lineId === entry.lineId && (line.sku === entry.original.sku || line.sku === entry.substitute.sku)));
}

const amendmentOf = (data: OrderSagaData, result: OdooCommandSucceeded | OdooCommandFailed) =>
  result.commandType === AmendSaleOrder.type ? substitutionsOf(data).find((entry) => entry.settling?.amendCommandId === result.commandId && !entry.settling.amended) : undefined;

const waitingVoid = (data: OrderSagaData) => substitutionsOf(data).find((entry) => entry.settling && !entry.settling.voided);

/**
 * The substitution replies of awaitShipments. `progress` is the step's own decision (done once
 * everything has shipped and is settled). Replies the step already takes for other reasons
 * (ReservationReleased, OdooCommandSucceeded, PaymentVoided) are combined with its own by `either`.
 */
export function substitutionReplies(progress: (data: OrderSagaData) => StepOutcome<OrderSagaData>): Record<string, ReplyHandler<OrderSagaData>> {
  const settle = (data: OrderSagaData, substitutionId: string, change: Partial<NonNullable<SagaSubstitution['settling']>>) =>
    progress(withSubstitution(data, substitutionId, (entry) => ({ ...entry, settling: { ...entry.settling!, ...change } })));
  return {
    [PROPOSE_SUBSTITUTION]: (reply, data) => propose(reply.payload as SubstitutionProposal, data),
    [ANSWER_SUBSTITUTION]: (reply, data, context) => answer(reply.payload as SubstitutionAnswer, data, context),
    [StockReserved.type]: {
      matches: (reply, data) => (reply.payload as StockReserved).lines.some((line) => reserving(data, line.lineId, line.sku)),
      handle: (reply, data, context) => substituteHeld(reply.payload as StockReserved, data, context),
    },
    [ReservationRejected.type]: {
      // A commit finding nothing held also answers ReservationRejected (no short lines): only a reserving proposal takes it.
      matches: (reply, data) => {
        const rejected = reply.payload as ReservationRejected;
        return rejected.shortLines.some((line) => reserving(data, line.lineId, line.sku)) || (rejected.reason !== 'OTHER' && substitutionsOf(data).some((entry) => entry.status === 'reserving'));
      },
      handle: (reply, data) => substituteRefused(reply.payload as ReservationRejected, data),
    },
    [ReservationCommitted.type]: {
      matches: (reply, data) => substitutionsOf(data).some((entry) => !entry.substituteCommitted && ofReservation(reply).lines.some((line) => line.lineId === entry.lineId && line.sku === entry.substitute.sku)),
      handle: (reply, data) => {
        const committed = substitutionsOf(data).find((entry) => !entry.substituteCommitted && ofReservation(reply).lines.some((line) => line.lineId === entry.lineId && line.sku === entry.substitute.sku))!;
        return waiting(withSubstitution(data, committed.substitutionId, (entry) => ({ ...entry, substituteCommitted: true })));
      },
    },
    [ReservationReleased.type]: {
      matches: (reply, data) => settlingRelease(data, reply.payload as ReservationReleased) !== undefined,
      handle: (reply, data) => settle(data, settlingRelease(data, reply.payload as ReservationReleased)!.substitutionId, { released: true }),
    },
    [OdooCommandSucceeded.type]: {
      matches: (reply, data) => amendmentOf(data, reply.payload as OdooCommandSucceeded) !== undefined,
      handle: (reply, data) => settle(data, amendmentOf(data, reply.payload as OdooCommandSucceeded)!.substitutionId, { amended: true }),
    },
    [OdooCommandFailed.type]: {
      matches: (reply, data) => amendmentOf(data, reply.payload as OdooCommandFailed) !== undefined,
      handle: (reply, data) => {
        const result = reply.payload as OdooCommandFailed;
        const substitution = amendmentOf(data, result)!;
        return failed('ODOO_REJECTED', `Odoo refused to amend the sale order for substitution ${substitution.substitutionId} (${result.failure}): ${result.errorMessage}`);
      },
    },
    [PaymentVoided.type]: {
      matches: (_reply, data) => waitingVoid(data) !== undefined,
      handle: (_reply, data) => {
        const next = settle(data, waitingVoid(data)!.substitutionId, { voided: true });
        return { ...next, data: { ...(next.data ?? data), payment: { ...(next.data ?? data).payment, status: 'captured' } } };
      },
    },
  };
}

/** One step's handler for a reply type taken for two reasons: the first that matches handles it. */
export function either<D>(first: ReplyHandler<D> | undefined, second: ReplyHandler<D> | undefined): ReplyHandler<D> {
  const parts = [first, second].filter((handler): handler is ReplyHandler<D> => handler !== undefined).map((handler) => (typeof handler === 'function' ? { handle: handler } : handler));
  const pick = (reply: SagaReply, data: D, context: StepContext) => parts.find((part) => !part.matches || part.matches(reply, data, context));
  return { matches: (reply, data, context) => pick(reply, data, context) !== undefined, handle: (reply, data, context) => pick(reply, data, context)!.handle(reply, data, context) };
}
