import {
  AuthorisePayment,
  contractFor,
  CreateSaleOrder,
  PaymentAuthorized,
  PaymentDeclined,
  PaymentLinkSent,
  PaymentNotFound,
  PaymentVoided,
  QueryPayment,
  ReleaseReservation,
  ReservationReleased,
  StockReserved,
  VoidPayment,
} from '@omnibus/contracts';
import { advance, newSaga, SagaEffect, SagaResult, SagaState, timeoutOf } from '@omnibus/saga';
import { paymentAuthorized, webOrderRequest } from '../../../test/orders';
import { buildOrder } from '../order';
import { sagaCommand } from '../order-messages';
import { orderView } from '../order-view';
import { placeOrderRequestSchema } from '../place-order-request';
import { orderSaga } from './order-saga';
import { OrderSagaData, orderSagaData } from './order-saga-data';
import { orderStatuses } from './order-statuses';

// The call-centre policy pay_by_link without I/O: the saga sends a link, waits while the customer tries, and gives up with the link.
const saga = orderSaga({ reservationMs: 30_000, paymentMs: 60_000, odooMs: 600_000, compensationMs: 60_000, reviewSlaMs: 3_600_000 });
const LINK_MS = 3_600_000;
const order = buildOrder(placeOrderRequestSchema.parse(webOrderRequest({ channel: { channelId: 'call-centre-us', kind: 'CALL_CENTRE' }, paymentReference: undefined })), {
  orderId: '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0b02',
  acceptedAt: new Date('2026-03-11T09:41:13.000Z'),
});
const at = (seconds: number) => new Date(order.acceptedAt.getTime() + seconds * 1000).toISOString();
let eventCounter = 0;

function reply(state: SagaState<OrderSagaData>, type: string, payload: unknown, seconds: number, commandId?: string): SagaResult<OrderSagaData> {
  return advance(saga, state, { kind: 'reply', reply: { type, payload, eventId: `event-${++eventCounter}`, ...(commandId ? { commandId } : {}) }, at: at(seconds) });
}
/** The effect as its contract, checked against the Avro schema. */
function command(effect: SagaEffect) {
  const mapped = sagaCommand(effect, order, new Date(at(0)));
  expect(contractFor(mapped.type)!.validate(mapped.payload as never)).toEqual([]);
  return mapped;
}

/** Stock reserved: the saga asks the connector for a payment link. */
function awaitingLink(): SagaResult<OrderSagaData> {
  const data = orderSagaData(order, () => 'us-west', { policyOf: () => 'pay_by_link', gateway: 'retail-sim', linkTimeoutMs: LINK_MS });
  const started = advance(saga, newSaga(saga, order.orderId, data), { kind: 'start', at: at(0) });
  const reserved: StockReserved = { reservationId: 'res-1', orderId: order.orderId, lines: [], expiresAt: new Date(at(900)), occurredAt: new Date(at(1)) };
  return reply(started.state, StockReserved.type, reserved, 1);
}
const linkSent = (paymentId: string): PaymentLinkSent => ({
  paymentId,
  orderId: order.orderId,
  companyId: order.companyId,
  gateway: 'retail-sim',
  url: 'http://127.0.0.1:3010/pay/cs_0001',
  expiresAt: new Date(Date.parse(at(1)) + LINK_MS),
  occurredAt: new Date(at(2)),
});
const declined = (paymentId: string): PaymentDeclined => ({
  paymentId,
  orderId: order.orderId,
  companyId: order.companyId,
  gateway: 'retail-sim',
  gatewayReference: null,
  method: 'CARD',
  amount: order.totals.grandTotal,
  declineCode: 'card_declined',
  reason: 'Your card was declined.',
  occurredAt: new Date(at(30)),
});
const authorised = (paymentId: string): PaymentAuthorized => paymentAuthorized(order, paymentId, new Date(at(40)));
const view = (state: SagaState<OrderSagaData>) =>
  orderView({ order, statuses: orderStatuses(state), saga: state, history: [], timeline: [], reviews: [] });

