import { Controller, Headers, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { EventOutbox } from '@omnibus/messaging';
import { Public, ROOT_LOGGER, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OrderConfig } from '../config';
import { orderMetrics } from '../metrics';
import { CarrierWebhookEvent, meaningOfCarrierEvent } from '../shipments/carrier-events';
import { ShipmentTracker, TrackingOutcome } from '../shipments/shipment-tracker';
import { EVENT_OUTBOX } from '../tokens';
import { readSignedWebhook } from './signed-webhook';

type Outcome = TrackingOutcome | 'ignored';

/**
 * `POST /webhooks/carriers/:carrier`: a carrier's signed milestones (Standard Webhooks, the carrier's
 * secrets from ORDER_CARRIER_WEBHOOK_SECRETS). Public: the signature is the authentication; a forged,
 * stale or old-secret webhook gets 401 and is counted. Each webhook-id acts once; a late or
 * out-of-order milestone is recognised (a delivered parcel never goes back to in transit). One for an
 * order this service does not know stays in `carrier_webhook` for review.
 */
@Controller('webhooks/carriers')
export class CarrierWebhooksController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tracker: ShipmentTracker,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: OrderConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @Post(':carrier')
  @Public()
  @HttpCode(200)
  async receive(
    @Param('carrier') carrier: string,
    @Headers('webhook-id') id: string | undefined,
    @Headers('webhook-timestamp') timestamp: string | undefined,
    @Headers('webhook-signature') signature: string | undefined,
    @Req() request: { body?: unknown },
  ): Promise<{ outcome: Outcome | 'duplicate' }> {
    const event = readSignedWebhook<CarrierWebhookEvent>(
      { kind: 'carrier', sender: carrier },
      { id, timestamp, signature },
      request.body,
      this.config.ORDER_CARRIER_WEBHOOK_SECRETS[carrier] ?? [],
      (reason) => orderMetrics.carrierWebhookVerificationFailures.inc({ carrier: carrier.slice(0, 40), reason }),
      this.logger,
    );
    const meaning = meaningOfCarrierEvent(event, new Date());
    const orderId = meaning.kind === 'milestone' ? meaning.milestone.orderId : meaning.kind === 'unmatched' ? meaning.orderId : null;
    const outcome = await this.dataSource.transaction(async (manager): Promise<Outcome | 'duplicate'> => {
      const [claimed] = (await manager.query(
        `INSERT INTO carrier_webhook (webhook_id, carrier, event_type, order_id, outcome, body) VALUES ($1, $2, $3, $4, 'ignored', $5)
         ON CONFLICT DO NOTHING RETURNING webhook_id`,
        [id, carrier, event.type ?? '', orderId, event],
      )) as unknown[];
      if (!claimed) return 'duplicate';
      let result: Outcome = meaning.kind === 'unmatched' ? 'unknown_order' : 'ignored';
      if (meaning.kind === 'milestone') {
        const stage = (events: Parameters<EventOutbox['stage']>[1]) => this.outbox.stage(manager, events, { correlationId: meaning.milestone.orderId });
        result = await this.tracker.apply(manager, carrier, meaning.milestone, stage);
      }
      await manager.query(`UPDATE carrier_webhook SET outcome = $3 WHERE carrier = $1 AND webhook_id = $2`, [carrier, id, result]);
      return result;
    });
    orderMetrics.carrierWebhooksReceived.inc({ carrier: carrier.slice(0, 40), outcome });
    if (outcome === 'unknown_order') this.logger.warn({ carrier, webhookId: id, type: event.type, orderId }, 'carrier webhook for an order this service does not know; kept for review');
    return { outcome };
  }
}
