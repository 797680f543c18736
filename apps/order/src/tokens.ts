/** Injection tokens of the order service's own providers. */
export const EVENT_CODEC = Symbol.for('order:event-codec');
export const EVENT_OUTBOX = Symbol.for('order:event-outbox');
