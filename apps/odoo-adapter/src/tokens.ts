/** Injection tokens of the adapter's own providers. */
export const ODOO_RUNTIME = Symbol.for('odoo-adapter:odoo-runtime');
export const EVENT_OUTBOX = Symbol.for('odoo-adapter:event-outbox');
export const EVENT_CODEC = Symbol.for('odoo-adapter:event-codec');
export const SCHEMA_REGISTRY = Symbol.for('odoo-adapter:schema-registry');
export const OUTBOX_RELAY = Symbol.for('odoo-adapter:outbox-relay');
