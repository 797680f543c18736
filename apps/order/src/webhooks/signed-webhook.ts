import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import type { Logger } from 'pino';
import { WebhookHeaders, verifyWebhook } from '@omnibus/webhooks-signature';

/**
 * The common front of every inbound webhook (payment gateways, carriers): the Standard Webhooks
 * signature against the sender's secrets (401, counted and logged, when it does not hold), then the
 * body as JSON (400 when it is not). What the event means is each receiver's business.
 */
export function readSignedWebhook<T>(
  what: { kind: string; sender: string },
  headers: WebhookHeaders,
  rawBody: unknown,
  secrets: string[],
  refused: (reason: string) => void,
  logger: Logger,
): T {
  const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.alloc(0);
  const verified = verifyWebhook(headers, body, secrets, new Date());
  if (!verified.ok) {
    refused(verified.reason);
    logger.warn({ [what.kind]: what.sender, webhookId: headers.id, reason: verified.reason }, `${what.kind} webhook refused`);
    throw new UnauthorizedException(`webhook refused: ${verified.reason.replace('_', ' ')}`);
  }
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new BadRequestException('the webhook body is not JSON');
  }
}