describe('pay by link (call centre)', () => {
  it('asks for a link that lapses after ORDER_PAYMENT_LINK_TIMEOUT_MS and waits until then, plus the payment timeout', () => {
    const reserved = awaitingLink();
    const authorise = command(reserved.effects[0]);
    expect(authorise).toMatchObject({ type: AuthorisePayment.type, payload: { payByLink: true, linkExpiresAt: new Date(Date.parse(at(1)) + LINK_MS), paymentToken: null } });
    expect(reserved.state.deadline?.at).toBe(new Date(Date.parse(at(1)) + LINK_MS + 60_000).toISOString());
  });

  it('link sent → waiting, the link in the order; a decline → still waiting, the decline recorded; authorised → Odoo', () => {
    const reserved = awaitingLink();
    const paymentId = reserved.effects[0].id;
    const sent = reply(reserved.state, PaymentLinkSent.type, linkSent(paymentId), 2);
    expect(sent.effects).toEqual([]);
    expect(sent.state).toMatchObject({ status: 'running', step: 'authorisePayment', awaiting: true });
    expect(sent.state.deadline).toEqual(reserved.state.deadline);
    expect(view(sent.state).payment).toMatchObject({ policy: 'pay_by_link', link: { url: 'http://127.0.0.1:3010/pay/cs_0001', expiresAt: new Date(Date.parse(at(1)) + LINK_MS).toISOString() }, lastDecline: null });
    expect(orderStatuses(sent.state)).toMatchObject({ status: 'stock_reserved', paymentStatus: 'pending', detail: expect.stringContaining('payment by link') });

    const tried = reply(sent.state, PaymentDeclined.type, declined(paymentId), 30);
    expect(tried.effects).toEqual([]);
    expect(tried.state).toMatchObject({ status: 'running', step: 'authorisePayment', awaiting: true, failure: null });
    expect(view(tried.state).payment).toMatchObject({ lastDecline: { declineCode: 'card_declined', reason: 'Your card was declined.', at: at(30) } });

    const paid = reply(tried.state, PaymentAuthorized.type, authorised(paymentId), 40);
    expect(paid.effects.map((effect) => effect.name)).toEqual([CreateSaleOrder.type]);
    expect(paid.state.data.payment).toMatchObject({ status: 'authorised', paymentId, gatewayReference: 'pi_sim_00000001' });
    expect(orderStatuses(paid.state)).toMatchObject({ status: 'payment_authorised', paymentStatus: 'authorised' });
  });

  it('a lapsed link: query → not found → the link is voided (expired) and the stock released → cancelled', () => {
    const reserved = awaitingLink();
    const paymentId = reserved.effects[0].id;
    const sent = reply(reserved.state, PaymentLinkSent.type, linkSent(paymentId), 2);
    const lapsed = advance(saga, sent.state, timeoutOf(sent.state, sent.state.deadline!.at));
    const query = command(lapsed.effects[0]);
    expect(query).toMatchObject({ type: QueryPayment.type, payload: { paymentId } });
    // The status query waits the ordinary payment timeout, not another link's lifetime.
    expect(lapsed.state.deadline?.at).toBe(new Date(Date.parse(sent.state.deadline!.at) + 60_000).toISOString());

    const notFound: PaymentNotFound = { commandId: lapsed.effects[0].id, paymentId, orderId: order.orderId, companyId: order.companyId, gateway: 'retail-sim', occurredAt: new Date() };
    const gaveUp = reply(lapsed.state, PaymentNotFound.type, notFound, 3700, lapsed.effects[0].id);
    expect(gaveUp.state.failure).toMatchObject({ step: 'authorisePayment', reason: 'PAYMENT_LINK_LAPSED' });
    const voidCommand = command(gaveUp.effects[0]);
    expect(voidCommand).toMatchObject({ type: VoidPayment.type, payload: { paymentId, gatewayReference: null } });
    expect(orderStatuses(gaveUp.state)).toMatchObject({ status: 'cancelling' });

    const voided: PaymentVoided = { paymentId, orderId: order.orderId, companyId: order.companyId, gateway: 'retail-sim', gatewayReference: 'cs_0001', amount: order.totals.grandTotal, reason: 'order cancelled', occurredAt: new Date() };
    const expired = reply(gaveUp.state, PaymentVoided.type, voided, 3701);
    expect(command(expired.effects[0]).type).toBe(ReleaseReservation.type);
    const released = reply(expired.state, ReservationReleased.type, { reservationId: 'res-1', orderId: order.orderId, reason: 'order cancelled', lines: [], occurredAt: new Date() }, 3702);
    expect(released.state.status).toBe('compensated');
    expect(orderStatuses(released.state)).toMatchObject({ status: 'cancelled', paymentStatus: 'voided' });
  });

  it('a second silence after the lapse also voids the link before cancelling', () => {
    const reserved = awaitingLink();
    const lapsed = advance(saga, reserved.state, timeoutOf(reserved.state, reserved.state.deadline!.at));
    const silent = advance(saga, lapsed.state, timeoutOf(lapsed.state, lapsed.state.deadline!.at));
    expect(silent.state.failure).toMatchObject({ step: 'authorisePayment', reason: 'STEP_TIMED_OUT' });
    expect(silent.effects.map((effect) => effect.name)).toEqual([VoidPayment.type]);
  });

  it('web orders still send no link fields and fail on a decline', () => {
    const data = orderSagaData(buildOrder(placeOrderRequestSchema.parse(webOrderRequest()), { orderId: order.orderId, acceptedAt: order.acceptedAt }), () => 'us-west', {
      policyOf: () => 'authorise_then_capture',
      gateway: 'retail-sim',
      linkTimeoutMs: LINK_MS,
    });
    expect(data.payment).not.toHaveProperty('link');
    const started = advance(saga, newSaga(saga, order.orderId, data), { kind: 'start', at: at(0) });
    const reserved = reply(started.state, StockReserved.type, { reservationId: 'res-1', orderId: order.orderId, lines: [], expiresAt: new Date(at(900)), occurredAt: new Date(at(1)) }, 1);
    expect(reserved.effects[0].payload).not.toHaveProperty('payByLink');
    // The contract's defaults are filled in where the command is mapped (the compiled codec wants every field).
    expect(command(reserved.effects[0]).payload).toMatchObject({ payByLink: false, linkExpiresAt: null });
    expect(reserved.state.deadline?.at).toBe(at(61));
    const refused = reply(reserved.state, PaymentDeclined.type, declined(reserved.effects[0].id), 2);
    expect(refused.state.failure).toMatchObject({ reason: 'PAYMENT_DECLINED' });
  });
});
