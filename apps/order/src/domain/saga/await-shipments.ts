import {
  CancelSaleOrder,
  CapturePayment,
  OdooCommandFailed,
  OdooCommandSucceeded,
  PaymentCaptured,
  PaymentVoided,
  RefundFailed,
  RefundIssued,
  ReleaseReservation,
  ReservationReleased,
  ShipmentDelivered,
  ShipmentDispatched,
  ShipmentTrackingUpdated,
  ValidateDelivery,
  VoidPayment,
} from '@omnibus/contracts';
import { change, done, failed, Instruction, Replies, sagaCommandId, sagaStep, send, StepContext, StepOutcome, waiting } from '@omnibus/saga';
import type { OrderSagaData, SagaRefund, SagaShipment } from './order-saga-data';
import { answers, currentRefund, refundPayment } from './refunds';
import { allShipped, findShipment, lineQuantities, overShipped, shipmentAmountMinor, shipmentsSettled, unshipped, withShipment } from './shipments';
import { either, shipmentTimeout, shipmentWaitMs, substitutionReplies, substitutionsSettled } from './substitutions';

export const AWAIT_SHIPMENTS = 'awaitShipments';

/** The saga input of a customer's cancellation of what has not shipped yet (no Kafka event: the order service's own). */
export const CANCEL_REMAINDER = 'omnibus.order.CancelRemainder';

/**
 * Follows the order out of the warehouse, one parcel at a time: each shipment a carrier reports
 * dispatched gets its own Odoo delivery validated (the rest stays on a backorder) and, for channels that
 * capture on shipment, its share of the money captured (the last one takes the rest of the
 * authorisation). Done once nothing is left to ship, every delivery is validated and every capture
 * confirmed. After the pivot: Odoo refusing a delivery or the parcel coming back goes to review.
 * Deliveries reported meanwhile are recorded for the delivery step.
 */
