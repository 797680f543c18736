import { counter, gauge, histogram } from '@omnibus/service-kit';

/** Business metrics of inventory, beside the kit's HTTP and the runtime's consumer metrics. */
export const inventoryMetrics = {
  reservations: counter({ name: 'inventory_reservations_total', help: 'Reservation commands answered, by outcome (reserved, rejected, replayed) and channel', labelNames: ['outcome', 'channel'] }),
  oversellRefused: counter({ name: 'inventory_oversell_refused_total', help: 'Order lines refused because the stock was not there (INSUFFICIENT_STOCK)', labelNames: ['channel'] }),
  expired: counter({ name: 'inventory_reservations_expired_total', help: 'Reservations released by the expiry sweeper', labelNames: ['channel'] }),
  feedUpdates: counter({ name: 'inventory_feed_updates_total', help: 'Stock updates from feeds, by source and outcome (applied, duplicate, older_ignored)', labelNames: ['source', 'outcome'] }),
  freshness: histogram({
    name: 'inventory_stock_freshness_seconds',
    help: 'Age of a stock observation when it reached inventory, by source',
    labelNames: ['source'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400, 86400],
  }),
  shipmentLines: counter({
    name: 'inventory_shipment_lines_total',
    help: 'Lines of dispatched parcels, by outcome: reserved (taken out of the order\'s reservation), unreserved (more than it held there: the rest lowers on-hand only), unknown_location, replayed (shipment applied already)',
    labelNames: ['outcome'],
  }),
  invariantViolations: gauge({ name: 'inventory_invariant_violations', help: 'Stock invariant violations found by the last check (alert when above 0)' }),
  chunkSeconds: histogram({
    name: 'inventory_chunk_seconds',
    help: 'Time to do the work of one delivery chunk (reservation commands or Odoo stock events) before its commit, by work',
    labelNames: ['work'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  chunkEvents: histogram({ name: 'inventory_chunk_events', help: 'Events in one delivery chunk, by work', labelNames: ['work'], buckets: [1, 5, 25, 100, 250, 500] }),
  availabilityPublished: counter({ name: 'inventory_availability_published_total', help: 'AvailabilityChanged events published (coalesced per SKU)' }),
  availabilityLatency: histogram({
    name: 'inventory_availability_seconds',
    help: 'Time to compute GET /availability, by number of SKUs asked (bucketed)',
    labelNames: ['skus'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
  }),
};
