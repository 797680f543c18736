import { BadRequestException, Controller, ForbiddenException, Get, Headers, HttpCode, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody } from '@omnibus/service-kit';
import type { Response } from 'express';
import { checkIdempotencyKey } from '../domain/idempotency';
import { AnswerSubstitutionRequest, answerSubstitutionSchema, ProposeSubstitutionRequest, proposeSubstitutionSchema } from '../domain/substitution-request';
import type { SubstitutionView } from '../domain/substitution-view';
import { OrderSubstitutions } from './order-substitutions.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Line substitutions under `/orders/:id/substitutions`. A store or warehouse (scope
 * `fulfilment:write`) proposes; the customer answers through the order's channel (a token bound to
 * that channel, scope `orders:write`): 403 for any other token, so an operator or a store cannot
 * answer for the customer.
 */
@Controller('orders')
export class OrderSubstitutionsController {
  constructor(private readonly substitutions: OrderSubstitutions) {}

  /**
   * 202 with the substitution, `reserving` (the substitute is reserved before the customer is asked;
   * `failed` with the reason if inventory cannot hold it); 200 with `Idempotent-Replayed: true` for a
   * retry under the same Idempotency-Key; 400 naming each bad field; 404 unknown order or line; 409
   * the line has shipped, is already substituted or has a substitution open, or the order is not with
   * the warehouse (says why); 409 the key reused for another proposal.
   */
  @Post(':orderId/substitutions')
  @HttpCode(202)
  @RequireScopes('fulfilment:write')
  async propose(
    @CurrentPrincipal() principal: Principal,
    @Param('orderId') orderId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @ValidBody(proposeSubstitutionSchema) request: ProposeSubstitutionRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SubstitutionView> {
    const key = checkIdempotencyKey(idempotencyKey);
    if (!key.ok) throw new BadRequestException(key.message);
    const result = await this.substitutions.propose(principal, orderIdOf(orderId), key.key, request);
    response.setHeader('Location', `/orders/${orderId.toLowerCase()}/substitutions/${result.substitution.substitutionId}`);
    if (result.replayed) {
      response.status(200);
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return result.substitution;
  }

  @Get(':orderId/substitutions/:substitutionId')
  @RequireScopes('orders:read')
  find(@CurrentPrincipal() principal: Principal, @Param('orderId') orderId: string, @Param('substitutionId') substitutionId: string): Promise<SubstitutionView> {
    return this.substitutions.find(principal, orderIdOf(orderId), substitutionIdOf(substitutionId));
  }

  /** 200 with the substitution, accepted (or declined): the saga carries it out; the same answer again changes nothing; 409 another answer was given, it expired or failed. */
  @Post(':orderId/substitutions/:substitutionId/accept')
  @HttpCode(200)
  @RequireScopes('orders:write')
  accept(
    @CurrentPrincipal() principal: Principal,
    @Param('orderId') orderId: string,
    @Param('substitutionId') substitutionId: string,
    @ValidBody(answerSubstitutionSchema) request: AnswerSubstitutionRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SubstitutionView> {
    return this.answer(principal, orderId, substitutionId, true, request, response);
  }

  @Post(':orderId/substitutions/:substitutionId/decline')
  @HttpCode(200)
  @RequireScopes('orders:write')
  decline(
    @CurrentPrincipal() principal: Principal,
    @Param('orderId') orderId: string,
    @Param('substitutionId') substitutionId: string,
    @ValidBody(answerSubstitutionSchema) request: AnswerSubstitutionRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SubstitutionView> {
    return this.answer(principal, orderId, substitutionId, false, request, response);
  }

  private async answer(principal: Principal, orderId: string, substitutionId: string, accept: boolean, request: AnswerSubstitutionRequest, response: Response): Promise<SubstitutionView> {
    // The customer answers through their channel: a token bound to no channel does not speak for them.
    if (principal.channel === undefined) throw new ForbiddenException("only the order's channel answers a substitution for its customer (a channel-bound token)");
    const result = await this.substitutions.answer(principal, orderIdOf(orderId), substitutionIdOf(substitutionId), accept, request);
    if (result.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return result.substitution;
  }
}

function orderIdOf(orderId: string): string {
  if (!UUID.test(orderId)) throw new NotFoundException(`no order ${orderId}`);
  return orderId.toLowerCase();
}

function substitutionIdOf(substitutionId: string): string {
  if (!UUID.test(substitutionId)) throw new NotFoundException(`no substitution ${substitutionId}`);
  return substitutionId.toLowerCase();
}
