import { BadRequestException, ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { recordOperatorAction } from '@omnibus/messaging';
import type { Principal } from '@omnibus/service-kit';
import { SERVICE_CONFIG } from '@omnibus/service-kit';
import { newWebhookSecret } from '@omnibus/webhooks-signature';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { WebhooksConfig } from '../config';
import { EgressPolicy, forbiddenAddress, hostOf, urlShapeProblem } from '../domain/egress';
import { ADMIN_SCOPE, CreateSubscriptionRequest, mayManage, Subscription, subscriptionView, UpdateSubscriptionRequest } from '../domain/subscription';
import { testEvent } from '../domain/public-events';
import { enqueueDelivery, listDeliveries, redriveDeadLetter, replayRange, skipPendingDelivery } from '../store/delivery-store';
import { deleteSubscription, findSubscription, insertSubscription, listSubscriptions, saveSubscription } from '../store/subscription-store';

/**
 * Partners' self-service on their subscriptions, and operators' on everyone's. A partner's token acts
 * on the subscriptions it created (owner = its subject); another's is 403, an unknown one 404. Every
 * change is audited with the caller's subject.
 */
@Injectable()
export class Subscriptions {
  private readonly egress: EgressPolicy;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: WebhooksConfig,
  ) {
    this.egress = { allowHttp: config.WEBHOOKS_ALLOW_HTTP && config.NODE_ENV !== 'production', allowed: config.WEBHOOKS_EGRESS_ALLOW };
  }

  async create(caller: Principal, request: CreateSubscriptionRequest) {
    await this.assertSafeUrl(request.url);
    const now = new Date();
    const subscription: Subscription = {
      id: uuidv7(),
      owner: caller.sub,
      url: request.url,
      description: request.description ?? null,
      eventTypes: [...new Set(request.eventTypes)],
      channels: request.filter?.channels ?? null,
      status: 'active',
      disabledReason: null,
      secret: newWebhookSecret(),
      previousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.dataSource.transaction(async (manager) => {
      await insertSubscription(manager, subscription);
      await this.audit(manager, caller, 'webhooks.subscription.create', { subscriptionId: subscription.id, url: subscription.url, eventTypes: subscription.eventTypes }, 'subscription created', now);
    });
    // The secret is shown this once; afterwards only a rotation shows a new one.
    return { ...subscriptionView(subscription), secret: subscription.secret };
  }

  async list(caller: Principal) {
    const subscriptions = await listSubscriptions(this.dataSource.manager, caller.scopes.includes(ADMIN_SCOPE) ? null : caller.sub);
    return { items: subscriptions.map(subscriptionView) };
  }

  async show(caller: Principal, id: string) {
    return subscriptionView(await this.owned(this.dataSource.manager, caller, id));
  }

  async update(caller: Principal, id: string, request: UpdateSubscriptionRequest) {
    return this.dataSource.transaction(async (manager) => {
      const subscription = await this.owned(manager, caller, id, true);
      const now = new Date();
      const changed: Subscription = {
        ...subscription,
        eventTypes: request.eventTypes ? [...new Set(request.eventTypes)] : subscription.eventTypes,
        description: request.description !== undefined ? request.description : subscription.description,
        channels: request.filter && request.filter.channels !== undefined ? request.filter.channels : subscription.channels,
        // Resuming a disabled subscription is how its owner says the endpoint is back.
        status: request.status ?? subscription.status,
        disabledReason: request.status === 'active' ? null : subscription.disabledReason,
        updatedAt: now,
      };
      await saveSubscription(manager, changed);
      await this.audit(manager, caller, 'webhooks.subscription.update', { subscriptionId: id, ...request }, `subscription ${changed.status}`, now);
      return subscriptionView(changed);
    });
  }

  async remove(caller: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.owned(manager, caller, id, true);
      const now = new Date();
      await deleteSubscription(manager, id, now);
      await this.audit(manager, caller, 'webhooks.subscription.delete', { subscriptionId: id }, 'subscription deleted; its pending deliveries dropped', now);
    });
  }

  /** A new secret signs from now on; the old one signs beside it for the grace period, so the receiver can switch without losing a delivery. */
  async rotateSecret(caller: Principal, id: string) {
    return this.dataSource.transaction(async (manager) => {
      const subscription = await this.owned(manager, caller, id, true);
      const now = new Date();
      const rotated: Subscription = {
        ...subscription,
        secret: newWebhookSecret(),
        previousSecret: subscription.secret,
        previousSecretExpiresAt: new Date(now.getTime() + this.config.WEBHOOKS_ROTATION_GRACE_MS),
        updatedAt: now,
      };
      await saveSubscription(manager, rotated);
      await this.audit(manager, caller, 'webhooks.subscription.rotate-secret', { subscriptionId: id }, `secret rotated; the previous one signs until ${rotated.previousSecretExpiresAt!.toISOString()}`, now);
      return { ...subscriptionView(rotated), secret: rotated.secret };
    });
  }

  /** Queues a `webhook.test` delivery to the subscription (signed and retried like any other); answers it as queued. */
  async sendTest(caller: Principal, id: string) {
    return this.dataSource.transaction(async (manager) => {
      const subscription = await this.owned(manager, caller, id, true);
      if (subscription.status === 'disabled') throw new ConflictException(`subscription ${id} is disabled (${subscription.disabledReason}); resume it first`);
      const now = new Date();
      const eventId = `test:${uuidv7()}`;
      await enqueueDelivery(manager, id, eventId, testEvent(id, now), now);
      const [queued] = await manager.query(`SELECT id FROM deliveries WHERE subscription_id = $1 AND event_id = $2`, [id, eventId]);
      return (await listDeliveries(manager, id, { limit: 1, ids: [queued.id] }))[0];
    });
  }

  async deliveries(caller: Principal, id: string, filter: { status?: 'pending' | 'delivered' | 'dead'; limit: number }) {
    await this.owned(this.dataSource.manager, caller, id);
    return { items: await listDeliveries(this.dataSource.manager, id, filter) };
  }

  async redrive(caller: Principal, id: string, deliveryId: string) {
    return this.dataSource.transaction(async (manager) => {
      await this.owned(manager, caller, id, true);
      const now = new Date();
      if (!(await redriveDeadLetter(manager, id, deliveryId, now))) throw new NotFoundException(`no dead letter ${deliveryId} of subscription ${id}`);
      await this.audit(manager, caller, 'webhooks.dead-letter.redrive', { subscriptionId: id, deliveryId }, 'dead letter re-driven', now);
      return (await listDeliveries(manager, id, { limit: 1, ids: [deliveryId] }))[0];
    });
  }

  /** Gives up on a lane head that keeps failing so the deliveries behind it go on; it stays re-drivable. */
  async skip(caller: Principal, id: string, deliveryId: string) {
    return this.dataSource.transaction(async (manager) => {
      await this.owned(manager, caller, id, true);
      const now = new Date();
      if (!(await skipPendingDelivery(manager, id, deliveryId))) throw new NotFoundException(`no pending delivery ${deliveryId} of subscription ${id}`);
      await this.audit(manager, caller, 'webhooks.delivery.skip', { subscriptionId: id, deliveryId }, 'pending delivery skipped (dead-lettered)', now);
      return (await listDeliveries(manager, id, { limit: 1, ids: [deliveryId] }))[0];
    });
  }

  async replay(caller: Principal, id: string, range: { from: Date; to: Date }) {
    return this.dataSource.transaction(async (manager) => {
      await this.owned(manager, caller, id, true);
      const now = new Date();
      const replayed = await replayRange(manager, id, range.from, range.to, now);
      await this.audit(manager, caller, 'webhooks.subscription.replay', { subscriptionId: id, from: range.from.toISOString(), to: range.to.toISOString() }, `${replayed} deliveries queued again`, now, { replayed });
      return { replayed };
    });
  }

  private async owned(manager: EntityManager, caller: Principal, id: string, lock = false): Promise<Subscription> {
    const subscription = await findSubscription(manager, id, lock);
    if (!subscription) throw new NotFoundException(`no subscription ${id}`);
    if (!mayManage(caller, subscription)) throw new ForbiddenException(`subscription ${id} belongs to another partner`);
    return subscription;
  }

  /** https (http only in development), no credentials, and every address the host resolves to outside our own networks. */
  private async assertSafeUrl(url: string): Promise<void> {
    const refuse = (message: string) => {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'invalid request body', issues: [{ path: 'url', message }] });
    };
    const shape = urlShapeProblem(url, this.egress);
    if (shape) refuse(shape);
    const host = hostOf(url);
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
    } catch {
      return refuse(`${host} does not resolve`);
    }
    const problem = addresses.map((address) => forbiddenAddress(address, this.egress)).find((found) => found !== null);
    if (problem) refuse(`not an allowed destination: ${problem}`);
  }

  private audit(manager: EntityManager, caller: Principal, action: string, parameters: Record<string, unknown>, summary: string, startedAt: Date, result?: unknown) {
    return recordOperatorAction(manager, { operator: caller.sub, action, parameters, outcome: 'succeeded', summary, result, startedAt });
  }
}
