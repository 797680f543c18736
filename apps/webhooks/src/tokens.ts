/** Injection tokens of the webhooks service's own providers. */
export const EVENT_CODEC = Symbol.for('webhooks:event-codec');
export const ENDPOINT_CLIENT = Symbol.for('webhooks:endpoint-client');
