/** Injection tokens of the order service's own providers. */
export const EVENT_CODEC = Symbol.for('order:event-codec');
export const EVENT_OUTBOX = Symbol.for('order:event-outbox');
/** The order saga's definition, built from the configured timeouts. */
export const ORDER_SAGA = Symbol.for('order:saga');