export const awaitShipments = (timeouts: { stepMs: number }) =>
  sagaStep<OrderSagaData>(AWAIT_SHIPMENTS, {
    // Sagas older than shipments carry on to the capture as they began; a till sale has handed everything over.
    // (Not while the refund of a rest-cancel is outstanding: an operator's retry after its refusal asks again.)
    skipIf: (data) => data.shipments === undefined || (data.shipments.length > 0 && allShipped(data) && shipmentsSettled(data) && (data.remainder?.refund?.state ?? 'issued') === 'issued'),
    // An operator's retry after a refused refund asks for it again, as a new refund.
    action: (data, context) => (data.remainder?.refund?.state === 'failed' ? refundPayment(data, restRefundOf(data, context)!, REST_REFUND_REASON, 'refund:rest') : change('awaitShipments', { orderId: data.orderId })),
    // Line substitutions proposed while the order is with the warehouse (substitutions.ts).
    on: withSubstitutions({
      [ShipmentDispatched.type]: {
        matches: (reply, data) => (reply.payload as ShipmentDispatched).orderId === data.orderId,
        handle: (reply, data, context) => shipmentDispatched(reply.payload as ShipmentDispatched, data, context),
      },
      [OdooCommandSucceeded.type]: {
        matches: (reply, data) => validationOf(data, reply.payload as OdooCommandSucceeded) !== undefined || remainderCancelledInOdoo(data, reply.payload as OdooCommandSucceeded),
        handle: (reply, data) => {
          const result = reply.payload as OdooCommandSucceeded;
          if (remainderCancelledInOdoo(data, result)) return progress({ ...data, remainder: { ...data.remainder!, odooCancelled: true } });
          return progress(withShipment(data, validationOf(data, result)!.shipmentId, (shipment) => ({ ...shipment, validated: true })));
        },
      },
      [OdooCommandFailed.type]: {
        matches: (reply, data) => validationOf(data, reply.payload as OdooCommandFailed) !== undefined,
        handle: (reply, data) => {
          const result = reply.payload as OdooCommandFailed;
          const shipment = validationOf(data, result)!;
          return failed('DELIVERY_NOT_VALIDATED', `Odoo did not validate the delivery of shipment ${shipment.shipmentId} (${result.failure}): ${result.errorMessage}`);
        },
      },
      [PaymentCaptured.type]: {
        matches: (reply, data) => {
          const captured = reply.payload as PaymentCaptured;
          return captured.shipmentId !== null && findShipment(data, captured.shipmentId)?.capture === 'pending';
        },
        handle: (reply, data) => {
          const captured = reply.payload as PaymentCaptured;
          const next = withShipment(data, captured.shipmentId!, (shipment) => ({ ...shipment, capture: 'captured' }));
          const capturedMinor = (data.payment.capturedMinor ?? 0) + captured.amount.amountMinor;
          return progress({ ...next, payment: { ...next.payment, capturedMinor, status: captured.finalCapture ? 'captured' : 'partially_captured' } });
        },
      },
      [CANCEL_REMAINDER]: (reply, data, context) => cancelRemainder(data, context),
      // Only the refund this step asked for; a return's refund of the same order is not the saga's.
      [RefundIssued.type]: {
        matches: (reply, data, context) => pendingRefund(data, context, (reply.payload as RefundIssued).refundId) !== undefined,
        handle: (reply, data, context) => {
          const issued = reply.payload as RefundIssued;
          const refund: SagaRefund = { ...restRefundOf(data, context)!, state: 'issued' };
          const next = { ...data, remainder: { ...data.remainder!, refund }, payment: { ...data.payment, refundedMinor: (data.payment.refundedMinor ?? 0) + issued.amount.amountMinor } };
          return progress(next, `refund ${issued.refundId} of ${issued.amount.amountMinor} ${issued.amount.currency} issued (${issued.gatewayReference})`);
        },
      },
      // Money that cannot go back automatically: a person settles it with the customer.
      [RefundFailed.type]: {
        matches: (reply, data, context) => pendingRefund(data, context, (reply.payload as RefundFailed).refundId) !== undefined,
        handle: (reply, data, context) => {
          const refused = reply.payload as RefundFailed;
          const next = { ...data, remainder: { ...data.remainder!, refund: { ...restRefundOf(data, context)!, state: 'failed' as const } } };
          return failed('REFUND_FAILED', `the refund of ${refused.amount.amountMinor} ${refused.amount.currency} captured beyond what the customer owes after the cancellation was refused: ${refused.reason}`, next);
        },
      },
      [ReservationReleased.type]: {
        matches: (_reply, data) => data.remainder?.released === false,
        handle: (_reply, data) => progress({ ...data, remainder: { ...data.remainder!, released: true } }),
      },
      [PaymentVoided.type]: {
        matches: (_reply, data) => data.remainder?.voided === false,
        // What was captured stays; the rest of the authorisation is released.
        handle: (_reply, data) => progress({ ...data, remainder: { ...data.remainder!, voided: true }, payment: { ...data.payment, status: 'captured' } }),
      },
      [ShipmentDelivered.type]: {
        matches: (reply, data) => findShipment(data, (reply.payload as ShipmentDelivered).shipmentId) !== undefined,
        handle: (reply, data) => waiting(withShipment(data, (reply.payload as ShipmentDelivered).shipmentId, (shipment) => ({ ...shipment, status: 'delivered' }))),
      },
      [ShipmentTrackingUpdated.type]: {
        matches: (reply, data) => findShipment(data, (reply.payload as ShipmentTrackingUpdated).shipmentId) !== undefined,
        handle: (reply, data) => trackingUpdated(reply.payload as ShipmentTrackingUpdated, data),
      },
    }),
    // The first customer's answer to a substitution due, or the shipments overdue.
    timeoutMs: (data, context) => shipmentWaitMs(data, context, timeouts.stepMs),
    // Nothing to resend: the warehouse ships when it ships. A shipment overdue this long is reviewed;
    // a substitution unanswered by then expires.
    onTimeout: (data, context) => shipmentTimeout(data, context, timeouts.stepMs),
    resends: 0,
  });

