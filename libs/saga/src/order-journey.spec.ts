/**
 * The order journey of issue 10 written with the engine, with made-up command names: proof that the
 * shape holds the real thing (a skipped step, a status query on timeout, a pivot, partial shipments with
 * a capture each, a multi-reply delivery step). The real order saga lives in apps/order.
 */
import { change, defineSaga, done, failed, sagaStep, send, waiting } from './definition';
import { advance, newSaga, SagaEffect, SagaInput, SagaState, timeoutOf } from './engine';
import { at } from './test/checkout-saga';

interface Shipment {
  id: string;
  skus: string[];
  delivered: boolean;
}

interface OrderJourney {
  orderId: string;
  skus: string[];
  amount: number;
  /** Channel policy: web and app capture per shipment; others at the end; marketplace orders arrive paid. */
  capture: 'per-shipment' | 'at-end';
  paidUpFront: boolean;
  saleOrderId?: string;
  shipments: Shipment[];
  capturedFor: string[];
}

const ofOrder = (payload: unknown, data: OrderJourney) => (payload as { orderId: string }).orderId === data.orderId;
const payloadOf = <T>(payload: unknown) => payload as T;
const allShipped = (data: OrderJourney) => data.skus.every((sku) => data.shipments.some((shipment) => shipment.skus.includes(sku)));
const allCaptured = (data: OrderJourney) => data.capture !== 'per-shipment' || data.paidUpFront || data.shipments.every((shipment) => data.capturedFor.includes(shipment.id));

const reserveStock = sagaStep<OrderJourney>('reserveStock', {
  action: (d) => send('ReserveStock', { orderId: d.orderId, skus: d.skus }),
  on: { StockReserved: () => done(), ReservationRejected: () => failed('OUT_OF_STOCK') },
  timeoutMs: 30_000,
  compensation: { run: (d) => send('ReleaseReservation', { orderId: d.orderId }), on: { ReservationReleased: () => done() }, timeoutMs: 30_000 },
});

const authorisePayment = sagaStep<OrderJourney>('authorisePayment', {
  skipIf: (d) => d.paidUpFront,
  action: (d) => send('AuthorisePayment', { orderId: d.orderId, amount: d.amount }),
  on: { PaymentAuthorised: () => done(), PaymentDeclined: () => failed('PAYMENT_DECLINED') },
  timeoutMs: 60_000,
  // A timeout is an unknown outcome, not a failure: ask the gateway once before undoing anything.
  onTimeout: (d, ctx) => (ctx.timeouts === 1 ? waiting(d, [send('QueryPaymentStatus', { orderId: d.orderId }, { key: 'status-query' })]) : failed('STEP_TIMED_OUT')),
  compensation: { run: (d) => send('VoidPayment', { orderId: d.orderId }), on: { PaymentVoided: () => done() }, timeoutMs: 60_000 },
});

const confirmOrder = sagaStep<OrderJourney>('confirmOrder', {
  action: (d) => change('markOrderConfirmed', { orderId: d.orderId }),
  compensation: { run: (d) => change('markOrderCancelled', { orderId: d.orderId }) },
});

const createSaleOrder = sagaStep<OrderJourney>('createSaleOrder', {
  action: (d) => send('CreateOdooSaleOrder', { orderId: d.orderId }),
  on: {
    OdooCommandSucceeded: (r, d) => done({ ...d, saleOrderId: payloadOf<{ recordId: string }>(r.payload).recordId }),
    OdooCommandFailed: () => failed('ODOO_REJECTED'),
  },
  timeoutMs: 120_000,
  compensation: { run: (d) => send('CancelOdooSaleOrder', { saleOrderId: d.saleOrderId }), on: { OdooCommandSucceeded: () => done() }, timeoutMs: 120_000 },
});

const releaseToWarehouse = sagaStep<OrderJourney>('releaseToWarehouse', {
  action: (d) => send('ReleaseToWarehouse', { saleOrderId: d.saleOrderId }),
  on: { OdooCommandSucceeded: () => done() },
  timeoutMs: 120_000,
});

