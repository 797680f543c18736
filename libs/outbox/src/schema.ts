/** Names shared by the append side, the relay, the status query and the migration. */
export const OUTBOX_TABLE = 'outbox';
export const LEASES_TABLE = 'outbox_shard_leases';
export const RELAYS_TABLE = 'outbox_relays';
/** NOTIFY channel: payload is the comma-separated shards that just received rows. */
export const APPENDED_CHANNEL = 'outbox_appended';
/** NOTIFY channel: a relay joined or left, so the others rebalance leases now, not at their next tick. */
export const REBALANCE_CHANNEL = 'outbox_rebalance';
