export { newWebhookSecret, signatureHeader, signWebhook, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from './standard-webhooks';
export type { WebhookHeaders, WebhookVerification } from './standard-webhooks';
