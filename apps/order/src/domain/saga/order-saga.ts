import { defineSaga, SagaDefinition } from '@omnibus/saga';
import { authorisePayment } from './authorise-payment';
import { awaitDelivery } from './await-delivery';
import { awaitShipments } from './await-shipments';
import { capturePayment } from './capture-payment';
import { createSaleOrder } from './create-sale-order';
import { handOverAtTill } from './hand-over-at-till';
import { invoiceOrder, registerPaymentInOdoo } from './invoice-order';
import type { OrderSagaData } from './order-saga-data';
import { releaseToWarehouse } from './release-to-warehouse';
import { reserveStock } from './reserve-stock';

export interface OrderSagaTimeouts {
  reservationMs: number;
  /** How long the authorisation may take before the saga asks the gateway what became of it. */
  paymentMs: number;
  odooMs: number;
  compensationMs: number;
  reviewSlaMs: number;
  /** How long the warehouse may take to ship everything before the order is reviewed. */
  shipmentMs?: number;
  /** How long the carriers may take to deliver everything before the order is reviewed. */
  deliveryMs?: number;
  /** Code of the Odoo journal the captured money is registered in (the gateway's bank journal). */
  paymentJournalCode?: string;
}

const DAY_MS = 24 * 3600_000;

export type OrderSaga = SagaDefinition<OrderSagaData>;

/**
 * The order journey. Before the pivot a failure undoes what was done, newest first (voids the
 * authorisation, releases the reservation); once Odoo has the confirmed sale order, failures go to
 * review. After the warehouse has the order: each shipment's Odoo delivery and capture, the rest
 * captured, the invoice and its payment in Odoo, the deliveries, then completed.
 * Still version 1: every step added since skips itself for an instance that started without its data
 * (no payment, no shipments), so an instance started by an older definition carries on.
 */
export function orderSaga(timeouts: OrderSagaTimeouts): OrderSaga {
  return defineSaga<OrderSagaData>({
    name: 'order',
    version: 1,
    steps: [
      reserveStock({ stepMs: timeouts.reservationMs, compensationMs: timeouts.compensationMs }),
      authorisePayment({ stepMs: timeouts.paymentMs, compensationMs: timeouts.compensationMs }),
      createSaleOrder({ stepMs: timeouts.odooMs, compensationMs: timeouts.compensationMs }),
      releaseToWarehouse({ stepMs: timeouts.reservationMs }),
      handOverAtTill({ stepMs: timeouts.odooMs }),
      awaitShipments({ stepMs: timeouts.shipmentMs ?? 14 * DAY_MS }),
      capturePayment({ stepMs: timeouts.paymentMs }),
      invoiceOrder({ stepMs: timeouts.odooMs }),
      registerPaymentInOdoo({ stepMs: timeouts.odooMs, journalCode: timeouts.paymentJournalCode ?? 'BNK1' }),
      awaitDelivery({ stepMs: timeouts.deliveryMs ?? 30 * DAY_MS }),
    ],
    pivot: 'createSaleOrder',
    reviewSlaMs: timeouts.reviewSlaMs,
  });
}
