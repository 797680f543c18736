/** Injection tokens of the returns service's own providers. */
export const EVENT_CODEC = Symbol.for('returns:event-codec');
export const EVENT_OUTBOX = Symbol.for('returns:event-outbox');
/** The return policies, loaded and validated at start. */
export const RETURN_POLICIES = Symbol.for('returns:policies');