const awaitShipments = sagaStep<OrderJourney>('awaitShipments', {
  action: (d) => change('markAwaitingShipment', { orderId: d.orderId }),
  on: {
    ShipmentDispatched: {
      matches: (r, d) => ofOrder(r.payload, d),
      handle: (r, d) => {
        const { shipmentId, skus, amount } = payloadOf<{ shipmentId: string; skus: string[]; amount: number }>(r.payload);
        // The carrier may report one shipment twice (with two event ids): it is only recorded and captured once.
        if (d.shipments.some((shipment) => shipment.id === shipmentId)) return waiting(d);
        const next = { ...d, shipments: [...d.shipments, { id: shipmentId, skus, delivered: false }] };
        const capture = d.capture === 'per-shipment' && !d.paidUpFront ? [send('CapturePayment', { orderId: d.orderId, amount }, { key: shipmentId })] : [];
        return allShipped(next) && allCaptured(next) ? done(next, capture) : waiting(next, capture);
      },
    },
    PaymentCaptured: (r, d) => {
      const next = { ...d, capturedFor: [...new Set([...d.capturedFor, payloadOf<{ shipmentId: string }>(r.payload).shipmentId])] };
      return allShipped(next) && allCaptured(next) ? done(next) : waiting(next);
    },
    CarrierException: (r) => failed('CARRIER_EXCEPTION', payloadOf<{ what: string }>(r.payload).what),
  },
  timeoutMs: 14 * 24 * 3600_000,
});

const capturePayment = sagaStep<OrderJourney>('capturePayment', {
  skipIf: (d) => d.paidUpFront || d.capture === 'per-shipment',
  action: (d) => send('CapturePayment', { orderId: d.orderId, amount: d.amount }),
  on: { PaymentCaptured: () => done(), CaptureFailed: () => failed('CAPTURE_FAILED') },
  timeoutMs: 60_000,
});

const invoice = sagaStep<OrderJourney>('invoice', {
  action: (d) => send('CreateOdooInvoice', { saleOrderId: d.saleOrderId, amount: d.amount }),
  on: { OdooCommandSucceeded: () => done() },
  timeoutMs: 120_000,
});

const awaitDelivery = sagaStep<OrderJourney>('awaitDelivery', {
  action: (d) => change('markAwaitingDelivery', { orderId: d.orderId }),
  on: {
    ShipmentDelivered: {
      matches: (r, d) => d.shipments.some((shipment) => shipment.id === payloadOf<{ shipmentId: string }>(r.payload).shipmentId),
      handle: (r, d) => {
        const { shipmentId } = payloadOf<{ shipmentId: string }>(r.payload);
        const next = { ...d, shipments: d.shipments.map((shipment) => (shipment.id === shipmentId ? { ...shipment, delivered: true } : shipment)) };
        return next.shipments.every((shipment) => shipment.delivered) ? done(next) : waiting(next);
      },
    },
  },
  timeoutMs: 30 * 24 * 3600_000,
});

const completeOrder = sagaStep<OrderJourney>('completeOrder', { action: (d) => change('markOrderCompleted', { orderId: d.orderId }) });

// The whole journey on one screen.
const orderSaga = defineSaga<OrderJourney>({
  name: 'order',
  version: 1,
  steps: [reserveStock, authorisePayment, confirmOrder, createSaleOrder, releaseToWarehouse, awaitShipments, capturePayment, invoice, awaitDelivery, completeOrder],
  pivot: 'releaseToWarehouse',
});

const order = (policy: Partial<OrderJourney> = {}): SagaState<OrderJourney> =>
  newSaga(orderSaga, 'order-7', { orderId: 'order-7', skus: ['A', 'B'], amount: 100, capture: 'per-shipment', paidUpFront: false, shipments: [], capturedFor: [], ...policy });

/** Feeds inputs one by one; each may be a function of the commands sent so far (to echo their ids). */
function journey(state: SagaState<OrderJourney>, inputs: Array<SagaInput | ((sent: SagaEffect[], state: SagaState<OrderJourney>) => SagaInput)>) {
  const sent: SagaEffect[] = [];
  const ignored: string[] = [];
  for (const next of inputs) {
    const input = typeof next === 'function' ? next(sent, state) : next;
    const result = advance(orderSaga, state, input);
    if (result.ignored) ignored.push(result.ignored.reason);
    sent.push(...result.effects);
    state = result.state;
  }
  return { state, sent, ignored };
}