function withSubstitutions(replies: Replies<OrderSagaData>): Replies<OrderSagaData> {
  const substitutions = substitutionReplies(progress);
  return Object.fromEntries([...new Set([...Object.keys(replies), ...Object.keys(substitutions)])].map((type) => [type, either(substitutions[type], replies[type])]));
}

function shipmentDispatched(dispatched: ShipmentDispatched, data: OrderSagaData, context: StepContext): StepOutcome<OrderSagaData> {
  // A carrier may report one parcel twice (under two event ids): it is recorded and captured once.
  if (findShipment(data, dispatched.shipmentId)) return waiting(data);
  const lines = dispatched.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, milli: line.quantity.milli }));
  const beyond = overShipped(data, lines);
  if (beyond.length > 0) return failed('SHIPMENT_MISMATCH', `shipment ${dispatched.shipmentId} carries more than the order has left to ship: ${beyond.join(', ')}`);
  const validationCommandId = sagaCommandId({ saga: 'order', sagaId: data.orderId, step: AWAIT_SHIPMENTS, phase: 'action', attempt: context.attempt, key: `delivery:${dispatched.shipmentId}` });
  const draft: SagaShipment = {
    shipmentId: dispatched.shipmentId,
    carrier: dispatched.carrier,
    trackingNumber: dispatched.trackingNumber,
    fromLocationId: dispatched.fromLocation.locationId,
    lines,
    final: false,
    validationCommandId,
    validated: false,
    capture: 'none',
    captureMinor: 0,
    status: 'dispatched',
    exception: null,
  };
  const final = allShipped({ ...data, shipments: [...(data.shipments ?? []), draft] });
  const capturesNow = (data.payment.policy === 'authorise_then_capture' || data.payment.policy === 'pay_by_link') && (data.payment.status === 'authorised' || data.payment.status === 'partially_captured');
  const captureMinor = capturesNow ? shipmentAmountMinor(data, lines, final) : 0;
  const shipment: SagaShipment = { ...draft, final, capture: captureMinor > 0 ? 'pending' : 'none', captureMinor };
  const emit: Instruction[] = [
    send(
      ValidateDelivery.type,
      { orderId: data.orderId, shipmentId: shipment.shipmentId, companyId: data.companyId, fromLocation: dispatched.fromLocation, lines: lineQuantities(shipment), carrier: shipment.carrier, trackingNumber: shipment.trackingNumber },
      { key: `delivery:${shipment.shipmentId}` },
    ),
  ];
  if (shipment.capture === 'pending') {
    emit.push(
      send(
        CapturePayment.type,
        {
          orderId: data.orderId,
          companyId: data.companyId,
          gateway: data.payment.gateway,
          paymentId: data.payment.paymentId,
          gatewayReference: data.payment.gatewayReference,
          amount: { amountMinor: captureMinor, currency: data.payment.amount.currency },
          shipmentId: shipment.shipmentId,
          finalCapture: final,
        },
        { key: `capture:${shipment.shipmentId}` },
      ),
    );
  }
  const next = { ...data, shipments: [...(data.shipments ?? []), shipment] };
  return final && shipmentsSettled(next) && substitutionsSettled(next) ? done(next, emit) : waiting(next, emit);
}

