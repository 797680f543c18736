/** The gateway client the connector calls (a `PaymentGatewayClient`). */
export const PAYMENT_GATEWAY = Symbol.for('order:payment-gateway');