let clock = 0;
const tick = () => at(++clock);
/** A reply to the last command of that name, echoing its id. */
const answer = (command: string, type: string, payload: unknown = {}) => (sent: SagaEffect[]): SagaInput => {
  const effect = [...sent].reverse().find((candidate) => candidate.name === command);
  if (!effect) throw new Error(`no ${command} was sent`);
  return { kind: 'reply', reply: { type, payload, commandId: effect.id, eventId: `evt-${clock}` }, at: tick() };
};
const event = (type: string, payload: unknown, eventId: string): SagaInput => ({ kind: 'reply', reply: { type, payload, eventId }, at: tick() });
const start: SagaInput = { kind: 'start', at: at(0) };
const upToWarehouse = [
  start,
  answer('ReserveStock', 'StockReserved'),
  answer('AuthorisePayment', 'PaymentAuthorised'),
  answer('CreateOdooSaleOrder', 'OdooCommandSucceeded', { recordId: 'SO042' }),
  answer('ReleaseToWarehouse', 'OdooCommandSucceeded'),
];
const shipped = (shipmentId: string, skus: string[], amount: number, eventId = `ship-${shipmentId}`) =>
  event('ShipmentDispatched', { orderId: 'order-7', shipmentId, skus, amount }, eventId);
const captured = (shipmentId: string) => (sent: SagaEffect[]): SagaInput => {
  const capture = sent.find((effect) => effect.name === 'CapturePayment' && effect.key === shipmentId)!;
  return { kind: 'reply', reply: { type: 'PaymentCaptured', payload: { shipmentId }, commandId: capture.id, eventId: `cap-${shipmentId}` }, at: tick() };
};