/** A carrier milestone: recorded on the shipment; a parcel returned to the sender is a failure (review). */
export function trackingUpdated(update: ShipmentTrackingUpdated, data: OrderSagaData): StepOutcome<OrderSagaData> {
  const exception = update.exceptionCode ? `${update.exceptionCode}${update.exceptionMessage ? `: ${update.exceptionMessage}` : ''}` : null;
  const status = TRACKING_STATUS[update.status];
  if (!status) return waiting(data);
  const next = withShipment(data, update.shipmentId, (shipment) => ({ ...shipment, status, exception: exception ?? shipment.exception }));
  // The parcel is on its way back: reship it (a corrected address) or take it back is a person's decision,
  // and the money follows the goods: the operator's `cancel` undoes the order and refunds what was
  // captured (the payment step's undo); received back as a return, the returns service refunds it.
  if (status === 'returned_to_sender') {
    const shipment = findShipment(next, update.shipmentId)!;
    const money =
      shipment.capture === 'none'
        ? 'nothing was captured for it'
        : `${shipment.captureMinor} ${data.payment.amount.currency} was captured for it (refunded if the order is cancelled, or when the parcel is received back as a return)`;
    return failed('RETURNED_TO_SENDER', `${update.carrier} is returning shipment ${update.shipmentId} to the sender${exception ? ` (${exception})` : ''}; ${money}`, next);
  }
  return waiting(next);
}

const TRACKING_STATUS: Record<ShipmentTrackingUpdated['status'], SagaShipment['status'] | undefined> = {
  IN_TRANSIT: 'in_transit',
  OUT_FOR_DELIVERY: 'out_for_delivery',
  EXCEPTION: 'exception',
  RETURNED_TO_SENDER: 'returned_to_sender',
  UNKNOWN: undefined,
};

/** The shipment whose ValidateDelivery an adapter result answers. */
function validationOf(data: OrderSagaData, result: OdooCommandSucceeded | OdooCommandFailed): SagaShipment | undefined {
  if (result.commandType !== ValidateDelivery.type) return undefined;
  return (data.shipments ?? []).find((shipment) => shipment.validationCommandId === result.commandId);
}

function progress(data: OrderSagaData, detail?: string): StepOutcome<OrderSagaData> {
  const remainderSettled = !data.remainder || (data.remainder.released && data.remainder.odooCancelled && data.remainder.voided && (data.remainder.refund?.state ?? 'issued') === 'issued');
  return allShipped(data) && shipmentsSettled(data) && remainderSettled && substitutionsSettled(data) ? done(data) : waiting(data, undefined, { detail });
}

function pendingRefund(data: OrderSagaData, context: StepContext, refundId: string): SagaRefund | undefined {
  const refund = restRefundOf(data, context);
  return answers(refund, refundId) ? refund : undefined;
}

/** The rest-cancel's refund (of what the captures took beyond what is owed) as asked for, or as this attempt asks for it again. */
function restRefundOf(data: OrderSagaData, context: StepContext): SagaRefund | undefined {
  const asked = data.remainder?.refund;
  return asked ? currentRefund(asked, restRefundId(data, context.attempt), asked.amountMinor) : undefined;
}

function restRefundId(data: OrderSagaData, attempt: number): string {
  return sagaCommandId({ saga: 'order', sagaId: data.orderId, step: AWAIT_SHIPMENTS, phase: 'action', attempt, key: 'refund:rest' });
}

const REST_REFUND_REASON = 'the customer cancelled what had not shipped: what was captured beyond what is owed goes back';

function remainderCancelledInOdoo(data: OrderSagaData, result: OdooCommandSucceeded): boolean {
  return result.commandType === CancelSaleOrder.type && data.remainder?.odooCancelled === false;
}

/**
 * The customer cancels what has not shipped: the order keeps what left, re-priced as Odoo invoices it,
 * and the rest is undone: its stock released, Odoo's open deliveries cancelled and its lines cut to
 * what was delivered, and the rest of the authorisation released (voided, or by the final capture of
 * what is still owed). What the shipments' captures took beyond the re-priced total (an order discount
 * is spread over the shipments' shares but kept whole on what is kept) is refunded through the gateway;
 * a prepaid channel collected the money itself, so what it must pay back is recorded as due, for the
 * channel, and no gateway is asked. The journey then goes on to the capture and the invoice.
 */
