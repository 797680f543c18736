import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody, ValidParams, ValidQuery } from '@omnibus/service-kit';
import {
  ADMIN_SCOPE,
  CreateSubscriptionRequest,
  createSubscriptionSchema,
  deadLetterParamsSchema,
  ListDeliveriesQuery,
  listDeliveriesSchema,
  MANAGE_SCOPE,
  ReplayRequest,
  replaySchema,
  subscriptionIdSchema,
  UpdateSubscriptionRequest,
  updateSubscriptionSchema,
} from '../domain/subscription';
import { Subscriptions } from './subscriptions.service';

/** `/subscriptions`: partners manage their own webhook subscriptions (scope webhooks:manage); operators (also webhooks:admin) everyone's. */
@Controller('subscriptions')
@RequireScopes(MANAGE_SCOPE)
export class SubscriptionsController {
  constructor(private readonly subscriptions: Subscriptions) {}

  /** 201 with the subscription and its `whsec_` secret, shown this once. */
  @Post()
  create(@CurrentPrincipal() caller: Principal, @ValidBody(createSubscriptionSchema) request: CreateSubscriptionRequest) {
    return this.subscriptions.create(caller, request);
  }

  @Get()
  list(@CurrentPrincipal() caller: Principal) {
    return this.subscriptions.list(caller);
  }

  @Get(':id')
  show(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }) {
    return this.subscriptions.show(caller, params.id);
  }

  /** Pause, resume (also a subscription disabled by a 410), change the event types, description or channel filter. */
  @Patch(':id')
  update(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }, @ValidBody(updateSubscriptionSchema) request: UpdateSubscriptionRequest) {
    return this.subscriptions.update(caller, params.id, request);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }): Promise<void> {
    await this.subscriptions.remove(caller, params.id);
  }

  /** 200 with the new secret (shown this once); the previous one keeps signing for WEBHOOKS_ROTATION_GRACE_MS. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }) {
    return this.subscriptions.rotateSecret(caller, params.id);
  }

  /** 202 with the queued `webhook.test` delivery (in a lane of its own; follow it under /deliveries). */
  @Post(':id/test')
  @HttpCode(202)
  sendTest(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }) {
    return this.subscriptions.sendTest(caller, params.id);
  }

  /** Newest first, each with its attempts: status code, latency, error and the answer's first bytes. */
  @Get(':id/deliveries')
  deliveries(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }, @ValidQuery(listDeliveriesSchema) query: ListDeliveriesQuery) {
    return this.subscriptions.deliveries(caller, params.id, query);
  }

  @Get(':id/dead-letters')
  deadLetters(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }, @ValidQuery(listDeliveriesSchema.omit({ status: true })) query: { limit: number }) {
    return this.subscriptions.deliveries(caller, params.id, { status: 'dead', limit: query.limit });
  }

  /** The dead letter goes out again (same webhook-id and body), in its lane's order among what is pending. */
  @Post(':id/dead-letters/:deliveryId/redrive')
  @HttpCode(200)
  redrive(@CurrentPrincipal() caller: Principal, @ValidParams(deadLetterParamsSchema) params: { id: string; deliveryId: string }) {
    return this.subscriptions.redrive(caller, params.id, params.deliveryId);
  }

  /** Operators only: a lane head that keeps failing is dead-lettered on purpose, so the aggregate's later deliveries go on. */
  @Post(':id/deliveries/:deliveryId/skip')
  @HttpCode(200)
  @RequireScopes(ADMIN_SCOPE)
  skip(@CurrentPrincipal() caller: Principal, @ValidParams(deadLetterParamsSchema) params: { id: string; deliveryId: string }) {
    return this.subscriptions.skip(caller, params.id, params.deliveryId);
  }

  /** Every delivery whose event occurred in [from, to) goes out again with its same webhook-id. */
  @Post(':id/replay')
  @HttpCode(202)
  replay(@CurrentPrincipal() caller: Principal, @ValidParams(subscriptionIdSchema) params: { id: string }, @ValidBody(replaySchema) range: ReplayRequest) {
    return this.subscriptions.replay(caller, params.id, range);
  }
}
