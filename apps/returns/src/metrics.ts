import { counter, gauge, histogram } from '@omnibus/service-kit';
import type { DataSource } from 'typeorm';

/** Business metrics of the returns service, beside the kit's HTTP and the runtime's consumer metrics. */
export const returnsMetrics = {
  requested: counter({ name: 'returns_requested_total', help: 'Return requests, by reason (of each line), return channel and outcome (authorized, review, rejected)', labelNames: ['reason', 'channel', 'outcome'] }),
  rejected: counter({ name: 'returns_rejected_total', help: 'Return requests refused, by the rule that decided', labelNames: ['rule'] }),
  unitsDispositioned: counter({ name: 'returns_units_dispositioned_total', help: 'Returned units inspected, by disposition (RESELLABLE, DAMAGED, VENDOR_RETURN, MISSING)', labelNames: ['disposition'] }),
  refunded: counter({ name: 'returns_refunded_minor_total', help: 'Money refunded for returns in minor units, by currency and method', labelNames: ['currency', 'method'] }),
  requestToRefund: histogram({
    name: 'returns_request_to_refund_seconds',
    help: 'Time from a return request to its refund being confirmed (RefundIssued, or store credit issued)',
    buckets: [1, 10, 60, 600, 3600, 6 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600, 14 * 24 * 3600, 30 * 24 * 3600],
  }),
};

let source: DataSource | undefined;

/** Authorised returns still waiting for the goods, and refunds sent but not confirmed: read at each scrape so every instance agrees. */
const awaiting = gauge({
  name: 'returns_refunds_awaiting',
  help: 'Refunds waiting: for the goods (authorised returns not fully received) and for the gateway (refunds sent, not yet confirmed)',
  labelNames: ['waiting_for'],
  async collect() {
    if (!source) return;
    const [row] = ((await source
      .query(
        `SELECT (SELECT count(*)::int FROM return_authorisations WHERE status IN ('authorized', 'partially_received')) AS receipt,
                (SELECT count(*)::int FROM return_refunds WHERE status = 'pending') AS gateway`,
      )
      .catch(() => null)) ?? []) as Array<{ receipt: number; gateway: number }>;
    if (!row) return;
    this.set({ waiting_for: 'receipt' }, row.receipt);
    this.set({ waiting_for: 'gateway' }, row.gateway);
  },
});

export function watchAwaitingRefunds(dataSource: DataSource): void {
  source = dataSource;
  void awaiting;
}
