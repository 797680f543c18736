import { contractFor, AuthorisePayment, CapturePayment, PaymentAuthorized, PaymentCaptured, PaymentDeclined, PaymentNotFound, PaymentVoided, QueryPayment, VoidPayment, CancelSaleOrder, CommitReservation, ReservationCommitted, CreateSaleOrder, OdooCommandFailed, OdooCommandSucceeded, ReleaseReservation, ReservationRejected, ReservationReleased, ReserveStock, StockReserved } from '@omnibus/contracts';
import { advance, newSaga, SagaEffect, SagaInput, SagaResult, SagaState, timeoutOf } from '@omnibus/saga';
import { webOrderRequest } from '../../../test/orders';
import { buildOrder } from '../order';
import { orderCancelled, sagaCommand } from '../order-messages';
import { placeOrderRequestSchema } from '../place-order-request';
import { orderSaga } from './order-saga';
import { OrderSagaData, orderSagaData } from './order-saga-data';
import { orderStatuses } from './order-statuses';

// The order saga of this slice without I/O: each effect mapped to its contract and validated by it.
const saga = orderSaga({ reservationMs: 30_000, paymentMs: 60_000, odooMs: 600_000, compensationMs: 60_000, reviewSlaMs: 3_600_000 });
const order = buildOrder(placeOrderRequestSchema.parse(webOrderRequest()), { orderId: '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0a01', acceptedAt: new Date('2026-03-11T09:41:13.000Z') });
const at = (seconds: number) => new Date(order.acceptedAt.getTime() + seconds * 1000).toISOString();
let eventCounter = 0;

const reservedLines = [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 2000 }, location: { locationId: 'wh-central', locationType: 'WAREHOUSE' as const, name: null } }];

function start(): SagaResult<OrderSagaData> {
  return advance(saga, newSaga(saga, order.orderId, orderSagaData(order, () => 'us-west')), { kind: 'start', at: at(0) });
}
function reply(state: SagaState<OrderSagaData>, type: string, payload: unknown, seconds: number, commandId?: string) {
  const input: SagaInput = { kind: 'reply', reply: { type, payload, eventId: `event-${++eventCounter}`, ...(commandId ? { commandId } : {}) }, at: at(seconds) };
  return advance(saga, state, input);
}
/** The effect as its contract, checked against the Avro schema. */
function command(effect: SagaEffect) {
  const mapped = sagaCommand(effect, order, new Date(at(0)));
  const contract = contractFor(mapped.type)!;
  expect([ReserveStock.type, ReleaseReservation.type, CreateSaleOrder.type, CancelSaleOrder.type, CommitReservation.type, AuthorisePayment.type, QueryPayment.type, VoidPayment.type, CapturePayment.type]).toContain(mapped.type);
  expect(contract.validate(mapped.payload as never)).toEqual([]);
  expect(contract.keyOf(mapped.payload as never)).toBe(order.orderId);
  return mapped;
}
const stockReserved = (): StockReserved => ({ reservationId: 'res-1', orderId: order.orderId, lines: reservedLines, expiresAt: new Date(at(900)), occurredAt: new Date(at(1)) });
const odooResult = (commandId: string, commandType: string = CreateSaleOrder.type): OdooCommandSucceeded => ({
  commandId,
  commandType,
  aggregateId: order.orderId,
  companyId: order.companyId,
  odooModel: 'sale.order',
  odooRecordId: 42,
  odooRecordName: 'S00042',
  alreadyApplied: false,
  attempts: 1,
  occurredAt: new Date(at(2)),
});
const odooRefusal = (commandId: string): OdooCommandFailed => ({
  commandId,
  commandType: CreateSaleOrder.type,
  aggregateId: order.orderId,
  companyId: order.companyId,
  failure: 'MISSING_RECORD',
  retryable: false,
  errorMessage: 'unknown SKU(s) in Odoo: NOPE-404',
  odooErrorName: null,
  attempts: 1,
  occurredAt: new Date(at(2)),
});
const authorised = (paymentId: string): PaymentAuthorized => ({
  paymentId,
  orderId: order.orderId,
  companyId: order.companyId,
  gateway: 'retail-sim',
  gatewayReference: 'pi_sim_00000001',
  method: 'CARD',
  amount: order.totals.grandTotal,
  expiresAt: null,
  occurredAt: new Date(at(1)),
});
/** Stock reserved and the payment authorised: the saga asks Odoo for the sale order next. */
function reservedAndAuthorised(): SagaResult<OrderSagaData> {
  const reserved = reply(start().state, StockReserved.type, stockReserved(), 1);
  return reply(reserved.state, PaymentAuthorized.type, authorised(reserved.effects[0].id), 1);
}
const released = (): ReservationReleased => ({ reservationId: 'res-1', orderId: order.orderId, reason: 'ORDER_CANCELLED', lines: reservedLines, fullyReleased: true, occurredAt: new Date(at(3)) });

