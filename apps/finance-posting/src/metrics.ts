import { counter, gauge, histogram } from '@omnibus/service-kit';

/** Business metrics of finance-posting, beside the kit's HTTP and the runtime's consumer metrics. */
export const financeMetrics = {
  prepared: counter({ name: 'finance_entries_prepared_total', help: 'Journal entries prepared from operational events and sent to the adapter, by posting rule', labelNames: ['rule'] }),
  posted: counter({ name: 'finance_entries_posted_total', help: 'Journal entries Odoo confirmed posted, by posting rule', labelNames: ['rule'] }),
  refused: counter({ name: 'finance_entries_refused_total', help: 'Journal entries Odoo refused, by Odoo failure kind', labelNames: ['failure'] }),
  inOdooDocument: counter({ name: 'finance_entries_in_odoo_document_total', help: "Entries recorded but not sent: Odoo's own invoice, credit note or payment books them, by posting rule", labelNames: ['rule'] }),
  replayed: counter({ name: 'finance_entries_replayed_total', help: 'Entries an operational event would have made again (a replay): nothing posted twice', labelNames: ['rule'] }),
  postingLag: histogram({
    name: 'finance_posting_lag_seconds',
    help: 'From the operational event to Odoo confirming its entry posted',
    buckets: [0.1, 0.5, 1, 2, 5, 15, 60, 300, 900, 3600, 86400],
  }),
  exceptionsOpen: gauge({ name: 'finance_exceptions_open', help: 'Finance exceptions open for review, by kind (refreshed on every change)', labelNames: ['kind'] }),
  oldestExceptionSeconds: gauge({ name: 'finance_exception_oldest_seconds', help: 'Age of the oldest open finance exception, by kind', labelNames: ['kind'] }),
  parkedFacts: gauge({ name: 'finance_parked_facts', help: 'Operational facts waiting for their order\'s OrderPlaced (alert when old: an order finance never saw)' }),
  oldestParkedSeconds: gauge({ name: 'finance_parked_oldest_seconds', help: 'Age of the oldest parked fact' }),
  reconciliations: counter({ name: 'finance_reconciliations_total', help: 'Reconciliation runs, by result (clean, differences)', labelNames: ['result'] }),
  reconciliationSeconds: histogram({ name: 'finance_reconciliation_seconds', help: 'Duration of a reconciliation run', buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300] }),
  reconciliationDifferences: gauge({ name: 'finance_reconciliation_differences', help: 'Differences found by the last reconciliation run, by kind', labelNames: ['kind'] }),
};
