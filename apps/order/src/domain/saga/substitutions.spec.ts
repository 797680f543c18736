import {
  AmendSaleOrder,
  CapturePayment,
  CommitReservation,
  contractFor,
  OdooCommandSucceeded,
  OrderLineSubstituted,
  ReleaseReservation,
  ReservationRejected,
  ReservationReleased,
  ReserveStock,
  ShipmentDispatched,
  ValidateDelivery,
} from '@omnibus/contracts';
import { advance, newSaga, SagaEffect, SagaResult, SagaState, timeoutOf } from '@omnibus/saga';
import { webOrderRequest } from '../../../test/orders';
import { buildOrder } from '../order';
import { sagaCommand } from '../order-messages';
import { placeOrderRequestSchema } from '../place-order-request';
import { priceSubstitute } from '../substitution-pricing';
import { decideCancellation } from './cancellation';
import { orderSaga } from './order-saga';
import { OrderSagaData, orderSagaData } from './order-saga-data';
import { ANSWER_SUBSTITUTION, decideAnswer, decideProposal, findSubstitution, PROPOSE_SUBSTITUTION, SubstitutionProposal, SUBSTITUTION_UNANSWERED } from './substitutions';

// Line 1: APP-10001 × 2 at 34.99 = 69.98; line 2: FTW-10002 × 1 at 89.99 less 10.00 = 79.99; shipping 4.95: 154.92.
const saga = orderSaga({ reservationMs: 30_000, paymentMs: 60_000, odooMs: 600_000, compensationMs: 60_000, reviewSlaMs: 3_600_000 });
const placed = buildOrder(placeOrderRequestSchema.parse(webOrderRequest()), { orderId: '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0b02', acceptedAt: new Date('2026-03-11T09:00:00.000Z') });
const time = (seconds: number) => new Date(placed.acceptedAt.getTime() + seconds * 1000).toISOString();
const ANSWER_MS = 3_600_000;
let events = 0;

type Step = SagaResult<OrderSagaData>;
const input = (state: SagaState<OrderSagaData>, type: string, payload: unknown, seconds: number, commandId?: string): Step =>
  advance(saga, state, { kind: 'reply', reply: { type, payload, eventId: `e-${++events}`, ...(commandId ? { commandId } : {}) }, at: time(seconds) });

/** The effects of a result as their contracts (validated against the Avro schemas), by type. */
function contracts(result: Step): Array<{ type: string; payload: Record<string, unknown> }> {
  return result.effects
    .filter((effect: SagaEffect) => effect.kind === 'send')
    .map((effect) => {
      const mapped = sagaCommand(effect, placed, new Date(time(0)));
      expect(contractFor(mapped.type)!.validate(mapped.payload as never)).toEqual([]);
      return mapped as unknown as { type: string; payload: Record<string, unknown> };
    });
}
const ofType = (result: Step, type: string) => contracts(result).filter((entry) => entry.type === type);

/** Reserved, authorised, confirmed in Odoo and committed: the order is with the warehouse (awaitShipments). */
function atWarehouse(lines = placed): SagaState<OrderSagaData> {
  const held = lines.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity, location: { locationId: 'wh-central', locationType: 'WAREHOUSE' as const, name: null } }));
  let step = advance(saga, newSaga(saga, lines.orderId, orderSagaData(lines, () => 'us-west')), { kind: 'start', at: time(0) });
  step = input(step.state, 'com.omnibus.reservation.StockReserved', { reservationId: 'res-1', orderId: lines.orderId, lines: held, expiresAt: new Date(time(900)), occurredAt: new Date(time(1)) }, 1);
  step = input(step.state, 'com.omnibus.payment.PaymentAuthorized', { paymentId: step.effects[0].id, orderId: lines.orderId, companyId: lines.companyId, gateway: 'retail-sim', gatewayReference: 'pi_1', method: 'CARD', amount: lines.totals.grandTotal, expiresAt: null, occurredAt: new Date(time(1)) }, 1);
  step = input(step.state, OdooCommandSucceeded.type, odooDone(step.effects[0].id, 'com.omnibus.odoo.CreateSaleOrder'), 2, step.effects[0].id);
  step = input(step.state, 'com.omnibus.reservation.ReservationCommitted', { reservationId: 'res-1', orderId: lines.orderId, lines: held, occurredAt: new Date(time(3)) }, 3);
  expect(step.state.step).toBe('awaitShipments');
  return step.state;
}

