/** Injection tokens of finance-posting's own providers. */
export const EVENT_CODEC = Symbol.for('finance-posting:event-codec');
export const EVENT_OUTBOX = Symbol.for('finance-posting:event-outbox');
export const RULE_BOOK = Symbol.for('finance-posting:rule-book');
export const PERIOD_LOCKS = Symbol.for('finance-posting:period-locks');
export const ODOO_CLIENT = Symbol.for('finance-posting:odoo-client');
