import { Controller, Headers, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { EventOutbox, OutgoingEvent } from '@omnibus/messaging';
import { Public, ROOT_LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OrderConfig } from '../config';
import { orderMetrics } from '../metrics';
import { loadOrderForSaga } from '../orders/order-store';
import { PaymentRecorder } from '../payments/payment-recorder';
import { EVENT_OUTBOX } from '../tokens';
import { GatewayWebhookEvent, meaningOf } from './gateway-events';
import { readSignedWebhook } from './signed-webhook';

type Outcome = 'applied' | 'already_known' | 'stale' | 'unknown_order' | 'ignored' | 'duplicate';

/**
 * `POST /webhooks/payments/:gateway`: the gateway's signed events (Standard Webhooks, the gateway's
 * own secrets from ORDER_PAYMENT_WEBHOOK_SECRETS). Public (no bearer token): the signature is the
 * authentication, and a forged, stale or old-secret webhook gets 401 and is counted. Each webhook-id
 * acts once. A webhook changes no order directly: its fact goes through the payment table (so a fact
 * the API answer already brought, or a status behind the current one, publishes nothing) and then as
 * an event through the outbox to the saga. One for an order we do not know stays in `payment_webhook`
 * for review.
 */
@Controller('webhooks/payments')
export class PaymentWebhooksController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recorder: PaymentRecorder,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @Post(':gateway')
  @Public()
  @HttpCode(200)
  async receive(
    @Param('gateway') gateway: string,
    @Headers('webhook-id') id: string | undefined,
    @Headers('webhook-timestamp') timestamp: string | undefined,
    @Headers('webhook-signature') signature: string | undefined,
    @Req() request: { body?: unknown },
  ): Promise<{ outcome: Outcome }> {
    const event = readSignedWebhook<GatewayWebhookEvent>(
      { kind: 'payment', sender: gateway },
      { id, timestamp, signature },
      request.body,
      this.config.ORDER_PAYMENT_WEBHOOK_SECRETS[gateway] ?? [],
      (reason) => orderMetrics.webhookVerificationFailures.inc({ gateway: gateway.slice(0, 40), reason }),
      this.logger,
    );
    const outcome = await this.dataSource.transaction(async (manager): Promise<Outcome> => {
      const meaning = meaningOf(gateway, event, new Date());
      const orderId = meaning.kind === 'ignored' ? null : meaning.kind === 'fact' || meaning.kind === 'refund' ? meaning.fact.orderId : meaning.orderId;
      const [claimed] = (await manager.query(
        `INSERT INTO payment_webhook (webhook_id, gateway, event_type, order_id, outcome, body) VALUES ($1, $2, $3, $4, 'ignored', $5)
         ON CONFLICT DO NOTHING RETURNING webhook_id`,
        [id, gateway, event.type ?? '', orderId, event],
      )) as unknown[];
      if (!claimed) return 'duplicate';
      let result: Outcome = 'ignored';
      if (meaning.kind === 'unmatched') result = 'unknown_order';
      if (meaning.kind === 'fact') {
        const order = await loadOrderForSaga(manager, meaning.fact.orderId);
        if (!order) result = 'unknown_order';
        else {
          const recorded = await this.recorder.record(manager, meaning.fact, order.order.companyId, (events) => this.outbox.stage(manager, events, { correlationId: meaning.fact.orderId }));
          result = recorded === 'duplicate' ? 'already_known' : recorded;
        }
      }
      if (meaning.kind === 'refund') {
        const order = await loadOrderForSaga(manager, meaning.fact.orderId);
        if (!order) result = 'unknown_order';
        else {
          const emit = (events: OutgoingEvent[]) => this.outbox.stage(manager, events, { correlationId: meaning.fact.orderId });
          const recorded = await this.recorder.recordRefund(manager, meaning.fact, order.order.companyId, emit, { type: `webhook ${event.type}`, eventId: null });
          result = recorded === 'duplicate' ? 'already_known' : recorded;
        }
      }
      await manager.query(`UPDATE payment_webhook SET outcome = $3 WHERE gateway = $1 AND webhook_id = $2`, [gateway, id, result]);
      return result;
    });
    orderMetrics.webhooksReceived.inc({ gateway, outcome });
    if (outcome === 'unknown_order') this.logger.warn({ gateway, webhookId: id, type: event.type }, 'payment webhook for an order this service does not know; kept for review');
    return { outcome };
  }
}
