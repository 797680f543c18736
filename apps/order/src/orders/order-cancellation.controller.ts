import { Controller, HttpCode, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody } from '@omnibus/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import type { OrderView } from '../domain/order-view';
import { assertOwnChannel } from './channel-binding';
import { OrderCancellation } from './order-cancellation.service';
import { OrderIntake } from './order-intake.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const cancelRequestSchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

/**
 * `POST /orders/:id/cancel` for channels, on behalf of the customer: 202 with the order while the saga
 * undoes what it did (cancel the Odoo sale order, void the authorisation, release the stock); 200 when
 * it is already cancelling or cancelled (asking again is harmless); 409 once a parcel has left, the
 * order is complete or in review; 404 for an unknown order; 403 for a token bound to another channel.
 */
@Controller('orders')
export class OrderCancellationController {
  constructor(
    private readonly cancellation: OrderCancellation,
    private readonly intake: OrderIntake,
  ) {}

  @Post(':orderId/cancel')
  @HttpCode(202)
  @RequireScopes('orders:write')
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('orderId') orderId: string,
    @ValidBody(cancelRequestSchema) request: z.infer<typeof cancelRequestSchema>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrderView> {
    if (!UUID.test(orderId)) throw new NotFoundException(`no order ${orderId}`);
    const id = orderId.toLowerCase();
    const current = await this.intake.findOrder(id);
    if (!current) throw new NotFoundException(`no order ${orderId}`);
    assertOwnChannel(principal, current.channel.channelId);
    const outcome = await this.cancellation.cancel(principal.sub, id, request.reason ?? null);
    if (outcome.outcome === 'already') response.status(200);
    return (await this.intake.findOrder(id))!;
  }
}