function odooDone(commandId: string, commandType: string): OdooCommandSucceeded {
  return { commandId, commandType, aggregateId: placed.orderId, companyId: placed.companyId, odooModel: 'sale.order', odooRecordId: 7, odooRecordName: 'S00007', alreadyApplied: false, attempts: 1, occurredAt: new Date(time(5)) };
}

/** A store proposes HOM-10003 × 1 at `unitMinor` for line 2 (FTW-10002). */
function proposal(unitMinor: number, substitutionId = '0193a0c4-0000-7000-8000-000000000001'): SubstitutionProposal {
  const original = placed.lines[1];
  const { line, cappedMinor } = priceSubstitute(original, { sku: 'HOM-10003', name: 'Trail runner, 42 (other brand)', quantity: { milli: 1000 }, unitPrice: { amountMinor: unitMinor, currency: 'USD' } }, false);
  return { substitutionId, lineId: '2', original, substitute: line, cappedMinor, pricesIncludeTax: false, reason: 'OUT_OF_STOCK', note: 'size 42 sold out', proposedBy: 'store-sf-01', proposedAt: time(10), answerWithinMs: ANSWER_MS };
}

/** Proposed and the substitute held: the customer is asked. */
function offered(state: SagaState<OrderSagaData>, offer: SubstitutionProposal): Step {
  const proposed = input(state, PROPOSE_SUBSTITUTION, offer, 10);
  const [reserve] = ofType(proposed, ReserveStock.type);
  expect(reserve.payload.lines).toEqual([{ lineId: '2', sku: 'HOM-10003', quantity: { milli: 1000 } }]);
  expect(findSubstitution(proposed.state.data, offer.substitutionId)!.status).toBe('reserving');
  const held = input(proposed.state, 'com.omnibus.reservation.StockReserved', {
    reservationId: 'res-sub',
    orderId: placed.orderId,
    lines: [{ lineId: '2', sku: 'HOM-10003', quantity: { milli: 1000 }, location: { locationId: 'wh-central', locationType: 'WAREHOUSE', name: null } }],
    expiresAt: new Date(time(900)),
    occurredAt: new Date(time(11)),
  }, 11);
  expect(ofType(held, CommitReservation.type)).toHaveLength(1);
  return held;
}

const parcel = (shipmentId: string, lines: Array<[string, string, number]>): ShipmentDispatched => ({
  shipmentId,
  orderId: placed.orderId,
  companyId: placed.companyId,
  fromLocation: { locationId: 'wh-central', locationType: 'WAREHOUSE' },
  lines: lines.map(([lineId, sku, milli]) => ({ lineId, sku, quantity: { milli }, unitCost: null })),
  finalShipment: false,
  carrier: 'retail-sim',
  trackingNumber: null,
  trackingUrl: null,
  shipTo: null,
  occurredAt: new Date(time(30)),
});
const releasedLines = (lines: Array<[string, string, number]>): ReservationReleased => ({
  reservationId: 'res-1',
  orderId: placed.orderId,
  reason: 'LINE_SUBSTITUTED',
  lines: lines.map(([lineId, sku, milli]) => ({ lineId, sku, quantity: { milli }, location: { locationId: 'wh-central', locationType: 'WAREHOUSE', name: null } })),
  fullyReleased: false,
  occurredAt: new Date(time(21)),
});

