import type { OdooCommandFailed, OdooCommandSucceeded } from '@omnibus/contracts';

/**
 * Where an order is in its journey. This first slice goes straight from acceptance to the Odoo sale
 * order; reservation and payment steps will sit between them.
 *
 *   accepted ──OdooCommandSucceeded──▶ confirmed_in_odoo
 *      │                                   ▲
 *      └──OdooCommandFailed──▶ flagged_for_review ──(command re-driven and succeeded)
 */
export const ORDER_STATUSES = ['accepted', 'confirmed_in_odoo', 'flagged_for_review'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What the saga knows about an order when an Odoo result arrives. */
export interface OrderProgress {
  status: OrderStatus;
  /** The CreateSaleOrder command issued when the order was accepted. */
  saleOrderCommandId: string;
  odooSaleOrder: OdooSaleOrder | null;
}

export interface OdooSaleOrder {
  id: number;
  name: string | null;
}

export interface StatusChange {
  change: 'status';
  to: OrderStatus;
  /** For the status history, in words. */
  detail: string;
  odooSaleOrder?: OdooSaleOrder;
  review?: { failure: string; message: string };
}

export interface NoChange {
  change: 'none';
  /** Why the result changes nothing (logged). */
  reason: string;
}

export type OdooResultDecision = StatusChange | NoChange;

type SaleOrderResult = Pick<OdooCommandSucceeded, 'commandId' | 'odooRecordId' | 'odooRecordName' | 'alreadyApplied'>;
type SaleOrderFailure = Pick<OdooCommandFailed, 'commandId' | 'failure' | 'errorMessage' | 'retryable'>;

/**
 * The Odoo adapter created (or found) the order's sale order. Results arrive at least once, and a
 * replayed command yields a second success with `alreadyApplied`, so every repeat changes nothing.
 * A flagged order recovers when an operator re-drives its command and it succeeds.
 */
export function onSaleOrderCreated(order: OrderProgress, result: SaleOrderResult): OdooResultDecision {
  if (result.commandId !== order.saleOrderCommandId) {
    return { change: 'none', reason: `result of command ${result.commandId}, not of this order's CreateSaleOrder ${order.saleOrderCommandId}` };
  }
  const saleOrder = { id: result.odooRecordId, name: result.odooRecordName };
  if (order.status === 'confirmed_in_odoo') {
    const same = order.odooSaleOrder?.id === saleOrder.id;
    return {
      change: 'none',
      reason: same
        ? `already confirmed in Odoo as ${describe(saleOrder)}`
        : `already confirmed in Odoo as ${describe(order.odooSaleOrder)}; the result names ${describe(saleOrder)} — check Odoo for a duplicate`,
    };
  }
  return {
    change: 'status',
    to: 'confirmed_in_odoo',
    detail: `Odoo sale order ${describe(saleOrder)}${result.alreadyApplied ? ' (already there)' : ''}`,
    odooSaleOrder: saleOrder,
  };
}

/** Odoo refused the sale order (or the adapter gave up): a person has to look at the order. */
export function onSaleOrderRefused(order: OrderProgress, result: SaleOrderFailure): OdooResultDecision {
  if (result.commandId !== order.saleOrderCommandId) {
    return { change: 'none', reason: `failure of command ${result.commandId}, not of this order's CreateSaleOrder ${order.saleOrderCommandId}` };
  }
  if (order.status === 'confirmed_in_odoo') {
    return { change: 'none', reason: `already confirmed in Odoo as ${describe(order.odooSaleOrder)}; a late failure of the same command changes nothing` };
  }
  if (order.status === 'flagged_for_review') return { change: 'none', reason: 'already flagged for review' };
  return {
    change: 'status',
    to: 'flagged_for_review',
    detail: `Odoo refused the sale order (${result.failure}${result.retryable ? ', may succeed if re-driven' : ''}): ${result.errorMessage}`,
    review: { failure: result.failure, message: result.errorMessage },
  };
}

function describe(saleOrder: OdooSaleOrder | null | undefined): string {
  if (!saleOrder) return '(unknown)';
  return saleOrder.name ? `${saleOrder.name} (id ${saleOrder.id})` : `id ${saleOrder.id}`;
}
