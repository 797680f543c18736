import { BadRequestException, Controller, ForbiddenException, Get, Headers, HttpCode, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { checkIdempotencyKey, CurrentPrincipal, Principal, RequireScopes, ValidBody } from '@omnibus/service-kit';
import type { Response } from 'express';
import { DecisionBody, decisionSchema, ReceiveReturnBody, receiveReturnSchema, RequestReturnBody, requestReturnSchema, ScanBody, scanSchema } from './return-requests';
import type { ReturnView } from './return-view';
import { Answer, ReturnsService } from './returns.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Required on requests, receipts and scans; optional on review decisions. */
function idempotencyKey(header: string | undefined, required: boolean): string | null {
  if (!required && (header === undefined || header.trim() === '')) return null;
  const check = checkIdempotencyKey(header);
  if (!check.ok) throw new BadRequestException(check.message);
  return check.key;
}

function answer(response: Response, answered: Answer, location?: string): unknown {
  response.status(answered.replayed && answered.status === 201 ? 200 : answered.status);
  if (answered.replayed) response.setHeader('Idempotent-Replayed', 'true');
  if (location) response.setHeader('Location', location);
  return answered.body;
}

/**
 * Returns for channels (online portals with their channel's token, stores at the till), for stores and
 * warehouses receiving the goods (returns:receive) and for operators reviewing requests (returns:review).
 */
@Controller('returns')
export class ReturnsController {
  constructor(private readonly returns: ReturnsService) {}

  /**
   * 201 authorised or in review (Location: /returns/<id>); 200 for a retry under the same
   * Idempotency-Key; 400 naming each bad field; 403 a token bound to another channel; 404 an order
   * returns does not know; 409 a key reused with another body; 422 refused by the policy, with the
   * rule (window, non-returnable, more-than-shipped, already-returned, condition, …) and the reason.
   */
  @Post()
  @HttpCode(201)
  @RequireScopes('returns:write')
  async requestReturn(
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @ValidBody(requestReturnSchema) request: RequestReturnBody,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const answered = await this.returns.requestReturn(principal, idempotencyKey(key, true)!, request);
    return answer(response, answered, `/returns/${(answered.body as ReturnView).returnId}`);
  }

  /** The return with its lines, receipts, refunds, Odoo records and timeline. */
  @Get(':returnId')
  @RequireScopes('returns:read')
  async getReturn(@CurrentPrincipal() principal: Principal, @Param('returnId') returnId: string): Promise<ReturnView> {
    const found = UUID.test(returnId) ? await this.returns.findReturn(returnId.toLowerCase()) : undefined;
    if (!found) throw new NotFoundException(`no return ${returnId}`);
    if (principal.channel !== undefined && principal.channel !== found.channel.channelId) {
      throw new ForbiddenException(`this token is bound to channel ${principal.channel}; the return is of channel ${found.channel.channelId}`);
    }
    return found;
  }

  /**
   * A receipt at any store or warehouse: per line, each unit's disposition. 201 with the return; 409
   * when the return takes no receipt (in review, rejected, all received); 422 more than is
   * outstanding or a line not on the return.
   */
  @Post(':returnId/receipts')
  @HttpCode(201)
  @RequireScopes('returns:receive')
  async receive(
    @CurrentPrincipal() principal: Principal,
    @Param('returnId') returnId: string,
    @Headers('idempotency-key') key: string | undefined,
    @ValidBody(receiveReturnSchema) body: ReceiveReturnBody,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    if (!UUID.test(returnId)) throw new NotFoundException(`no return ${returnId}`);
    return answer(response, await this.returns.receive(principal, returnId.toLowerCase(), idempotencyKey(key, true)!, body));
  }

  /** The carrier's first scan of the return parcel (a refund then, when the policy says so). 201; 200 for a later scan (nothing changes); 409 in review or rejected. */
  @Post(':returnId/scans')
  @HttpCode(201)
  @RequireScopes('returns:scan')
  async scan(
    @CurrentPrincipal() principal: Principal,
    @Param('returnId') returnId: string,
    @Headers('idempotency-key') key: string | undefined,
    @ValidBody(scanSchema) body: ScanBody,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    if (!UUID.test(returnId)) throw new NotFoundException(`no return ${returnId}`);
    return answer(response, await this.returns.firstScan(principal, returnId.toLowerCase(), idempotencyKey(key, true)!, body));
  }

  /**
   * `POST /returns/:id/approve` or `/reject`: an operator's decision on a return in review, audited
   * with the token's subject; a note for the customer. 409 when the return is not in review.
   */
  @Post(':returnId/:decision')
  @HttpCode(200)
  @RequireScopes('returns:review')
  async decide(
    @CurrentPrincipal() principal: Principal,
    @Param('returnId') returnId: string,
    @Param('decision') decision: string,
    @Headers('idempotency-key') key: string | undefined,
    @ValidBody(decisionSchema) body: DecisionBody,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    if (!UUID.test(returnId) || (decision !== 'approve' && decision !== 'reject')) throw new NotFoundException(`no route POST /returns/${returnId}/${decision}`);
    return answer(response, await this.returns.decide(principal, returnId.toLowerCase(), decision, idempotencyKey(key, false), body));
  }
}
