import { BadRequestException, Body, Controller, Headers, HttpCode, Inject, NotFoundException, Param, Post, Query, UnauthorizedException } from '@nestjs/common';
import { DescribeRequest, Public, SERVICE_CONFIG } from '@omnibus/service-kit';
import type { OdooAdapterConfig } from '../config';
import { InboundSyncService } from '../inbound/inbound-sync.service';
import { hintedChangeTime, odooWebhookPayload } from './webhook-payload';
import { givenSecret, webhookSecretMatches } from './webhook-secret';

/**
 * `POST /odoo/webhooks/<model>?secret=…` — the target of an Odoo automation rule's "Send Webhook
 * Notification" (17+). Public to our token guard (Odoo cannot send our tokens); authenticated by the
 * shared secret instead. Answers at once (Odoo waits 1 s, then gives up for good) and re-reads the
 * record through the API in the background.
 */
@Controller('odoo/webhooks')
export class OdooWebhookController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OdooAdapterConfig,
    private readonly inbound: InboundSyncService,
  ) {}

  @Public()
  @Post(':model')
  // Validated in the handler, after the secret check, so a caller without the secret learns nothing about the body.
  @DescribeRequest({ body: odooWebhookPayload })
  @HttpCode(200)
  receive(
    @Param('model') model: string,
    @Query() query: Record<string, unknown>,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body() body: unknown,
  ): { status: 'ok' } {
    if (!webhookSecretMatches(this.config.ODOO_WEBHOOK_SECRET, givenSecret(query, headers))) {
      throw new UnauthorizedException('missing or wrong webhook secret');
    }
    if (!this.inbound.follows(model)) throw new NotFoundException(`Odoo model ${model} is not synchronised`);
    const payload = odooWebhookPayload.safeParse(body);
    if (!payload.success) throw new BadRequestException(`not an Odoo webhook payload: ${payload.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    if (payload.data._model && payload.data._model !== model) {
      throw new BadRequestException(`payload is about ${payload.data._model}, the URL about ${model}`);
    }
    this.inbound.hint(model, payload.data._id, hintedChangeTime(payload.data), payload.data);
    return { status: 'ok' };
  }
}