function cancelRemainder(data: OrderSagaData, context: StepContext): StepOutcome<OrderSagaData> {
  if (data.remainder) return waiting(data);
  const left = unshipped(data);
  const cancelled = data.lines.filter((line) => (left.get(line.lineId) ?? 0) > 0).map((line) => ({ lineId: line.lineId, sku: line.sku, cancelledMilli: left.get(line.lineId)! }));
  if (cancelled.length === 0) return waiting(data);
  const lines = data.lines
    .map((line) => ({ ...line, quantity: { milli: line.quantity.milli - Math.max(left.get(line.lineId) ?? 0, 0) } }))
    .filter((line) => line.quantity.milli > 0);
  // What the customer now pays: the kept quantities' share of each line, and the shipping and order
  // discount as ordered (they were for the order, not per unit), as Odoo will invoice it.
  const values = data.lineValues ?? {};
  const extras = data.payment.amount.amountMinor - Object.values(values).reduce((total, value) => total + value, 0);
  const keptValue = data.lines.reduce((total, line) => total + Math.round(((values[line.lineId] ?? 0) * (line.quantity.milli - Math.max(left.get(line.lineId) ?? 0, 0))) / line.quantity.milli), 0);
  const amountMinor = Math.max(keptValue + extras, 0);
  // Captured (or being captured) beyond that: the rest of the authorisation is voided; short of it, the
  // capture step takes the difference as the final capture, which releases the rest too.
  const capturing = (data.shipments ?? []).reduce((total, shipment) => total + (shipment.capture === 'none' ? 0 : shipment.captureMinor), 0);
  const voids = capturing > 0 && amountMinor <= capturing && (data.payment.status === 'authorised' || data.payment.status === 'partially_captured');
  const currency = data.payment.amount.currency;
  const overpaidMinor = data.payment.policy === 'prepaid' ? data.payment.amount.amountMinor - amountMinor : capturing - amountMinor;
  const refund: SagaRefund | null =
    data.payment.policy !== 'prepaid' && overpaidMinor > 0
      ? { refundId: restRefundId(data, context.attempt), amountMinor: overpaidMinor, state: 'pending' }
      : null;
  const refundDue = data.payment.policy === 'prepaid' && overpaidMinor > 0 ? { amountMinor: overpaidMinor, currency } : null;
  const next: OrderSagaData = {
    ...data,
    lines,
    remainder: { cancelled, released: false, odooCancelled: false, voided: !voids, refund, refundDue },
    payment: { ...data.payment, amount: { amountMinor, currency } },
  };
  const emit: Instruction[] = [
    send(ReleaseReservation.type, { orderId: data.orderId, reason: 'ORDER_CANCELLED' satisfies ReleaseReservation['reason'] }, { key: 'rest' }),
    send(CancelSaleOrder.type, { orderId: data.orderId, companyId: data.companyId, reason: 'the customer cancelled what had not shipped', keepDelivered: true }, { key: 'rest' }),
  ];
  if (voids) {
    emit.push(
      send(
        VoidPayment.type,
        { orderId: data.orderId, companyId: data.companyId, gateway: data.payment.gateway, paymentId: data.payment.paymentId, gatewayReference: data.payment.gatewayReference, reason: 'the customer cancelled what had not shipped' },
        { key: 'rest' },
      ),
    );
  }
  const money = (minor: number) => `${minor} ${currency}`;
  const why = refund
    ? `cancelled what had not shipped: ${money(amountMinor)} owed for what shipped, ${money(capturing)} captured, so ${money(refund.amountMinor)} is refunded (refund ${refund.refundId})`
    : refundDue
      ? `cancelled what had not shipped: ${money(amountMinor)} owed for what shipped; the channel collected ${money(data.payment.amount.amountMinor)}, so ${money(refundDue.amountMinor)} is due back to the customer from the channel (no gateway refund: the channel holds the money)`
      : `cancelled what had not shipped: ${money(amountMinor)} owed for what shipped, ${money(capturing)} captured`;
  if (refund) emit.push(refundPayment(next, refund, `the customer cancelled what had not shipped: ${money(capturing)} captured, ${money(amountMinor)} owed for what shipped`, 'refund:rest'));
  return waiting(next, emit, { detail: why });
}
