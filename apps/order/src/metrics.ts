import type { OrderSagaData } from './domain/saga/order-saga-data';
import type { SubstitutionStatus } from './domain/saga/substitutions';
import { counter, histogram } from '@omnibus/service-kit';

/** Business metrics of the order service, beside the kit's HTTP and the runtime's consumer metrics. */
export const orderMetrics = {
  accepted: counter({ name: 'orders_accepted_total', help: 'Orders accepted from channels', labelNames: ['channel'] }),
  replayed: counter({
    name: 'orders_idempotent_replays_total',
    help: 'POST /orders retries answered from the Idempotency-Key (nothing created), by outcome (replayed, conflict)',
    labelNames: ['outcome'],
  }),
  sagaSteps: counter({
    name: 'orders_saga_steps_total',
    help: 'What happened in order sagas, by step and what (started, completed, failed, timed-out, resent, compensating, compensated, review-opened, finished)',
    labelNames: ['step', 'what'],
  }),
  sagaInputsIgnored: counter({
    name: 'orders_saga_inputs_ignored_total',
    help: 'Replies and timeouts that changed no saga (duplicate, stale, finished, unknown-order)',
    labelNames: ['reason'],
  }),
  reviewResolutions: counter({
    name: 'orders_review_resolutions_total',
    help: 'Order review items resolved by operators, by action (retry, cancel, accept)',
    labelNames: ['action'],
  }),
  reviewsOpened: counter({ name: 'orders_review_opened_total', help: 'Order saga review items opened, by step and reason', labelNames: ['step', 'reason'] }),
  paymentOutcomesUnknown: counter({
    name: 'orders_payment_gateway_outcomes_unknown_total',
    help: 'Gateway calls of the payment connector whose answer was lost (timeout, transport error, 5xx), so the gateway was asked',
    labelNames: ['call'],
  }),
  webhooksReceived: counter({
    name: 'orders_payment_webhooks_total',
    help: 'Signed payment webhooks accepted, by gateway and outcome (applied, duplicate, stale, unknown_order, ignored)',
    labelNames: ['gateway', 'outcome'],
  }),
  webhookVerificationFailures: counter({
    name: 'orders_payment_webhook_verification_failures_total',
    help: 'Payment webhooks refused with 401, by gateway and why (missing headers, stale timestamp, bad signature, unknown gateway)',
    labelNames: ['gateway', 'reason'],
  }),
  lateAuthorisationsVoided: counter({
    name: 'orders_late_authorisations_voided_total',
    help: 'Authorisations that arrived after their order was cancelled (or were not its payment), voided at once',
  }),
  refundsIssued: counter({
    name: 'orders_refunds_issued_total',
    help: 'Refunds the gateway paid back (each refund once, from its API answer or its webhook), by who asked (order: the saga; return: the returns service)',
    labelNames: ['for'],
  }),
  refundsFailed: counter({
    name: 'orders_refunds_failed_total',
    help: 'Refunds the gateway refused for good, by who asked and the kind of refusal (over_refundable, nothing_captured, unknown_payment, unknown_order, other)',
    labelNames: ['for', 'reason'],
  }),
  substitutions: counter({
    name: 'orders_substitutions_total',
    help: 'Line substitutions, by what became of them (proposed, offered: the substitute held and the customer asked, failed: inventory could not hold it, accepted, declined, expired: unanswered in time)',
    labelNames: ['outcome'],
  }),
  cancellationsRequested: counter({
    name: 'orders_cancellations_requested_total',
    help: "Customers' cancellations accepted, by how far the order had gone (acceptance: before Odoo confirmed it; confirmation: after)",
    labelNames: ['after'],
  }),
  carrierWebhooksReceived: counter({
    name: 'orders_carrier_webhooks_total',
    help: 'Signed carrier webhooks accepted, by carrier and outcome (applied, duplicate, stale, unknown_order, ignored)',
    labelNames: ['carrier', 'outcome'],
  }),
  carrierWebhookVerificationFailures: counter({
    name: 'orders_carrier_webhook_verification_failures_total',
    help: 'Carrier webhooks refused with 401, by carrier and why (missing headers, stale timestamp, bad signature, no secret)',
    labelNames: ['carrier', 'reason'],
  }),
  stepDuration: histogram({
    name: 'orders_saga_step_duration_seconds',
    help: 'Time an order spent in a saga step (or undoing it), from its start to its end, by step, phase and outcome (completed, failed, compensated)',
    labelNames: ['step', 'phase', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, 7 * 24 * 3600],
  }),
  statusesReached: counter({
    name: 'orders_status_reached_total',
    help: 'Orders entering each order status, by channel (accepted, …, completed, cancelled, flagged_for_review)',
    labelNames: ['status', 'channel'],
  }),
  timeToOdoo: histogram({
    name: 'orders_accepted_to_confirmed_in_odoo_seconds',
    help: 'Time from accepting an order to its Odoo sale order being confirmed',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  }),
};

const SUBSTITUTION_OUTCOMES: Record<SubstitutionStatus, string> = { reserving: 'proposed', awaiting_customer: 'offered', failed: 'failed', accepted: 'accepted', declined: 'declined', expired: 'expired' };

/** Counts each substitution whose state a saga input moved (the saga data before and after). */
export function observeSubstitutions(before: Pick<OrderSagaData, 'substitutions'>, after: Pick<OrderSagaData, 'substitutions'>): void {
  const was = new Map((before.substitutions ?? []).map((entry) => [entry.substitutionId, entry.status]));
  for (const entry of after.substitutions ?? []) {
    if (was.get(entry.substitutionId) !== entry.status) orderMetrics.substitutions.inc({ outcome: SUBSTITUTION_OUTCOMES[entry.status] });
  }
}
