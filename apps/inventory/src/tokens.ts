/** Injection tokens of the inventory service's own providers. */
export const EVENT_CODEC = Symbol.for('inventory:event-codec');
export const EVENT_OUTBOX = Symbol.for('inventory:event-outbox');
export const NETWORK = Symbol.for('inventory:network');