describe('a substitute priced as the order prices lines', () => {
  const original = placed.lines[1]; // 89.99 less 10.00 (11.11 %), no tax

  it('a cheaper substitute keeps the line discount rate and costs less', () => {
    const { line, cappedMinor } = priceSubstitute(original, { sku: 'B', name: 'B', quantity: { milli: 1000 }, unitPrice: { amountMinor: 4500, currency: 'USD' } }, false);
    // 45.00 × 10.00 / 89.99 = 5.00 off.
    expect(line).toMatchObject({ lineId: '2', sku: 'B', discount: { amountMinor: 500 }, tax: { amountMinor: 0 }, total: { amountMinor: 4000 } });
    expect(cappedMinor).toBe(0);
  });

  it('a dearer one is capped at the original line: the excess is waived as discount', () => {
    const { line, cappedMinor } = priceSubstitute(original, { sku: 'B', name: 'B', quantity: { milli: 2000 }, unitPrice: { amountMinor: 6000, currency: 'USD' } }, false);
    expect(line.total).toEqual(original.total);
    expect(line.discount.amountMinor).toBe(12_000 - 7_999);
    expect(cappedMinor).toBe(12_000 - 7_999 - 1_333);
  });

  it('carries the tax rate the original was charged, excluded or included, and caps at the same tax', () => {
    const taxed = { ...original, discount: { amountMinor: 0, currency: 'USD' }, unitPrice: { amountMinor: 10_000, currency: 'USD' }, tax: { amountMinor: 1_900, currency: 'USD' }, total: { amountMinor: 11_900, currency: 'USD' } };
    expect(priceSubstitute(taxed, { sku: 'B', name: 'B', quantity: { milli: 1000 }, unitPrice: { amountMinor: 5_050, currency: 'USD' } }, false).line).toMatchObject({ tax: { amountMinor: 960 }, total: { amountMinor: 6_010 } });
    expect(priceSubstitute(taxed, { sku: 'B', name: 'B', quantity: { milli: 1000 }, unitPrice: { amountMinor: 20_000, currency: 'USD' } }, false).line).toMatchObject({ discount: { amountMinor: 10_000 }, tax: { amountMinor: 1_900 }, total: { amountMinor: 11_900 } });
    const included = { ...taxed, unitPrice: { amountMinor: 11_900, currency: 'USD' }, total: { amountMinor: 11_900, currency: 'USD' } };
    // 59.50 gross, 19 % VAT included: 9.50.
    expect(priceSubstitute(included, { sku: 'B', name: 'B', quantity: { milli: 1000 }, unitPrice: { amountMinor: 5_950, currency: 'USD' } }, true).line).toMatchObject({ tax: { amountMinor: 950 }, total: { amountMinor: 5_950 } });
  });
});

