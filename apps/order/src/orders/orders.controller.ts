import { BadRequestException, Controller, Get, Headers, HttpCode, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody } from '@omnibus/service-kit';
import type { Response } from 'express';
import { checkIdempotencyKey } from '../domain/idempotency';
import type { OrderView } from '../domain/order-view';
import { PlaceOrderRequest, placeOrderRequestSchema } from '../domain/place-order-request';
import { assertOwnChannel } from './channel-binding';
import { OrderIntake } from './order-intake.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Order intake for channels (web shops, marketplaces, POS, call centre). */
@Controller('orders')
export class OrdersController {
  constructor(private readonly intake: OrderIntake) {}

  /**
   * 201 with the accepted order (Location: /orders/<id>); 200 with the same body for a retry under the
   * same Idempotency-Key (`Idempotent-Replayed: true`); 400 naming each bad field; 409 for a key reused
   * with another body or an order reference the channel already placed.
   */
  @Post()
  @HttpCode(201)
  @RequireScopes('orders:write')
  async placeOrder(
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @ValidBody(placeOrderRequestSchema) request: PlaceOrderRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrderView> {
    const key = checkIdempotencyKey(idempotencyKey);
    if (!key.ok) throw new BadRequestException(key.message);
    assertOwnChannel(principal, request.channel.channelId);
    const placed = await this.intake.placeOrder(principal.sub, key.key, request);
    response.status(placed.status);
    response.setHeader('Location', `/orders/${placed.body.orderId}`);
    if (placed.status === 200) response.setHeader('Idempotent-Replayed', 'true');
    return placed.body;
  }

  /** The order with its status history, oldest first. */
  @Get(':orderId')
  @RequireScopes('orders:read')
  async getOrder(@CurrentPrincipal() principal: Principal, @Param('orderId') orderId: string): Promise<OrderView> {
    const order = UUID.test(orderId) ? await this.intake.findOrder(orderId.toLowerCase()) : undefined;
    if (!order) throw new NotFoundException(`no order ${orderId}`);
    assertOwnChannel(principal, order.channel.channelId);
    return order;
  }
}