describe('the order journey of issue 10, written with the engine', () => {
  it('web order: reserved, authorised, confirmed, in Odoo, released, shipped in two parts each captured, invoiced, delivered, completed', () => {
    const { state, sent, ignored } = journey(order(), [
      ...upToWarehouse,
      shipped('S1', ['A'], 40),
      shipped('S1', ['A'], 40, 'ship-S1-again'),
      captured('S1'),
      shipped('S2', ['B'], 60),
      captured('S2'),
      answer('CreateOdooInvoice', 'OdooCommandSucceeded'),
      event('ShipmentDelivered', { shipmentId: 'S1' }, 'del-1'),
      event('ShipmentDelivered', { shipmentId: 'S1' }, 'del-1'),
      event('ShipmentDelivered', { shipmentId: 'S2' }, 'del-2'),
    ]);
    expect(sent.map((effect) => effect.name)).toEqual([
      'ReserveStock',
      'AuthorisePayment',
      'markOrderConfirmed',
      'CreateOdooSaleOrder',
      'ReleaseToWarehouse',
      'markAwaitingShipment',
      'CapturePayment',
      'CapturePayment',
      'CreateOdooInvoice',
      'markAwaitingDelivery',
      'markOrderCompleted',
    ]);
    const captures = sent.filter((effect) => effect.name === 'CapturePayment');
    expect(captures.map((effect) => effect.payload)).toEqual([{ orderId: 'order-7', amount: 40 }, { orderId: 'order-7', amount: 60 }]);
    expect(new Set(captures.map((effect) => effect.id)).size).toBe(2);
    expect(state.status).toBe('completed');
    // The repeated dispatch report is handled (and changes nothing); the repeated delivery event is a duplicate.
    expect(ignored).toEqual(['duplicate']);
  });

  it('a channel that captures at the end takes the money once, for the whole amount, after the last shipment', () => {
    const { state, sent } = journey(order({ capture: 'at-end' }), [
      ...upToWarehouse,
      shipped('S1', ['A'], 40),
      shipped('S2', ['B'], 60),
      answer('CapturePayment', 'PaymentCaptured', { shipmentId: 'all' }),
      answer('CreateOdooInvoice', 'OdooCommandSucceeded'),
      event('ShipmentDelivered', { shipmentId: 'S1' }, 'd1'),
      event('ShipmentDelivered', { shipmentId: 'S2' }, 'd2'),
    ]);
    expect(sent.filter((effect) => effect.name === 'CapturePayment').map((effect) => effect.payload)).toEqual([{ orderId: 'order-7', amount: 100 }]);
    expect(state.status).toBe('completed');
  });

  it('a marketplace order (already paid) is neither authorised nor captured', () => {
    const { state, sent } = journey(order({ paidUpFront: true }), [
      start,
      answer('ReserveStock', 'StockReserved'),
      answer('CreateOdooSaleOrder', 'OdooCommandSucceeded', { recordId: 'SO9' }),
      answer('ReleaseToWarehouse', 'OdooCommandSucceeded'),
      shipped('S1', ['A', 'B'], 100),
      answer('CreateOdooInvoice', 'OdooCommandSucceeded'),
      event('ShipmentDelivered', { shipmentId: 'S1' }, 'd1'),
    ]);
    expect(sent.map((effect) => effect.name)).not.toContain('AuthorisePayment');
    expect(sent.map((effect) => effect.name)).not.toContain('CapturePayment');
    expect(state.status).toBe('completed');
  });

  it('Odoo refusing the sale order cancels the order, voids the payment and releases the stock, in that order', () => {
    const { state, sent } = journey(order(), [
      start,
      answer('ReserveStock', 'StockReserved'),
      answer('AuthorisePayment', 'PaymentAuthorised'),
      answer('CreateOdooSaleOrder', 'OdooCommandFailed'),
      answer('VoidPayment', 'PaymentVoided'),
      answer('ReleaseReservation', 'ReservationReleased'),
    ]);
    expect(sent.filter((effect) => effect.phase === 'compensation').map((effect) => effect.name)).toEqual(['markOrderCancelled', 'VoidPayment', 'ReleaseReservation']);
    expect(state).toMatchObject({ status: 'compensated', failure: { step: 'createSaleOrder', reason: 'ODOO_REJECTED' } });
  });

  it('an authorisation timeout queries the gateway first; an authorisation found that way carries on', () => {
    const { state, sent } = journey(order(), [
      start,
      answer('ReserveStock', 'StockReserved'),
      (_sent, s) => timeoutOf(s, at(200)),
      answer('QueryPaymentStatus', 'PaymentAuthorised'),
    ]);
    expect(sent.map((effect) => effect.name)).toEqual(['ReserveStock', 'AuthorisePayment', 'QueryPaymentStatus', 'markOrderConfirmed', 'CreateOdooSaleOrder']);
    expect(state).toMatchObject({ status: 'running', step: 'createSaleOrder' });
  });

  it('a second authorisation timeout undoes the authorisation that may have happened, then the reservation', () => {
    const { state, sent } = journey(order(), [
      start,
      answer('ReserveStock', 'StockReserved'),
      (_sent, s) => timeoutOf(s, at(200)),
      (_sent, s) => timeoutOf(s, at(400)),
      answer('VoidPayment', 'PaymentVoided'),
      answer('ReleaseReservation', 'ReservationReleased'),
    ]);
    expect(sent.map((effect) => effect.name).slice(-2)).toEqual(['VoidPayment', 'ReleaseReservation']);
    expect(state).toMatchObject({ status: 'compensated', failure: { step: 'authorisePayment', reason: 'STEP_TIMED_OUT' } });
  });

  it('a carrier exception after release goes to manual review; nothing is undone', () => {
    const { state, sent } = journey(order(), [...upToWarehouse, shipped('S1', ['A'], 40), event('CarrierException', { what: 'parcel damaged' }, 'ex-1')]);
    expect(sent.filter((effect) => effect.phase === 'compensation')).toEqual([]);
    expect(state.review).toMatchObject({ step: 'awaitShipments', reason: 'CARRIER_EXCEPTION', detail: 'parcel damaged', allowedActions: ['retry', 'cancel', 'accept'] });
  });
});
