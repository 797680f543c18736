import { CreateInvoice, RegisterPayment, ShipmentDelivered, ShipmentDispatched, ShipmentTrackingUpdated, ValidateDelivery } from '@omnibus/contracts';
import { RefundFailed, RefundIssued, RefundPayment } from '@omnibus/contracts';
import { contractFor, AuthorisePayment, CapturePayment, PaymentAuthorized, PaymentCaptured, PaymentDeclined, PaymentNotFound, PaymentVoided, QueryPayment, VoidPayment, CancelSaleOrder, CommitReservation, ReservationCommitted, CreateSaleOrder, OdooCommandFailed, OdooCommandSucceeded, ReleaseReservation, ReservationRejected, ReservationReleased, ReserveStock, StockReserved } from '@omnibus/contracts';
import { advance, newSaga, SagaEffect, SagaInput, SagaResult, SagaState, timeoutOf } from '@omnibus/saga';
import { paymentAuthorized, webOrderRequest } from '../../../test/orders';
import { buildOrder } from '../order';
import { orderCancelled, sagaCommand } from '../order-messages';
import { placeOrderRequestSchema } from '../place-order-request';
import { orderSaga } from './order-saga';
import { OrderSagaData, orderSagaData } from './order-saga-data';
import { orderStatuses } from './order-statuses';
import type { PaymentPolicy } from './payment-policy';
import { CUSTOMER_CANCELLED, decideCancellation } from './cancellation';
import { CANCEL_REMAINDER } from './await-shipments';

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
  expect([ReserveStock.type, ReleaseReservation.type, CreateSaleOrder.type, CancelSaleOrder.type, CommitReservation.type, AuthorisePayment.type, QueryPayment.type, VoidPayment.type, CapturePayment.type, RefundPayment.type, ValidateDelivery.type, CreateInvoice.type, RegisterPayment.type]).toContain(mapped.type);
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
const authorised = (paymentId: string): PaymentAuthorized => paymentAuthorized(order, paymentId, new Date(at(1)));
/** Stock reserved and the payment authorised: the saga asks Odoo for the sale order next. */
function reservedAndAuthorised(): SagaResult<OrderSagaData> {
  const reserved = reply(start().state, StockReserved.type, stockReserved(), 1);
  return reply(reserved.state, PaymentAuthorized.type, authorised(reserved.effects[0].id), 1);
}
/** Stock reserved, authorised (by the given policy), in Odoo and released to the warehouse: awaiting shipments. */
function releasedState(policy: PaymentPolicy = 'authorise_then_capture', source = order): SagaState<OrderSagaData> {
  const data = orderSagaData(source, () => 'us-west', { policyOf: () => policy, gateway: 'retail-sim' });
  const started = advance(saga, newSaga(saga, order.orderId, data), { kind: 'start', at: at(0) });
  const reserved = reply(started.state, StockReserved.type, stockReserved(), 1);
  // A prepaid order goes from the reservation straight to Odoo.
  const paid = policy === 'prepaid' ? reserved : reply(reserved.state, PaymentAuthorized.type, authorised(reserved.effects[0].id), 1);
  const confirmed = reply(paid.state, OdooCommandSucceeded.type, odooResult(paid.effects[0].id), 2, paid.effects[0].id);
  return reply(confirmed.state, ReservationCommitted.type, { reservationId: 'res-1', orderId: order.orderId, lines: reservedLines, occurredAt: new Date(at(3)) }, 3).state;
}
const dispatched = (shipmentId: string, lines: Array<[string, string, number]>): ShipmentDispatched => ({
  shipmentId,
  orderId: order.orderId,
  companyId: order.companyId,
  fromLocation: { locationId: 'wh-central', locationType: 'WAREHOUSE' },
  lines: lines.map(([lineId, sku, milli]) => ({ lineId, sku, quantity: { milli }, unitCost: null })),
  finalShipment: false,
  carrier: 'retail-sim',
  trackingNumber: `RS-${shipmentId}`,
  trackingUrl: null,
  shipTo: null,
  occurredAt: new Date(at(10)),
});
const deliveredOf = (shipmentId: string): ShipmentDelivered => ({ shipmentId, orderId: order.orderId, companyId: order.companyId, carrier: 'retail-sim', trackingNumber: `RS-${shipmentId}`, receivedBy: 'front door', proofOfDeliveryUrl: null, occurredAt: new Date(at(13)) });
const tracking = (shipmentId: string, status: ShipmentTrackingUpdated['status'], exceptionCode: string | null = null): ShipmentTrackingUpdated => ({
  shipmentId,
  orderId: order.orderId,
  companyId: order.companyId,
  carrier: 'retail-sim',
  trackingNumber: `RS-${shipmentId}`,
  status,
  exceptionCode,
  exceptionMessage: null,
  occurredAt: new Date(at(12)),
});
const capturedFor = (paymentId: string, captureId: string, shipmentId: string, amountMinor: number, finalCapture: boolean): PaymentCaptured => ({
  ...authorised(paymentId),
  captureId,
  shipmentId,
  finalCapture,
  amount: { amountMinor, currency: 'USD' },
});
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
    // Now the warehouse ships: nothing is sent until a carrier reports a parcel.
    expect(released.effects.filter((effect) => effect.kind === 'send')).toEqual([]);
    expect(released.state.step).toBe('awaitShipments');
    expect(orderStatuses(released.state)).toMatchObject({ status: 'released_to_warehouse', paymentStatus: 'authorised', fulfilmentStatus: 'released_to_warehouse' });
  });

  it('ships in two parcels: each gets its Odoo delivery and its share of the money; then invoiced, paid in Odoo, delivered and completed', () => {
    const released = releasedState();
    const paymentId = released.data.payment.paymentId;
    // Parcel 1: both shirts (line 1), 6998 of the 14997 of goods: 7229 of the 15492 authorised.
    const first = reply(released, ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 10);
    const [validate1, capture1] = first.effects.filter((effect) => effect.kind === 'send').map(command);
    expect(validate1).toMatchObject({ type: ValidateDelivery.type, payload: { shipmentId: 'SHIP-1', fromLocation: { locationId: 'wh-central' }, lines: [{ lineId: '1', quantity: { milli: 2000 } }], carrier: 'retail-sim', trackingNumber: 'RS-SHIP-1' } });
    expect(capture1).toMatchObject({ type: CapturePayment.type, payload: { paymentId, shipmentId: 'SHIP-1', amount: { amountMinor: 7229, currency: 'USD' }, finalCapture: false } });
    expect(orderStatuses(first.state)).toMatchObject({ status: 'partially_shipped', fulfilmentStatus: 'partially_shipped', paymentStatus: 'authorised' });
    // The carrier reports the same parcel again under another event id: recorded and captured once.
    expect(reply(first.state, ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 11).effects).toEqual([]);

    let state = reply(first.state, OdooCommandSucceeded.type, { ...odooResult(validate1.payload.commandId, ValidateDelivery.type), odooModel: 'stock.picking', odooRecordId: 7 }, 12, validate1.payload.commandId).state;
    state = reply(state, PaymentCaptured.type, capturedFor(paymentId!, capture1.payload.commandId, 'SHIP-1', 7229, false), 12).state;
    expect(orderStatuses(state)).toMatchObject({ status: 'partially_shipped', paymentStatus: 'partially_captured' });
    // Parcel 1 arrives before parcel 2 leaves: the delivery is kept for later.
    state = reply(state, ShipmentDelivered.type, deliveredOf('SHIP-1'), 13).state;

    // Parcel 2: the trail runner; the last parcel takes the rest of the authorisation.
    const second = reply(state, ShipmentDispatched.type, dispatched('SHIP-2', [['2', 'FTW-10002', 1000]]), 20);
    const [validate2, capture2] = second.effects.filter((effect) => effect.kind === 'send').map(command);
    expect(capture2).toMatchObject({ type: CapturePayment.type, payload: { shipmentId: 'SHIP-2', amount: { amountMinor: 15492 - 7229 }, finalCapture: true } });
    state = reply(second.state, PaymentCaptured.type, capturedFor(paymentId!, capture2.payload.commandId, 'SHIP-2', 8263, true), 21).state;
    expect(orderStatuses(state)).toMatchObject({ status: 'shipped', paymentStatus: 'captured', fulfilmentStatus: 'partially_delivered' });
    const validated = reply(state, OdooCommandSucceeded.type, { ...odooResult(validate2.payload.commandId, ValidateDelivery.type), odooModel: 'stock.picking', odooRecordId: 8 }, 22, validate2.payload.commandId);

    // Everything shipped and captured: nothing more to capture; the invoice is asked for.
    const [invoice] = validated.effects.filter((effect) => effect.kind === 'send').map(command);
    expect(invoice).toMatchObject({ type: CreateInvoice.type, payload: { orderId: order.orderId, lines: [], invoiceId: expect.any(String) } });
    expect(validated.timeline.map((entry) => [entry.step, entry.what])).toEqual([
      ['awaitShipments', 'completed'],
      ['capturePayment', 'skipped'],
      ['invoiceOrder', 'started'],
    ]);
    const invoiced = reply(validated.state, OdooCommandSucceeded.type, { ...odooResult(invoice.payload.commandId, CreateInvoice.type), odooModel: 'account.move', odooRecordId: 31, odooRecordName: 'INV/2026/00031' }, 23, invoice.payload.commandId);
    const [register] = invoiced.effects.map(command);
    expect(register).toMatchObject({ type: RegisterPayment.type, payload: { paymentId, invoiceId: (invoice.payload as CreateInvoice).invoiceId, amount: { amountMinor: 15492, currency: 'USD' }, journalCode: 'BNK1', paymentDate: at(23).slice(0, 10) } });
    expect(orderStatuses(invoiced.state)).toMatchObject({ status: 'shipped', detail: 'invoiced in Odoo as INV/2026/00031; registering the payment' });
    const paid = reply(invoiced.state, OdooCommandSucceeded.type, { ...odooResult(register.payload.commandId, RegisterPayment.type), odooModel: 'account.payment', odooRecordId: 5 }, 24, register.payload.commandId);
    expect(paid.state.step).toBe('awaitDelivery');

    // A late in-transit milestone changes nothing that matters; the second delivery completes the order.
    const moving = reply(paid.state, ShipmentTrackingUpdated.type, tracking('SHIP-2', 'IN_TRANSIT'), 25);
    expect(orderStatuses(moving.state)).toMatchObject({ status: 'shipped', fulfilmentStatus: 'partially_delivered', detail: '1 of 2 shipment(s) delivered' });
    const completed = reply(moving.state, ShipmentDelivered.type, deliveredOf('SHIP-2'), 30);
    expect(completed.state.status).toBe('completed');
    expect(orderStatuses(completed.state)).toEqual({ status: 'completed', paymentStatus: 'captured', fulfilmentStatus: 'delivered', detail: 'delivered; invoiced in Odoo as INV/2026/00031 and paid' });
    expect(completed.state.data.payment.capturedMinor).toBe(15492);
  });

  it("a customer's cancellation before Odoo confirms undoes what was done; after it, before anything ships, cancels the sale order too; once a parcel left, it is refused", () => {
    const reserved = reservedAndAuthorised();
    expect(decideCancellation(reserved.state)).toEqual({ outcome: 'cancel', undoAfterPivot: false });
    // Awaiting the sale order: its outcome is unknown, so it is cancelled too.
    const early = advance(saga, reserved.state, { kind: 'cancel', reason: CUSTOMER_CANCELLED, detail: 'requested by channel:web-us', at: at(2) });
    expect(early.effects.map((effect) => command(effect).type)).toEqual([CancelSaleOrder.type]);

    const atWarehouse = releasedState();
    expect(decideCancellation(atWarehouse)).toEqual({ outcome: 'cancel', undoAfterPivot: true });
    let result = advance(saga, atWarehouse, { kind: 'cancel', reason: CUSTOMER_CANCELLED, undoAfterPivot: true, at: at(5) });
    const undone: string[] = [];
    const confirmations: Record<string, (id: string) => [string, unknown, string?]> = {
      [CancelSaleOrder.type]: (id) => [OdooCommandSucceeded.type, odooResult(id, CancelSaleOrder.type), id],
      [VoidPayment.type]: () => [PaymentVoided.type, { orderId: order.orderId }],
      [ReleaseReservation.type]: () => [ReservationReleased.type, released()],
    };
    while (result.state.status === 'compensating') {
      const sent = result.effects.filter((effect) => effect.kind === 'send');
      const last = command(sent[sent.length - 1]);
      undone.push(last.type);
      const [type, payload, commandId] = confirmations[last.type](last.payload.commandId);
      result = reply(result.state, type, payload, 6, commandId);
    }
    expect(undone).toEqual([CancelSaleOrder.type, VoidPayment.type, ReleaseReservation.type]);
    expect(orderStatuses(result.state)).toMatchObject({ status: 'cancelled', paymentStatus: 'voided', fulfilmentStatus: 'stock_released' });
    expect(orderCancelled(order, result.state.failure!, new Date())).toMatchObject({ reason: 'CUSTOMER_REQUEST', cancelledBy: 'customer' });
    expect(decideCancellation(result.state)).toMatchObject({ outcome: 'already' });

    // Once a parcel left, only what has not shipped can be cancelled; once everything left, nothing.
    const shipped = reply(releasedState(), ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 10);
    expect(decideCancellation(shipped.state)).toEqual({ outcome: 'cancel-rest' });
    const everything = reply(releasedState(), ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000], ['2', 'FTW-10002', 1000]]), 10);
    expect(decideCancellation(everything.state)).toEqual({ outcome: 'refused', message: expect.stringContaining('1 parcel(s)') });
  });

  it('a till sale (POS) hands everything over at once: its Odoo delivery validated, the money captured in full, invoiced, completed without a carrier', () => {
    const data = orderSagaData(order, () => 'us-west', { policyOf: () => 'capture_at_once', gateway: 'retail-sim' });
    const started = advance(saga, newSaga(saga, order.orderId, data), { kind: 'start', at: at(0) });
    const reserved = reply(started.state, StockReserved.type, stockReserved(), 1);
    const paid = reply(reserved.state, PaymentAuthorized.type, authorised(reserved.effects[0].id), 1);
    const confirmed = reply(paid.state, OdooCommandSucceeded.type, odooResult(paid.effects[0].id), 2, paid.effects[0].id);
    const committed = reply(confirmed.state, ReservationCommitted.type, { reservationId: 'res-1', orderId: order.orderId, lines: reservedLines, occurredAt: new Date(at(3)) }, 3);
    const [handOver] = committed.effects.map(command);
    expect(handOver).toMatchObject({ type: ValidateDelivery.type, payload: { shipmentId: `till:${order.orderId}`, carrier: 'till', fromLocation: { locationId: 'wh-central' }, lines: [{ lineId: '1' }, { lineId: '2' }] } });
    expect(orderStatuses(committed.state)).toMatchObject({ detail: 'handing the goods over at the till' });
    const handedOver = reply(committed.state, OdooCommandSucceeded.type, odooResult(handOver.payload.commandId, ValidateDelivery.type), 4, handOver.payload.commandId);
    const [capture] = handedOver.effects.map(command);
    expect(capture).toMatchObject({ type: CapturePayment.type, payload: { amount: { amountMinor: 15492 }, finalCapture: true, shipmentId: null } });
    expect(handedOver.timeline.map((entry) => [entry.step, entry.what])).toEqual([
      ['handOverAtTill', 'completed'],
      ['awaitShipments', 'skipped'],
      ['capturePayment', 'started'],
    ]);
    const captured = reply(handedOver.state, PaymentCaptured.type, { ...authorised(paid.state.data.payment.paymentId!), captureId: capture.payload.commandId, shipmentId: null, finalCapture: true }, 5);
    const [invoice] = captured.effects.map(command);
    const invoiced = reply(captured.state, OdooCommandSucceeded.type, { ...odooResult(invoice.payload.commandId, CreateInvoice.type), odooRecordName: 'INV/2026/00007' }, 6, invoice.payload.commandId);
    const [register] = invoiced.effects.map(command);
    const finished = reply(invoiced.state, OdooCommandSucceeded.type, odooResult(register.payload.commandId, RegisterPayment.type), 7, register.payload.commandId);
    expect(finished.timeline.map((entry) => [entry.step, entry.what])).toEqual([
      ['registerPaymentInOdoo', 'completed'],
      ['awaitDelivery', 'skipped'],
      [null, 'finished'],
    ]);
    expect(orderStatuses(finished.state)).toMatchObject({ status: 'completed', paymentStatus: 'captured', fulfilmentStatus: 'delivered' });
  });

  it('a channel that ships what is there keeps the available quantities, re-priced for payment and Odoo, and cancels the rest; with nothing available it cancels', () => {
    const data = orderSagaData(order, () => 'us-west', { policyOf: () => 'authorise_then_capture', gateway: 'retail-sim', shortStockRuleOf: () => 'ship_available' });
    const started = advance(saga, newSaga(saga, order.orderId, data), { kind: 'start', at: at(0) });
    // Line 1 (2 shirts, 6998) has 1 left; line 2 is covered.
    const rejection: ReservationRejected = { orderId: order.orderId, reason: 'INSUFFICIENT_STOCK', shortLines: [{ lineId: '1', sku: 'APP-10001', requested: { milli: 2000 }, available: { milli: 1000 } }], occurredAt: new Date(at(1)) };
    const short = reply(started.state, ReservationRejected.type, rejection, 1);
    const [again] = short.effects.map(command);
    expect(again).toMatchObject({ type: ReserveStock.type, payload: { lines: [{ lineId: '1', quantity: { milli: 1000 } }, { lineId: '2', quantity: { milli: 1000 } }] } });
    expect(again.payload.commandId).not.toBe(started.effects[0].id);
    expect(short.state.data.payment.amount).toEqual({ amountMinor: 15492 - 3499, currency: 'USD' });
    expect(short.state.data.shortStock!.cancelled).toEqual([{ lineId: '1', sku: 'APP-10001', cancelledMilli: 1000 }]);

    const reserved = reply(short.state, StockReserved.type, stockReserved(), 2);
    expect(command(reserved.effects[0])).toMatchObject({ type: AuthorisePayment.type, payload: { amount: { amountMinor: 11993 } } });
    const authorisedNow = reply(reserved.state, PaymentAuthorized.type, authorised(reserved.effects[0].id), 3);
    const create = command(authorisedNow.effects[0]) as { payload: CreateSaleOrder };
    expect(create.payload.lines.map((line) => [line.lineId, line.quantity.milli, line.total.amountMinor])).toEqual([
      ['1', 1000, 3499],
      ['2', 1000, 7999],
    ]);
    expect(create.payload.totals).toMatchObject({ linesTotal: { amountMinor: 11498 }, shipping: { amountMinor: 495 }, grandTotal: { amountMinor: 11993 } });

    // Nothing at all of any line: cancelled as on any shortage.
    const none: ReservationRejected = { ...rejection, shortLines: [{ lineId: '1', sku: 'APP-10001', requested: { milli: 2000 }, available: { milli: 0 } }, { lineId: '2', sku: 'FTW-10002', requested: { milli: 1000 }, available: { milli: 0 } }] };
    expect(reply(started.state, ReservationRejected.type, none, 1).state.status).toBe('compensated');
    // Short again on the second try: cancelled.
    expect(reply(short.state, ReservationRejected.type, rejection, 2).state).toMatchObject({ status: 'compensated', failure: { reason: 'OUT_OF_STOCK' } });
  });

  it('a customer cancelling after the first parcel keeps what left (invoiced, captured) and undoes the rest: stock released, Odoo cut to what was delivered, the rest of the money released', () => {
    const atWarehouse = releasedState();
    const paymentId = atWarehouse.data.payment.paymentId!;
    const first = reply(atWarehouse, ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 10);
    const [validate, capture] = first.effects.filter((effect) => effect.kind === 'send').map(command);
    let state = reply(first.state, OdooCommandSucceeded.type, odooResult(validate.payload.commandId, ValidateDelivery.type), 11, validate.payload.commandId).state;
    state = reply(state, PaymentCaptured.type, capturedFor(paymentId, capture.payload.commandId, 'SHIP-1', 7229, false), 12).state;
    expect(decideCancellation(state)).toEqual({ outcome: 'cancel-rest' });

    const cancelling = reply(state, CANCEL_REMAINDER, { detail: 'requested by channel:web-us' }, 13);
    const undos = cancelling.effects.map(command);
    expect(undos.map((undo) => undo.type)).toEqual([ReleaseReservation.type, CancelSaleOrder.type]);
    expect(undos[1].payload).toMatchObject({ keepDelivered: true });
    expect(cancelling.state.data.remainder).toMatchObject({ cancelled: [{ lineId: '2', sku: 'FTW-10002', cancelledMilli: 1000 }] });
    // The shirts (69.98) and the shipping (4.95), as Odoo invoices them: 2.64 more than the first parcel's share.
    expect(cancelling.state.data.payment.amount.amountMinor).toBe(6998 + 495);
    expect(decideCancellation(cancelling.state)).toMatchObject({ outcome: 'already' });

    state = reply(cancelling.state, ReservationReleased.type, released(), 14).state;
    const settled = reply(state, OdooCommandSucceeded.type, odooResult(undos[1].payload.commandId, CancelSaleOrder.type), 14, undos[1].payload.commandId);
    expect(settled.timeline.map((entry) => [entry.step, entry.what])).toEqual([
      ['awaitShipments', 'completed'],
      ['capturePayment', 'started'],
    ]);
    // The final capture takes what is still owed and releases the rest of the authorisation.
    expect(command(settled.effects[0])).toMatchObject({ type: CapturePayment.type, payload: { amount: { amountMinor: 7493 - 7229 }, finalCapture: true, shipmentId: null } });
    expect(orderStatuses(settled.state)).toMatchObject({ status: 'shipped', paymentStatus: 'partially_captured', fulfilmentStatus: 'shipped' });
  });

  it('captures once, at the end, for a channel that captures when everything has shipped', () => {
    const released = releasedState('authorise_then_capture_at_end');
    const first = reply(released, ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000], ['2', 'FTW-10002', 1000]]), 10);
    const sends = first.effects.filter((effect) => effect.kind === 'send').map(command);
    expect(sends.map((effect) => effect.type)).toEqual([ValidateDelivery.type]);
    const settled = reply(first.state, OdooCommandSucceeded.type, odooResult(sends[0].payload.commandId, ValidateDelivery.type), 11, sends[0].payload.commandId);
    const [capture] = settled.effects.map(command);
    expect(capture).toMatchObject({ type: CapturePayment.type, payload: { shipmentId: null, amount: { amountMinor: 15492 }, finalCapture: true } });
  });

  it('sends to review a shipment Odoo will not validate, one that carries more than the order has left, and a parcel returned to the sender', () => {
    const released = releasedState();
    const first = reply(released, ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 10);
    const [validate] = first.effects.filter((effect) => effect.kind === 'send').map(command);
    const refused = reply(first.state, OdooCommandFailed.type, { ...odooRefusal(validate.payload.commandId), commandType: ValidateDelivery.type, errorMessage: 'sale order S00042 has no open delivery to validate' }, 11, validate.payload.commandId);
    expect(refused.review).toMatchObject([{ step: 'awaitShipments', reason: 'DELIVERY_NOT_VALIDATED', detail: expect.stringContaining('SHIP-1') }]);
    expect(orderStatuses(refused.state)).toMatchObject({ status: 'flagged_for_review', fulfilmentStatus: 'partially_shipped' });

    const tooMuch = reply(released, ShipmentDispatched.type, dispatched('SHIP-9', [['1', 'APP-10001', 3000]]), 10);
    expect(tooMuch.review).toMatchObject([{ reason: 'SHIPMENT_MISMATCH', detail: expect.stringContaining('APP-10001 (line 1)') }]);
    expect(tooMuch.effects).toEqual([]);

    const exception = reply(first.state, ShipmentTrackingUpdated.type, tracking('SHIP-1', 'EXCEPTION', 'ADDRESS_NOT_FOUND'), 12);
    expect(exception.review).toEqual([]);
    expect(exception.state.data.shipments![0]).toMatchObject({ status: 'exception', exception: 'ADDRESS_NOT_FOUND' });
    const returned = reply(exception.state, ShipmentTrackingUpdated.type, tracking('SHIP-1', 'RETURNED_TO_SENDER', 'ADDRESS_NOT_FOUND'), 13);
    expect(returned.review).toMatchObject([{ reason: 'RETURNED_TO_SENDER', detail: expect.stringContaining('SHIP-1') }]);
    expect(orderStatuses(returned.state)).toMatchObject({ status: 'flagged_for_review', fulfilmentStatus: 'returned_to_sender' });
  });

  it('resends a capture the gateway does not confirm with the same id, then sends it to review (the goods are gone: nothing is undone)', () => {
    const first = reply(releasedState('authorise_then_capture_at_end'), ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000], ['2', 'FTW-10002', 1000]]), 10);
    const validate = first.effects.find((effect) => effect.kind === 'send')!;
    const released = reply(first.state, OdooCommandSucceeded.type, odooResult(validate.id, ValidateDelivery.type), 11, validate.id);
    expect(command(released.effects[0]).type).toBe(CapturePayment.type);
    let state = released.state;
    for (let i = 0; i < 2; i++) {
      const resent = advance(saga, state, timeoutOf(state, state.deadline!.at));
      expect(resent.effects.map((effect) => effect.id)).toEqual([released.effects[0].id]);
      state = resent.state;
    }
    const reviewed = advance(saga, state, timeoutOf(state, state.deadline!.at));
    expect(reviewed.state.status).toBe('in_review');
    expect(reviewed.review).toMatchObject([{ step: 'capturePayment', reason: 'STEP_TIMED_OUT' }]);
    expect(orderStatuses(reviewed.state)).toMatchObject({ status: 'flagged_for_review', paymentStatus: 'authorised', fulfilmentStatus: 'shipped' });
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

