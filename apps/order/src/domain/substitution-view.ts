import { formatQuantity, OrderLine } from '@omnibus/contracts';
import type { OrderSagaData } from './saga/order-saga-data';
import { SagaSubstitution, substitutionInFlight } from './saga/substitutions';

const lineView = (line: OrderLine) => ({ ...line, quantity: formatQuantity(line.quantity) });

/** A substitution as the API shows it (`GET /orders/:id` under `substitutions`, and the substitution routes). */
export function substitutionView(substitution: SagaSubstitution) {
  return {
    substitutionId: substitution.substitutionId,
    lineId: substitution.lineId,
    status: substitution.status,
    reason: substitution.reason,
    note: substitution.note,
    proposedBy: substitution.proposedBy,
    proposedAt: substitution.proposedAt,
    /** When the customer's answer is due (once the substitute is held); unanswered by then, the line is cut. */
    answerBy: substitution.expiresAt,
    original: lineView(substitution.original),
    substitute: lineView(substitution.substitute),
    /** What of the store's price was waived so the substitute costs no more than the original line. */
    priceCapped: { amountMinor: substitution.cappedMinor, currency: substitution.substitute.total.currency },
    failure: substitution.failure,
    decision: substitution.decision,
    /** The decision is carried out: stock released, Odoo's order amended, the payment settled. */
    settled: !substitutionInFlight(substitution),
  };
}

export type SubstitutionView = ReturnType<typeof substitutionView>;

/** Lines cut because their substitute was declined or never answered, as `cancelledLines` shows cut quantities. */
export function cutLines(data: Pick<OrderSagaData, 'substitutions'> | undefined): Array<{ lineId: string; sku: string; cancelledMilli: number }> {
  return (data?.substitutions ?? [])
    .filter((substitution) => (substitution.status === 'declined' || substitution.status === 'expired') && substitution.settling)
    .map((substitution) => ({ lineId: substitution.lineId, sku: substitution.original.sku, cancelledMilli: substitution.original.quantity.milli }));
}
