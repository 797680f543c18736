import { serviceConfigSchema, setting } from '@omnibus/service-kit';
import path from 'node:path';
import type { z } from 'zod';

/** The common service settings with the operator-contract defaults of inventory, plus its own. */
export const inventoryConfigSchema = serviceConfigSchema('inventory').extend({
  INVENTORY_NETWORK_FILE: setting.text({
    description: 'YAML file of locations, regions and per-channel sourcing, expiry and allocation rules',
    default: path.join(__dirname, '..', 'config', 'network.yaml'),
  }),
  INVENTORY_CONSUMER_SERVICE: setting.text({
    description: 'name of the command and stock-event consumer: its group and its <name>.retry / <name>.dlq topics',
    default: 'inventory',
  }),
  RESERVATION_SWEEP_INTERVAL_MS: setting.integer({ description: 'how often expired reservations are looked for and released', default: 1000, min: 50 }),
  INVARIANT_CHECK_INTERVAL_MS: setting.integer({ description: 'how often the stock invariants are checked (0 = only on demand)', default: 60_000 }),
  AVAILABILITY_COALESCE_MS: setting.integer({
    description: 'window in which stock moves of one SKU become one AvailabilityChanged (crossing to zero or below the low-stock threshold is published at once)',
    default: 5_000,
  }),
  AVAILABILITY_LOW_STOCK_MILLI: setting.integer({ description: 'low-stock threshold in thousandths of a unit (5000 = 5 units)', default: 5_000 }),
  DRIFT_CHECK_INTERVAL_MS: setting.integer({ description: 'how often inventory is compared with Odoo\'s quants through the odoo-adapter (0 = only on demand)', default: 3_600_000 }),
  DRIFT_SETTLE_SECONDS: setting.integer({
    description: 'a difference with Odoo is drift only if neither side moved within this many seconds before the snapshot (else it may be in flight)',
    default: 60,
  }),
  DRIFT_ANSWER_TIMEOUT_MS: setting.integer({ description: 'a drift check without the odoo-adapter\'s snapshot after this long is reported timed out', default: 300_000, min: 1_000 }),
  TOPIC_OVERRIDES: setting.topicOverrides(),
});

export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;