describe('the order saga', () => {
  it('reserves stock, then creates the Odoo sale order from the reserved locations, and completes once Odoo confirms it', () => {
    const started = start();
    const reserve = command(started.effects[0]);
    expect(reserve).toMatchObject({ type: ReserveStock.type, payload: { commandId: started.effects[0].id, region: 'us-west', channel: order.channel, lines: [{ lineId: '1', sku: 'APP-10001', quantity: { milli: 2000 } }, { lineId: '2' }] } });
    expect(orderStatuses(started.state)).toMatchObject({ status: 'accepted', paymentStatus: 'pending', fulfilmentStatus: 'awaiting_stock' });
    expect(started.state.deadline).toMatchObject({ step: 'reserveStock', at: at(30) });

    const stock = reply(started.state, StockReserved.type, stockReserved(), 1);
    const authorise = command(stock.effects[0]);
    expect(authorise).toMatchObject({ type: AuthorisePayment.type, payload: { commandId: stock.effects[0].id, amount: order.totals.grandTotal, gateway: 'retail-sim' } });
    expect(orderStatuses(stock.state)).toMatchObject({ status: 'stock_reserved', paymentStatus: 'pending' });
    const reserved = reply(stock.state, PaymentAuthorized.type, authorised(stock.effects[0].id), 1);
    expect(reserved.effects).toHaveLength(1);
    const create = command(reserved.effects[0]);
    expect(create.payload).toMatchObject({ commandId: reserved.effects[0].id, fulfilmentLocations: reservedLines, confirm: true, channelOrderRef: order.channelOrderRef });
    expect(orderStatuses(reserved.state)).toMatchObject({ status: 'payment_authorised', paymentStatus: 'authorised', fulfilmentStatus: 'stock_reserved' });
    expect(reserved.state.data.reservation).toEqual({ reservationId: 'res-1', lines: reservedLines, expiresAt: at(900) });

    // A result of another command (a CancelSaleOrder of another attempt) is stale.
    expect(reply(reserved.state, OdooCommandSucceeded.type, odooResult('another'), 2, 'another').ignored?.reason).toBe('stale');
    const confirmed = reply(reserved.state, OdooCommandSucceeded.type, odooResult(reserved.effects[0].id), 2, reserved.effects[0].id);
    expect(confirmed.effects.map((effect) => command(effect))).toEqual([{ type: CommitReservation.type, payload: expect.objectContaining({ orderId: order.orderId }) }]);
    expect(orderStatuses(confirmed.state)).toEqual({
      status: 'confirmed_in_odoo',
      paymentStatus: 'authorised',
      fulfilmentStatus: 'stock_reserved',
      detail: 'Odoo sale order S00042 (id 42) confirmed; releasing to the warehouse',
    });

    const committed: ReservationCommitted = { reservationId: 'res-1', orderId: order.orderId, lines: reservedLines, occurredAt: new Date(at(3)) };
    const released = reply(confirmed.state, ReservationCommitted.type, committed, 3);
    expect(released.effects.map(command)).toEqual([
      {
        type: CapturePayment.type,
        payload: expect.objectContaining({ commandId: released.effects[0].id, paymentId: stock.effects[0].id, gatewayReference: 'pi_sim_00000001', amount: order.totals.grandTotal, finalCapture: true }),
      },
    ]);
    expect(orderStatuses(released.state)).toMatchObject({ status: 'released_to_warehouse', paymentStatus: 'authorised', fulfilmentStatus: 'released_to_warehouse' });

    // The authorised amount is captured once the goods are released; a second capture answer changes nothing.
    const captured: PaymentCaptured = { ...authorised(stock.effects[0].id), captureId: released.effects[0].id, shipmentId: null, finalCapture: true, occurredAt: new Date(at(4)) };
    const done = reply(released.state, PaymentCaptured.type, captured, 4);
    expect(done.state.status).toBe('completed');
    expect(done.effects).toEqual([]);
    expect(orderStatuses(done.state)).toMatchObject({ status: 'released_to_warehouse', paymentStatus: 'captured', fulfilmentStatus: 'released_to_warehouse' });
    expect(done.timeline.map((entry) => [entry.step, entry.what])).toEqual([['capturePayment', 'completed'], [null, 'finished']]);
    expect(reply(done.state, PaymentCaptured.type, captured, 5).ignored?.reason).toBe('finished');
  });

  it('resends a capture the gateway does not confirm with the same id, then sends it to review (the goods are released: nothing is undone)', () => {
    const reserved = reservedAndAuthorised();
    const confirmed = reply(reserved.state, OdooCommandSucceeded.type, odooResult(reserved.effects[0].id), 2, reserved.effects[0].id);
    const released = reply(confirmed.state, ReservationCommitted.type, { reservationId: 'res-1', orderId: order.orderId, lines: reservedLines, occurredAt: new Date(at(3)) }, 3);
    let state = released.state;
    for (let i = 0; i < 2; i++) {
      const resent = advance(saga, state, timeoutOf(state, state.deadline!.at));
      expect(resent.effects.map((effect) => effect.id)).toEqual([released.effects[0].id]);
      state = resent.state;
    }
    const reviewed = advance(saga, state, timeoutOf(state, state.deadline!.at));
    expect(reviewed.state.status).toBe('in_review');
    expect(reviewed.review).toMatchObject([{ step: 'capturePayment', reason: 'STEP_TIMED_OUT' }]);
    expect(orderStatuses(reviewed.state)).toMatchObject({ status: 'flagged_for_review', paymentStatus: 'authorised', fulfilmentStatus: 'released_to_warehouse' });
  });

  it('sends a lapsed reservation found at release to review instead of undoing the confirmed Odoo order', () => {
    const reserved = reservedAndAuthorised();
    const confirmed = reply(reserved.state, OdooCommandSucceeded.type, odooResult(reserved.effects[0].id), 2, reserved.effects[0].id);
    const lapsed = reply(confirmed.state, ReservationRejected.type, { orderId: order.orderId, reason: 'OTHER', shortLines: [], occurredAt: new Date(at(3)) }, 3);
    expect(lapsed.effects).toEqual([]);
    expect(lapsed.state.status).toBe('in_review');
    expect(lapsed.review).toMatchObject([{ step: 'releaseToWarehouse', reason: 'RESERVATION_LAPSED', allowedActions: ['retry', 'cancel', 'accept'] }]);
    expect(orderStatuses(lapsed.state)).toMatchObject({ status: 'flagged_for_review', fulfilmentStatus: 'stock_reserved' });
  });

  it('cancels the order with inventory\'s reason and short lines when the reservation is rejected; nothing to release, nothing sent to Odoo', () => {
    const started = start();
    const rejection: ReservationRejected = {
      orderId: order.orderId,
      reason: 'INSUFFICIENT_STOCK',
      shortLines: [{ lineId: '2', sku: 'FTW-10002', requested: { milli: 1000 }, available: { milli: 0 } }],
      occurredAt: new Date(at(1)),
    };
    const rejected = reply(started.state, ReservationRejected.type, rejection, 1);
    expect(rejected.effects).toEqual([]);
    expect(rejected.state.status).toBe('compensated');
    expect(rejected.state.failure).toEqual({ step: 'reserveStock', reason: 'OUT_OF_STOCK', detail: 'FTW-10002 (line 2): 1 requested, 0 available' });
    expect(orderStatuses(rejected.state)).toEqual({
      status: 'cancelled',
      paymentStatus: 'cancelled',
      fulfilmentStatus: 'not_fulfilled',
      detail: 'cancelled after reserveStock: OUT_OF_STOCK: FTW-10002 (line 2): 1 requested, 0 available',
    });
  });

  it('voids the authorisation, then releases the reservation when Odoo refuses the sale order, and is cancelled once inventory confirms the release', () => {
    const reserved = reservedAndAuthorised();
    const refused = reply(reserved.state, OdooCommandFailed.type, odooRefusal(reserved.effects[0].id), 2, reserved.effects[0].id);
    expect(refused.effects.map(command)).toEqual([
      { type: VoidPayment.type, payload: expect.objectContaining({ orderId: order.orderId, paymentId: reserved.state.data.payment.paymentId, gatewayReference: 'pi_sim_00000001' }) },
    ]);
    expect(orderStatuses(refused.state)).toMatchObject({ status: 'cancelling', paymentStatus: 'authorised', fulfilmentStatus: 'stock_reserved' });
    const voided = reply(refused.state, PaymentVoided.type, { orderId: order.orderId }, 2);
    expect(voided.effects.map(command)).toEqual([{ type: ReleaseReservation.type, payload: expect.objectContaining({ orderId: order.orderId, reason: 'ORDER_CANCELLED' }) }]);
    expect(orderStatuses(voided.state)).toMatchObject({ status: 'cancelling', paymentStatus: 'voided', fulfilmentStatus: 'stock_reserved' });
    const done = reply(voided.state, ReservationReleased.type, released(), 3);
    expect(done.state.status).toBe('compensated');
    expect(orderStatuses(done.state)).toEqual({
      status: 'cancelled',
      paymentStatus: 'voided',
      fulfilmentStatus: 'stock_released',
      detail: 'cancelled after createSaleOrder: ODOO_REJECTED: Odoo refused the sale order (MISSING_RECORD): unknown SKU(s) in Odoo: NOPE-404',
    });
    expect(done.state.data.odooRefusal).toEqual({ failure: 'MISSING_RECORD', message: 'unknown SKU(s) in Odoo: NOPE-404' });
  });

  it('resends ReserveStock once with the same command id on a timeout, then gives up and releases whatever may be held', () => {
    const started = start();
    const first = advance(saga, started.state, timeoutOf(started.state, at(30)));
    expect(first.effects.map((effect) => effect.id)).toEqual([started.effects[0].id]);
    expect(first.timeline.map((entry) => entry.what)).toEqual(['timed-out', 'resent']);
    const second = advance(saga, first.state, timeoutOf(first.state, at(60)));
    expect(second.effects.map(command)).toEqual([{ type: ReleaseReservation.type, payload: expect.objectContaining({ reason: 'ORDER_CANCELLED' }) }]);
    expect(second.state.failure).toMatchObject({ step: 'reserveStock', reason: 'STEP_TIMED_OUT' });
    const done = reply(second.state, ReservationReleased.type, released(), 61);
    expect(orderStatuses(done.state)).toMatchObject({ status: 'cancelled', fulfilmentStatus: 'stock_released', detail: expect.stringContaining('STEP_TIMED_OUT') });
  });

  it('cancels a sale order that may exist when Odoo never answers, then releases the stock', () => {
    const reserved = reservedAndAuthorised();
    const resent = advance(saga, reserved.state, timeoutOf(reserved.state, at(601)));
    expect(resent.effects.map((effect) => effect.id)).toEqual([reserved.effects[0].id]);
    const gaveUp = advance(saga, resent.state, timeoutOf(resent.state, at(1202)));
    const cancel = command(gaveUp.effects[0]);
    expect(cancel).toMatchObject({ type: CancelSaleOrder.type, payload: { orderId: order.orderId, companyId: 'omnibus-retail' } });
    const cancelled = reply(gaveUp.state, OdooCommandSucceeded.type, odooResult(gaveUp.effects[0].id, CancelSaleOrder.type), 1203, gaveUp.effects[0].id);
    expect(cancelled.effects.map((effect) => command(effect).type)).toEqual([VoidPayment.type]);
    const voided = reply(cancelled.state, PaymentVoided.type, { orderId: order.orderId }, 1203);
    expect(voided.effects.map((effect) => command(effect).type)).toEqual([ReleaseReservation.type]);
    const done = reply(voided.state, ReservationReleased.type, released(), 1204);
    expect(done.state.status).toBe('compensated');
  });

  it('goes to review when a release is never confirmed', () => {
    const reserved = reservedAndAuthorised();
    let state = reply(reserved.state, OdooCommandFailed.type, odooRefusal(reserved.effects[0].id), 2, reserved.effects[0].id).state;
    for (let i = 0; i < 3; i++) state = advance(saga, state, timeoutOf(state, state.deadline!.at)).state;
    expect(state.status).toBe('in_review');
    expect(orderStatuses(state)).toMatchObject({ status: 'flagged_for_review', detail: expect.stringContaining('COMPENSATION_FAILED') });
  });

  it('cancels the order with PAYMENT_DECLINED when the gateway declines, and releases the reservation; nothing to void', () => {
    const reserved = reply(start().state, StockReserved.type, stockReserved(), 1);
    const declined: PaymentDeclined = { ...authorised(reserved.effects[0].id), gatewayReference: null, declineCode: 'insufficient_funds', reason: 'Your card was declined.' };
    const refused = reply(reserved.state, PaymentDeclined.type, declined, 2);
    expect(refused.effects.map(command)).toEqual([{ type: ReleaseReservation.type, payload: expect.objectContaining({ reason: 'ORDER_CANCELLED' }) }]);
    const done = reply(refused.state, ReservationReleased.type, released(), 3);
    expect(orderStatuses(done.state)).toMatchObject({ status: 'cancelled', paymentStatus: 'declined', fulfilmentStatus: 'stock_released', detail: expect.stringContaining('PAYMENT_DECLINED') });
    expect(orderCancelled(order, done.state.failure!, new Date()).reason).toBe('PAYMENT_DECLINED');
  });

  it('asks the gateway when the authorisation is overdue, and carries on when it holds the authorisation', () => {
    const reserved = reply(start().state, StockReserved.type, stockReserved(), 1);
    const overdue = advance(saga, reserved.state, timeoutOf(reserved.state, at(61)));
    const query = command(overdue.effects[0]);
    expect(query).toMatchObject({ type: QueryPayment.type, payload: { paymentId: reserved.effects[0].id, orderId: order.orderId } });
    expect(orderStatuses(overdue.state)).toMatchObject({ status: 'stock_reserved', paymentStatus: 'pending' });
    const found = reply(overdue.state, PaymentAuthorized.type, authorised(reserved.effects[0].id), 62);
    expect(found.effects.map((effect) => command(effect).type)).toEqual([CreateSaleOrder.type]);
    expect(orderStatuses(found.state)).toMatchObject({ status: 'payment_authorised', paymentStatus: 'authorised' });
  });

  it('releases the stock without voiding when the gateway holds no authorisation after an overdue answer', () => {
    const reserved = reply(start().state, StockReserved.type, stockReserved(), 1);
    const overdue = advance(saga, reserved.state, timeoutOf(reserved.state, at(61)));
    const notFound: PaymentNotFound = { commandId: overdue.effects[0].id, paymentId: reserved.effects[0].id, orderId: order.orderId, companyId: order.companyId, gateway: 'retail-sim', occurredAt: new Date(at(62)) };
    const gaveUp = reply(overdue.state, PaymentNotFound.type, notFound, 62, overdue.effects[0].id);
    expect(gaveUp.effects.map((effect) => command(effect).type)).toEqual([ReleaseReservation.type]);
    expect(gaveUp.state.failure).toMatchObject({ step: 'authorisePayment', reason: 'PAYMENT_NOT_AUTHORISED' });
  });

  it('voids whatever may have been authorised when the gateway stays silent after the status query too', () => {
    const reserved = reply(start().state, StockReserved.type, stockReserved(), 1);
    const overdue = advance(saga, reserved.state, timeoutOf(reserved.state, at(61)));
    const silent = advance(saga, overdue.state, timeoutOf(overdue.state, overdue.state.deadline!.at));
    expect(silent.effects.map(command)).toEqual([{ type: VoidPayment.type, payload: expect.objectContaining({ paymentId: reserved.effects[0].id, gatewayReference: null }) }]);
    expect(silent.state.failure).toMatchObject({ step: 'authorisePayment', reason: 'STEP_TIMED_OUT' });
  });

  it('a marketplace order arrives paid: no authorisation, straight to Odoo', () => {
    const data = orderSagaData(order, () => 'us-west', { policyOf: () => 'prepaid', gateway: 'retail-sim' });
    const started = advance(saga, newSaga(saga, order.orderId, data), { kind: 'start', at: at(0) });
    const reserved = reply(started.state, StockReserved.type, stockReserved(), 1);
    expect(reserved.effects.map((effect) => command(effect).type)).toEqual([CreateSaleOrder.type]);
    expect(orderStatuses(reserved.state)).toMatchObject({ status: 'stock_reserved', paymentStatus: 'prepaid' });
  });
});
