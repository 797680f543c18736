import { counter, histogram } from '@omnibus/service-kit';

/** Business metrics of the order service, beside the kit's HTTP and the runtime's consumer metrics. */
export const orderMetrics = {
  accepted: counter({ name: 'orders_accepted_total', help: 'Orders accepted from channels', labelNames: ['channel'] }),
  replayed: counter({
    name: 'orders_idempotent_replays_total',
    help: 'POST /orders retries answered from the Idempotency-Key (nothing created), by outcome (replayed, conflict)',
    labelNames: ['outcome'],
  }),
  odooResults: counter({
    name: 'orders_odoo_results_total',
    help: 'Odoo results for orders, by what they did (confirmed_in_odoo, flagged_for_review, no_change)',
    labelNames: ['outcome'],
  }),
  timeToOdoo: histogram({
    name: 'orders_accepted_to_confirmed_in_odoo_seconds',
    help: 'Time from accepting an order to its Odoo sale order existing',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  }),
};