describe('line substitutions in the order saga', () => {
  it('accepted: the original stock released, Odoo amended (original to 0, substitute added), OrderLineSubstituted, re-priced; the substitute ships and the capture takes the new amount', () => {
    const offer = proposal(4500);
    const held = offered(atWarehouse(), offer);
    expect(held.state.deadline?.at).toBe(time(11 + ANSWER_MS / 1000));
    const accepted = input(held.state, ANSWER_SUBSTITUTION, { substitutionId: offer.substitutionId, accept: true, by: 'web-us-app', note: null }, 20);
    const [release] = ofType(accepted, ReleaseReservation.type);
    expect(release.payload).toMatchObject({ reason: 'LINE_SUBSTITUTED', lines: [{ lineId: '2', sku: 'FTW-10002', quantity: { milli: 1000 } }] });
    const [amend] = ofType(accepted, AmendSaleOrder.type);
    expect(amend.payload).toMatchObject({ reduceLines: [{ sku: 'FTW-10002', quantity: { milli: 0 } }], addLines: [{ lineId: '2', sku: 'HOM-10003', total: { amountMinor: 4000 } }], reference: offer.substitutionId });
    const [event] = ofType(accepted, OrderLineSubstituted.type);
    expect(event.payload).toMatchObject({ originalLine: { sku: 'FTW-10002' }, substituteLine: { lineId: '2', sku: 'HOM-10003' }, reason: 'OUT_OF_STOCK', customerApproved: true });
    const data = accepted.state.data;
    expect(data.lines).toEqual([placed.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity }))[0], { lineId: '2', sku: 'HOM-10003', quantity: { milli: 1000 } }]);
    expect(data.payment.amount.amountMinor).toBe(15_492 - 7_999 + 4_000);
    expect(accepted.timeline).toContainEqual(expect.objectContaining({ what: 'waiting', detail: expect.stringContaining('accepted by web-us-app') }));
    expect(decideCancellation(accepted.state)).toMatchObject({ outcome: 'refused', message: expect.stringContaining('being carried out') });

    let state = input(accepted.state, ReservationReleased.type, releasedLines([['2', 'FTW-10002', 1000]]), 21).state;
    state = input(state, OdooCommandSucceeded.type, odooDone(amend.payload.commandId as string, AmendSaleOrder.type), 22, amend.payload.commandId as string).state;
    expect(findSubstitution(state.data, offer.substitutionId)!.settling).toEqual(expect.objectContaining({ released: true, amended: true }));
    const shipped = input(state, ShipmentDispatched.type, parcel('SHIP-1', [['1', 'APP-10001', 2000], ['2', 'HOM-10003', 1000]]), 30);
    expect(ofType(shipped, ValidateDelivery.type)[0].payload.lines).toContainEqual({ lineId: '2', sku: 'HOM-10003', quantity: { milli: 1000 } });
    expect(ofType(shipped, CapturePayment.type)[0].payload).toMatchObject({ amount: { amountMinor: 11_493 }, finalCapture: true });
  });

  it('declined: the line is cut (its stock and the substitute\'s released, Odoo\'s line to 0), the amount re-priced; a parcel of the rest completes the shipments', () => {
    const offer = proposal(4500);
    const held = offered(atWarehouse(), offer);
    const declined = input(held.state, ANSWER_SUBSTITUTION, { substitutionId: offer.substitutionId, accept: false, by: 'web-us-app', note: 'would rather wait' }, 20);
    expect(ofType(declined, ReleaseReservation.type)[0].payload.lines).toEqual([
      { lineId: '2', sku: 'FTW-10002', quantity: { milli: 1000 } },
      { lineId: '2', sku: 'HOM-10003', quantity: { milli: 1000 } },
    ]);
    const [amend] = ofType(declined, AmendSaleOrder.type);
    expect(amend.payload).toMatchObject({ reduceLines: [{ sku: 'FTW-10002', quantity: { milli: 0 } }], addLines: [] });
    expect(ofType(declined, OrderLineSubstituted.type)).toEqual([]);
    expect(declined.state.data.lines.map((line) => line.lineId)).toEqual(['1']);
    expect(declined.state.data.payment.amount.amountMinor).toBe(15_492 - 7_999);
    expect(decideAnswer(findSubstitution(declined.state.data, offer.substitutionId)!, false)).toMatchObject({ outcome: 'same' });
    expect(decideAnswer(findSubstitution(declined.state.data, offer.substitutionId)!, true)).toMatchObject({ outcome: 'refused' });
    expect(decideProposal(declined.state, '2')).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('was cut') });

    let state = input(declined.state, ReservationReleased.type, releasedLines([['2', 'FTW-10002', 1000]]), 21).state;
    state = input(state, OdooCommandSucceeded.type, odooDone(amend.payload.commandId as string, AmendSaleOrder.type), 22, amend.payload.commandId as string).state;
    const shipped = input(state, ShipmentDispatched.type, parcel('SHIP-1', [['1', 'APP-10001', 2000]]), 30);
    expect(ofType(shipped, CapturePayment.type)[0].payload).toMatchObject({ amount: { amountMinor: 7_493 }, finalCapture: true });
  });

  it('unanswered: the sweeper\'s timeout at the answer deadline expires it and cuts the line; the deadline then is the shipments\' again', () => {
    const offer = proposal(4500);
    const held = offered(atWarehouse(), offer);
    const due = held.state.deadline!.at;
    expect(advance(saga, held.state, { ...timeoutOf(held.state, due), at: time(12) }).ignored?.reason).toBe('stale');
    const expired = advance(saga, held.state, timeoutOf(held.state, due));
    expect(findSubstitution(expired.state.data, offer.substitutionId)).toMatchObject({ status: 'expired', decision: { by: 'timeout' } });
    expect(ofType(expired, AmendSaleOrder.type)).toHaveLength(1);
    expect(expired.state.data.payment.amount.amountMinor).toBe(15_492 - 7_999);
    expect(Date.parse(expired.state.deadline!.at)).toBe(Date.parse(due) + 14 * 24 * 3600_000);
    expect(expired.state.status).toBe('running');
  });

  it('a substitute inventory cannot hold fails back to the store; the line stays as ordered', () => {
    const offer = proposal(4500);
    const proposed = input(atWarehouse(), PROPOSE_SUBSTITUTION, offer, 10);
    const rejected: ReservationRejected = { orderId: placed.orderId, reason: 'INSUFFICIENT_STOCK', shortLines: [{ lineId: '2', sku: 'HOM-10003', requested: { milli: 1000 }, available: { milli: 0 } }], occurredAt: new Date(time(11)) };
    const failed = input(proposed.state, ReservationRejected.type, rejected, 11);
    expect(findSubstitution(failed.state.data, offer.substitutionId)).toMatchObject({ status: 'failed', failure: expect.stringContaining('INSUFFICIENT_STOCK: 1 asked, 0 available') });
    expect(failed.effects).toEqual([]);
    expect(failed.state.data.lines).toEqual(proposed.state.data.lines);
    expect(failed.state.data.payment.amount.amountMinor).toBe(15_492);
    expect(decideProposal(failed.state, '2')).toEqual({ ok: true, line: { lineId: '2', sku: 'FTW-10002', quantity: { milli: 1000 } } });
  });

  it('is refused before the warehouse has the order, for a line that has shipped, and while another is open on the line', () => {
    let step = advance(saga, newSaga(saga, placed.orderId, orderSagaData(placed, () => 'us-west')), { kind: 'start', at: time(0) });
    expect(decideProposal(step.state, '2')).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('not with the warehouse yet') });
    const state = atWarehouse();
    expect(decideProposal(state, '9')).toMatchObject({ ok: false, status: 404 });
    step = input(state, ShipmentDispatched.type, parcel('SHIP-1', [['2', 'FTW-10002', 1000]]), 10);
    expect(decideProposal(step.state, '2')).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('has shipped') });
    const proposed = input(state, PROPOSE_SUBSTITUTION, proposal(4500), 10);
    expect(decideProposal(proposed.state, '2')).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('open (reserving)') });
    expect(input(proposed.state, PROPOSE_SUBSTITUTION, proposal(4500), 11).effects).toEqual([]);
  });

  it("the order's only line unanswered leaves nothing to sell: the saga says so (the runner then cancels the order)", () => {
    const single = { ...placed, lines: [placed.lines[1]], totals: { ...placed.totals, grandTotal: { amountMinor: 7_999 + 495, currency: 'USD' } } };
    const held = offered(atWarehouse(single), proposal(4500));
    const expired = advance(saga, held.state, timeoutOf(held.state, held.state.deadline!.at));
    expect(expired.state.data.orderEmptied).toMatchObject({ reason: SUBSTITUTION_UNANSWERED });
    expect(expired.effects).toEqual([]);
    const cancelled = advance(saga, expired.state, { kind: 'cancel', reason: SUBSTITUTION_UNANSWERED, detail: 'x', undoAfterPivot: true, at: time(4000) });
    expect(cancelled.state.status).toBe('compensating');
  });
});