describe('refunds in the order saga', () => {
  // 20.00 off the order: the shipments' shares carry a part of it each, what is kept carries all of it,
  // so a rest-cancel after the first parcel leaves more captured than is owed.
  const discounted = buildOrder(placeOrderRequestSchema.parse(webOrderRequest({ orderDiscount: { amountMinor: 2000, currency: 'USD' } })), { orderId: order.orderId, acceptedAt: order.acceptedAt });
  const refundIssued = (refund: RefundPayment): RefundIssued => ({
    refundId: refund.refundId,
    paymentId: 'payment',
    orderId: order.orderId,
    companyId: order.companyId,
    returnId: refund.returnId,
    gateway: 'retail-sim',
    gatewayReference: 're_sim_1',
    method: 'CARD',
    amount: refund.amount,
    reason: refund.reason,
    occurredAt: new Date(at(15)),
  });

  /** The first parcel (the shirts) shipped and captured, then the rest cancelled by the customer. */
  function cancelledAfterFirstParcel(policy: PaymentPolicy = 'authorise_then_capture') {
    const atWarehouse = releasedState(policy, discounted);
    expect(atWarehouse.data.payment.amount.amountMinor).toBe(13492);
    const first = reply(atWarehouse, ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 10);
    const [validate, capture] = first.effects.filter((effect) => effect.kind === 'send').map(command);
    let state = reply(first.state, OdooCommandSucceeded.type, odooResult(validate.payload.commandId, ValidateDelivery.type), 11, validate.payload.commandId).state;
    if (capture) {
      // 13492 × 6998 / 14997 of the authorisation.
      expect((capture.payload as CapturePayment).amount).toEqual({ amountMinor: 6296, currency: 'USD' });
      state = reply(state, PaymentCaptured.type, capturedFor(state.data.payment.paymentId!, capture.payload.commandId, 'SHIP-1', 6296, false), 12).state;
    }
    expect(decideCancellation(state)).toEqual({ outcome: 'cancel-rest' });
    return reply(state, CANCEL_REMAINDER, { detail: 'requested by channel:web-us' }, 13);
  }
  /** The rest's stock released and Odoo cut to what was delivered (and the void confirmed when one was sent). */
  function undone(cancelling: SagaResult<OrderSagaData>, state = cancelling.state) {
    const undos = cancelling.effects.map(command);
    state = reply(state, ReservationReleased.type, released(), 14).state;
    if (undos.some((undo) => undo.type === VoidPayment.type)) state = reply(state, PaymentVoided.type, { orderId: order.orderId }, 14).state;
    const cancelSaleOrder = undos.find((undo) => undo.type === CancelSaleOrder.type)!;
    return reply(state, OdooCommandSucceeded.type, odooResult(cancelSaleOrder.payload.commandId, CancelSaleOrder.type), 14, cancelSaleOrder.payload.commandId);
  }

  it('refunds what the captures took beyond the re-priced total, then invoices and registers what the customer paid in the end', () => {
    const cancelling = cancelledAfterFirstParcel();
    const undos = cancelling.effects.map(command);
    expect(undos.map((undo) => undo.type)).toEqual([ReleaseReservation.type, CancelSaleOrder.type, VoidPayment.type, RefundPayment.type]);
    // The shirts (69.98) with the whole discount (−20.00) and the shipping (4.95): 54.93 owed, 62.96 captured.
    expect(cancelling.state.data.payment.amount.amountMinor).toBe(5493);
    const refund = undos[3].payload as RefundPayment;
    expect(refund).toMatchObject({ orderId: order.orderId, returnId: null, amount: { amountMinor: 803, currency: 'USD' }, reason: expect.stringContaining('6296 USD captured, 5493 USD owed') });
    // Derived like the command id (the same parts), so a replay asks for the same refund.
    expect(refund.refundId).toBe(refund.commandId);
    expect(cancelling.timeline).toContainEqual(expect.objectContaining({ step: 'awaitShipments', what: 'waiting', detail: expect.stringContaining('so 803 USD is refunded') }));

    // Released, cut and voided: the step still waits for the refund.
    const settledButRefund = undone(cancelling);
    expect(settledButRefund.state.step).toBe('awaitShipments');
    // A return's refund of the same order is not the saga's: nothing changes.
    const returns = reply(settledButRefund.state, RefundIssued.type, { ...refundIssued(refund), refundId: 'a-return-refund', returnId: 'return-1' }, 15);
    expect(returns.ignored).toBeDefined();
    const refunded = reply(settledButRefund.state, RefundIssued.type, refundIssued(refund), 15);
    expect(refunded.timeline.map((entry) => [entry.step, entry.what])).toEqual([
      ['awaitShipments', 'completed'],
      ['capturePayment', 'skipped'],
      ['invoiceOrder', 'started'],
    ]);
    expect(refunded.state.data.payment).toMatchObject({ capturedMinor: 6296, refundedMinor: 803 });
    expect(orderStatuses(refunded.state)).toMatchObject({ paymentStatus: 'partially_refunded' });
    expect(reply(refunded.state, RefundIssued.type, refundIssued(refund), 16).ignored).toBeDefined();

    const [invoice] = refunded.effects.map(command);
    const invoiced = reply(refunded.state, OdooCommandSucceeded.type, { ...odooResult(invoice.payload.commandId, CreateInvoice.type), odooModel: 'account.move' }, 17, invoice.payload.commandId);
    expect(command(invoiced.effects[0])).toMatchObject({ type: RegisterPayment.type, payload: { amount: { amountMinor: 5493, currency: 'USD' } } });
  });

  it('sends a refund the gateway refuses to review: the money cannot go back by itself', () => {
    const cancelling = cancelledAfterFirstParcel();
    const refund = cancelling.effects.map(command).find((undo) => undo.type === RefundPayment.type)!.payload as RefundPayment;
    const refused: RefundFailed = { refundId: refund.refundId, orderId: order.orderId, companyId: order.companyId, returnId: null, gateway: 'retail-sim', amount: refund.amount, reason: 'gateway answered 400: amount must be between 1 and 500', occurredAt: new Date(at(15)) };
    const failed = reply(undone(cancelling).state, RefundFailed.type, refused, 15);
    expect(failed.review).toMatchObject([{ step: 'awaitShipments', reason: 'REFUND_FAILED', detail: expect.stringContaining('803 USD captured beyond what the customer owes after the cancellation was refused: gateway answered 400') }]);
    expect(failed.state.data.remainder?.refund).toMatchObject({ state: 'failed' });
    expect(orderStatuses(failed.state)).toMatchObject({ status: 'flagged_for_review', paymentStatus: 'captured' });
  });

  it('a channel that captures at the end captures only what is owed: nothing to refund', () => {
    const cancelling = cancelledAfterFirstParcel('authorise_then_capture_at_end');
    expect(cancelling.effects.map((effect) => command(effect).type)).toEqual([ReleaseReservation.type, CancelSaleOrder.type]);
    const settled = undone(cancelling);
    expect(command(settled.effects[0])).toMatchObject({ type: CapturePayment.type, payload: { amount: { amountMinor: 5493 }, finalCapture: true } });
  });

  it("a prepaid (marketplace) order's rest can be cancelled: what the channel must pay back is recorded as due, no gateway is asked", () => {
    const cancelling = cancelledAfterFirstParcel('prepaid');
    expect(cancelling.effects.map((effect) => command(effect).type)).toEqual([ReleaseReservation.type, CancelSaleOrder.type]);
    // The channel collected 134.92; 54.93 is owed for the shirts.
    expect(cancelling.state.data.remainder).toMatchObject({ refund: null, refundDue: { amountMinor: 13492 - 5493, currency: 'USD' } });
    expect(cancelling.timeline).toContainEqual(expect.objectContaining({ what: 'waiting', detail: expect.stringContaining('7999 USD is due back to the customer from the channel (no gateway refund') }));
    const settled = undone(cancelling);
    expect(settled.timeline.map((entry) => [entry.step, entry.what])).toEqual([
      ['awaitShipments', 'completed'],
      ['capturePayment', 'skipped'],
      ['invoiceOrder', 'started'],
    ]);
    expect(orderStatuses(settled.state)).toMatchObject({ paymentStatus: 'prepaid' });
  });

  it("an operator's retry after a refused rest-cancel refund asks again, as a new refund; once issued the journey goes on", () => {
    const cancelling = cancelledAfterFirstParcel();
    const refund = cancelling.effects.map(command).find((undo) => undo.type === RefundPayment.type)!.payload as RefundPayment;
    const refused: RefundFailed = { refundId: refund.refundId, orderId: order.orderId, companyId: order.companyId, returnId: null, gateway: 'retail-sim', amount: refund.amount, reason: 'gateway answered 500 too often', occurredAt: new Date(at(15)) };
    const failed = reply(undone(cancelling).state, RefundFailed.type, refused, 15);
    const retried = advance(saga, failed.state, { kind: 'resolve', reviewId: failed.state.review!.id, action: 'retry', by: 'operator:alice', at: at(20) });
    const [again] = retried.effects.map(command);
    expect(again).toMatchObject({ type: RefundPayment.type, payload: { amount: { amountMinor: 803 } } });
    expect((again.payload as RefundPayment).refundId).not.toBe(refund.refundId);
    // A late answer about the refused refund changes nothing; the new one's answer ends the step.
    expect(reply(retried.state, RefundIssued.type, refundIssued(refund), 21).ignored).toBeDefined();
    const issued = reply(retried.state, RefundIssued.type, refundIssued(again.payload as RefundPayment), 21);
    expect(issued.timeline.map((entry) => [entry.step, entry.what])).toEqual([
      ['awaitShipments', 'completed'],
      ['capturePayment', 'skipped'],
      ['invoiceOrder', 'started'],
    ]);
    expect(issued.state.data.payment).toMatchObject({ refundedMinor: 803 });
  });

  it('an order an operator cancels after its capture (a parcel returned to the sender) has the rest voided and the captured money refunded', () => {
    const first = reply(releasedState(), ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 10);
    const [validate, capture] = first.effects.filter((effect) => effect.kind === 'send').map(command);
    let state = reply(first.state, OdooCommandSucceeded.type, odooResult(validate.payload.commandId, ValidateDelivery.type), 11, validate.payload.commandId).state;
    state = reply(state, PaymentCaptured.type, capturedFor(state.data.payment.paymentId!, capture.payload.commandId, 'SHIP-1', 7229, false), 12).state;
    const returned = reply(state, ShipmentTrackingUpdated.type, tracking('SHIP-1', 'RETURNED_TO_SENDER', 'ADDRESS_NOT_FOUND'), 13);
    let result = advance(saga, returned.state, { kind: 'resolve', reviewId: returned.review[0].id, action: 'cancel', by: 'operator:alice', note: 'refund the customer', at: at(20) });
    const undos: string[] = [];
    let refund: RefundPayment | undefined;
    while (result.state.status === 'compensating') {
      const sent = result.effects.filter((effect) => effect.kind === 'send').map(command);
      const last = sent[sent.length - 1];
      undos.push(last.type);
      if (last.type === RefundPayment.type) refund = last.payload as RefundPayment;
      const [type, payload, commandId]: [string, unknown, string?] =
        last.type === CancelSaleOrder.type
          ? [OdooCommandSucceeded.type, odooResult(last.payload.commandId, CancelSaleOrder.type), last.payload.commandId]
          : last.type === VoidPayment.type
            ? [PaymentVoided.type, { orderId: order.orderId }]
            : last.type === RefundPayment.type
              ? [RefundIssued.type, refundIssued(last.payload as RefundPayment)]
              : [ReservationReleased.type, released()];
      result = reply(result.state, type, payload, 21, commandId);
    }
    expect(undos).toEqual([CancelSaleOrder.type, VoidPayment.type, RefundPayment.type, ReleaseReservation.type]);
    expect(refund).toMatchObject({ returnId: null, amount: { amountMinor: 7229, currency: 'USD' }, reason: 'order cancelled after its payment was captured' });
    expect(orderStatuses(result.state)).toMatchObject({ status: 'cancelled', paymentStatus: 'refunded' });
  });

  it('a parcel returned to the sender after its capture goes to review naming the captured share, refunded on cancel or when it is received back as a return', () => {
    const first = reply(releasedState(), ShipmentDispatched.type, dispatched('SHIP-1', [['1', 'APP-10001', 2000]]), 10);
    const [validate, capture] = first.effects.filter((effect) => effect.kind === 'send').map(command);
    let state = reply(first.state, OdooCommandSucceeded.type, odooResult(validate.payload.commandId, ValidateDelivery.type), 11, validate.payload.commandId).state;
    state = reply(state, PaymentCaptured.type, capturedFor(state.data.payment.paymentId!, capture.payload.commandId, 'SHIP-1', 7229, false), 12).state;
    const returned = reply(state, ShipmentTrackingUpdated.type, tracking('SHIP-1', 'RETURNED_TO_SENDER', 'ADDRESS_NOT_FOUND'), 13);
    expect(returned.effects).toEqual([]);
    expect(returned.review).toMatchObject([{ reason: 'RETURNED_TO_SENDER', detail: expect.stringContaining('7229 USD was captured for it (refunded if the order is cancelled, or when the parcel is received back as a return)') }]);
  });
});
