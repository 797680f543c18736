// Outbound webhooks end to end on the real Kafka and PostgreSQL: canonical events published as the
// order, inventory and returns services would → the webhooks service (in this process) → a partner's
// endpoint on 127.0.0.1 that checks every signature with its own reading of the Standard Webhooks spec.
// Topics, consumer group, databases and subscriptions' channels are this file's own.
import { AvailabilityChanged, money, OrderCompleted, OrderConfirmed, OrderPlaced, quantity, ReturnRefunded, sampleOrderPlaced, ShipmentDispatched } from '@omnibus/contracts';
import { AppProcess, createUniqueTopics, EventPublisher, startSchemaRegistry } from '@omnibus/messaging/testing';
import { issueToken } from '@omnibus/service-kit';
import { startTestService, TestService } from '@omnibus/service-kit/testing';
import { testBrokers, uniqueName, waitFor } from '@omnibus/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { WebhooksConfig } from '../src/config';
import { CONSUMED_TOPICS, webhooksService } from '../src/service';
import { WebhookReceiver } from './receiver';
import { verifyAsReceiver } from './standard-webhooks-verifier';

jest.setTimeout(60_000);

const consumer = uniqueName('webhooks-int');
let registry: AppProcess;
let topics: Record<(typeof CONSUMED_TOPICS)[number], string>;
let service: TestService<WebhooksConfig>;
let publisher: EventPublisher;
let receiver: WebhookReceiver;
let partner: string;
let otherPartner: string;
let operator: string;

beforeAll(async () => {
  [registry, { topics }] = await Promise.all([startSchemaRegistry('webhooks'), createUniqueTopics(CONSUMED_TOPICS, [consumer])]);
  receiver = await WebhookReceiver.onFreePort();
  await receiver.start();
  [service, publisher] = await Promise.all([
    startTestService(webhooksService, {
      KAFKA_BROKERS: testBrokers().join(','),
      SCHEMA_REGISTRY_URL: registry.url,
      TOPIC_OVERRIDES: JSON.stringify(topics),
      WEBHOOKS_CONSUMER_SERVICE: consumer,
      // The receivers run on this machine: loopback is allowed for 127.0.0.1 only, and plain http.
      WEBHOOKS_ALLOW_HTTP: 'true',
      WEBHOOKS_EGRESS_ALLOW: '127.0.0.1/32',
      // The production schedule, shortened: 40 attempts 250 ms apart; an endpoint failing 5 s without a success is disabled.
      WEBHOOKS_RETRY_SCHEDULE_MS: ['0', ...Array(39).fill('250')].join(','),
      WEBHOOKS_DISABLE_AFTER_MS: '5000',
      WEBHOOKS_DISPATCH_INTERVAL_MS: '25',
      WEBHOOKS_CONNECT_TIMEOUT_MS: '1000',
      WEBHOOKS_RESPONSE_TIMEOUT_MS: '2000',
      WEBHOOKS_BREAKER_FAILURES: '100',
    }) as Promise<TestService<WebhooksConfig>>,
    EventPublisher.start(registry.url),
  ]);
  [partner, otherPartner, operator] = await Promise.all([
    issueToken({ sub: 'partner:acme-3pl', scopes: ['webhooks:manage'] }),
    issueToken({ sub: 'partner:rival-crm', scopes: ['webhooks:manage'] }),
    issueToken({ sub: 'operator:alice', scopes: ['webhooks:manage', 'webhooks:admin'] }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([publisher?.stop(), service?.stop(), receiver?.stop()]);
  await registry?.stop();
}, 60_000);

const call = async (token: string, method: string, path: string, body?: unknown) => {
  const response = await service.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: response.status === 204 ? null : ((await response.json()) as any) };
};
const subscribe = async (token: string, body: Record<string, unknown>) => {
  const created = await call(token, 'POST', '/subscriptions', body);
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
};
const deliveriesOf = async (subscriptionId: string, status?: string) => (await call(operator, 'GET', `/subscriptions/${subscriptionId}/deliveries?limit=200${status ? `&status=${status}` : ''}`)).body.items as any[];

const channel = () => uniqueName('web').replace(/_/g, '-');
const placed = (channelId: string) => {
  const order = sampleOrderPlaced(2);
  return { ...order, orderId: uuidv7(), channel: { channelId, kind: 'WEB' as const }, occurredAt: new Date() };
};
const confirmed = (order: OrderPlaced): OrderConfirmed => ({
  orderId: order.orderId, channelOrderRef: order.channelOrderRef, channel: order.channel, companyId: order.companyId, reservationId: uuidv7(), paymentId: null, grandTotal: order.totals.grandTotal, occurredAt: new Date(),
});
const completed = (order: OrderPlaced): OrderCompleted => ({ orderId: order.orderId, companyId: order.companyId, capturedTotal: order.totals.grandTotal, shipmentCount: 1, occurredAt: new Date() });

describe('signed deliveries', () => {
  it('a receiver checking with its own implementation of the spec accepts every delivery, and detects a tampered body, a stale timestamp and a wrong secret', async () => {
    const channelId = channel();
    const orders = await subscribe(partner, { url: receiver.url('/signed/orders'), eventTypes: ['order.placed', 'order.confirmed', 'order.completed'], filter: { channels: [channelId] } });
    const stock = await subscribe(partner, { url: receiver.url('/signed/stock'), eventTypes: ['inventory.availability_changed', 'order.shipped', 'return.refunded'] });
    expect(orders.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const order = placed(channelId);
    const sku = uniqueName('SKU');
    await publisher.publish(OrderPlaced, order, topics['retail.orders']);
    await publisher.publish(OrderConfirmed, confirmed(order), topics['retail.orders']);
    await publisher.publish(OrderCompleted, completed(order), topics['retail.orders']);
    // An order of another channel: the channel filter keeps it from this partner.
    await publisher.publish(OrderPlaced, placed(channel()), topics['retail.orders']);
    await publisher.publish(AvailabilityChanged, { sku, totalAvailable: quantity('7.5'), channels: [{ channelId, availableToPromise: quantity(5) }], locations: [], oldestObservationAt: new Date(), occurredAt: new Date() }, topics['retail.inventory']);
    await publisher.publish(ShipmentDispatched, {
      shipmentId: uuidv7(), orderId: order.orderId, companyId: order.companyId, fromLocation: { locationId: 'wh-central', locationType: 'WAREHOUSE' }, lines: [{ lineId: 'L1', sku: 'SKU-100200', quantity: quantity(1), unitCost: null }],
      finalShipment: true, carrier: 'dhl', trackingNumber: 'JD0001', trackingUrl: null, shipTo: null, occurredAt: new Date(),
    }, topics['retail.shipments']);
    await publisher.publish(ReturnRefunded, {
      returnId: uuidv7(), orderId: order.orderId, companyId: order.companyId, refundId: uuidv7(), lines: [{ lineId: 'L1', sku: 'SKU-100200', quantity: quantity(1), amount: money(8499, 'EUR'), tax: money(1357, 'EUR'), taxCode: null }],
      shippingRefund: money(0, 'EUR'), total: money(8499, 'EUR'), occurredAt: new Date(),
    }, topics['retail.returns']);

    const ordersReceived = await waitFor(() => (receiver.accepted('/signed/orders').length >= 3 ? receiver.accepted('/signed/orders') : undefined), { timeoutMs: 20_000, what: 'three order deliveries' });
    const stockReceived = await waitFor(() => (receiver.accepted('/signed/stock').length >= 3 ? receiver.accepted('/signed/stock') : undefined), { timeoutMs: 20_000, what: 'the stock, shipment and refund deliveries' });
    for (const delivery of ordersReceived) expect(verifyAsReceiver(orders.secret, delivery.headers, delivery.rawBody)).toBe('valid');
    for (const delivery of stockReceived) expect(verifyAsReceiver(stock.secret, delivery.headers, delivery.rawBody)).toBe('valid');
    expect(ordersReceived.map((delivery) => delivery.body.type)).toEqual(['order.placed', 'order.confirmed', 'order.completed']);
    expect(ordersReceived.every((delivery) => delivery.body.data.orderId === order.orderId)).toBe(true);
    expect(ordersReceived.map((delivery) => delivery.headers['webhook-id'])).toEqual(ordersReceived.map((delivery) => delivery.body.id));
    expect(stockReceived.map((delivery) => delivery.body.type).sort()).toEqual(['inventory.availability_changed', 'order.shipped', 'return.refunded']);
    expect(stockReceived.find((delivery) => delivery.body.type === 'inventory.availability_changed')!.body.data).toMatchObject({ sku, totalAvailable: '7.5' });

    const [sample] = ordersReceived;
    const sentAt = Number(sample.headers['webhook-timestamp']);
    const tampered = Buffer.from(sample.rawBody.toString('utf8').replace(order.orderId, uuidv7()));
    expect(verifyAsReceiver(orders.secret, sample.headers, tampered)).toBe('bad-signature');
    expect(verifyAsReceiver(orders.secret, sample.headers, sample.rawBody, sentAt + 301)).toBe('stale');
    expect(verifyAsReceiver(stock.secret, sample.headers, sample.rawBody)).toBe('bad-signature');
    expect(verifyAsReceiver(orders.secret, { ...sample.headers, 'webhook-id': 'msg_other' }, sample.rawBody)).toBe('bad-signature');
  });

  it('after a rotation both the new and the old secret verify, until the grace period ends', async () => {
    const channelId = channel();
    const subscription = await subscribe(partner, { url: receiver.url('/rotated'), eventTypes: ['order.placed'], filter: { channels: [channelId] } });
    const rotated = await call(partner, 'POST', `/subscriptions/${subscription.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(subscription.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt)).toBeGreaterThan(Date.now());
    await publisher.publish(OrderPlaced, placed(channelId), topics['retail.orders']);
    const [delivery] = await waitFor(() => (receiver.accepted('/rotated').length ? receiver.accepted('/rotated') : undefined), { timeoutMs: 20_000, what: 'the delivery after the rotation' });
    expect(String(delivery.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyAsReceiver(rotated.body.secret, delivery.headers, delivery.rawBody)).toBe('valid');
    expect(verifyAsReceiver(subscription.secret, delivery.headers, delivery.rawBody)).toBe('valid');
  });
});

describe('test deliveries', () => {
  it('POST /subscriptions/:id/test sends a signed webhook.test to the endpoint', async () => {
    const subscription = await subscribe(partner, { url: receiver.url('/tested'), eventTypes: ['order.placed'], filter: { channels: [channel()] } });
    const queued = await call(partner, 'POST', `/subscriptions/${subscription.id}/test`);
    expect(queued).toMatchObject({ status: 202, body: { eventType: 'webhook.test', status: 'pending', sequence: 1 } });
    const [delivery] = await waitFor(() => (receiver.accepted('/tested').length ? receiver.accepted('/tested') : undefined), { timeoutMs: 20_000, what: 'the test delivery' });
    expect(delivery.body).toMatchObject({ id: queued.body.webhookId, type: 'webhook.test', data: { subscriptionId: subscription.id } });
    expect(verifyAsReceiver(subscription.secret, delivery.headers, delivery.rawBody)).toBe('valid');
  });
});

describe('ordered per order, retried until the endpoint takes it', () => {
  it('an endpoint down, then 500, then 429 with Retry-After, then 200 gets every event exactly once, in order per order, with no gap', async () => {
    const channelId = channel();
    const flaky = await WebhookReceiver.onFreePort();
    const subscription = await subscribe(partner, { url: flaky.url('/orders'), eventTypes: ['order.placed', 'order.confirmed', 'order.completed'], filter: { channels: [channelId] } });
    const orders = [placed(channelId), placed(channelId), placed(channelId)];
    for (const order of orders) await publisher.publish(OrderPlaced, order, topics['retail.orders']);
    for (const order of orders) await publisher.publish(OrderConfirmed, confirmed(order), topics['retail.orders']);
    for (const order of orders) await publisher.publish(OrderCompleted, completed(order), topics['retail.orders']);
    try {
      // Down: every lane's head has failed to connect at least once before the endpoint comes up.
      await waitFor(
        async () => {
          const heads = (await deliveriesOf(subscription.id)).filter((delivery) => delivery.sequence === 1);
          return heads.length === 3 && heads.every((delivery) => delivery.attemptLog.some((attempt: any) => attempt.error?.startsWith('connection')));
        },
        { timeoutMs: 20_000, what: 'each order’s first delivery to fail while the endpoint is down' },
      );
      let requests = 0;
      flaky.answer = () => {
        requests += 1;
        if (requests <= 2) return { status: 500, body: 'internal error' };
        if (requests === 3) return { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' };
        return { status: 200, body: 'ok' };
      };
      await flaky.start();
      const accepted = await waitFor(() => (flaky.accepted('/orders').length >= 9 ? flaky.accepted('/orders') : undefined), { timeoutMs: 30_000, what: 'all nine deliveries accepted' });
      // Nothing more arrives: each delivery once.
      await waitFor(async () => (await deliveriesOf(subscription.id, 'delivered')).length === 9, { timeoutMs: 10_000, what: 'nine delivered' });
      expect(flaky.accepted('/orders')).toHaveLength(9);
      expect(new Set(accepted.map((delivery) => delivery.headers['webhook-id'])).size).toBe(9);
      for (const order of orders) {
        const ofOrder = accepted.filter((delivery) => delivery.body.data.orderId === order.orderId).map((delivery) => delivery.body);
        expect(ofOrder.map((body) => body.type)).toEqual(['order.placed', 'order.confirmed', 'order.completed']);
        expect(ofOrder.map((body) => body.sequence)).toEqual([1, 2, 3]);
        expect(ofOrder.map((body) => body.previousId)).toEqual([null, ofOrder[0].id, ofOrder[1].id]);
      }
      const log = (await deliveriesOf(subscription.id)).flatMap((delivery) => delivery.attemptLog);
      expect(log.some((attempt: any) => attempt.statusCode === 500 && attempt.responseStart === 'internal error')).toBe(true);
      // Retry-After: 1 was honoured although the schedule says 250 ms: the throttled delivery's next attempt came a second later.
      const throttledDelivery = (await deliveriesOf(subscription.id)).find((delivery) => delivery.attemptLog.some((attempt: any) => attempt.statusCode === 429))!;
      const throttledAt = throttledDelivery.attemptLog.findIndex((attempt: any) => attempt.statusCode === 429);
      const [throttled, next] = throttledDelivery.attemptLog.slice(throttledAt, throttledAt + 2);
      expect(next).toMatchObject({ attempt: throttled.attempt + 1, statusCode: 200 });
      expect(Date.parse(next.startedAt) - Date.parse(throttled.startedAt)).toBeGreaterThanOrEqual(1000);
      expect(log.every((attempt: any) => attempt.latencyMs >= 0)).toBe(true);
      const metrics = await (await service.request('/metrics')).text();
      for (const outcome of ['delivered', 'retry']) expect(metrics).toMatch(new RegExp(`webhooks_deliveries_total\\{[^}]*outcome="${outcome}"[^}]*\\} [1-9]`));
      expect(metrics).toMatch(/webhooks_event_to_delivery_seconds_count\{[^}]*\} [1-9]/);
    } finally {
      await flaky.stop();
    }
  });
});

describe('dead letters, re-drive and replay', () => {
  it('a 400 dead-letters at once; a re-drive delivers it once; a replay of a time range delivers again with the same webhook-ids', async () => {
    const channelId = channel();
    const subscription = await subscribe(partner, { url: receiver.url('/refusing'), eventTypes: ['order.placed', 'order.confirmed'], filter: { channels: [channelId] } });
    let refusing = true;
    const previous = receiver.answer;
    receiver.answer = (request) => (request.path === '/refusing' && refusing ? { status: 400, body: 'unknown field: channelOrderRef' } : previous(request));
    try {
      const from = new Date(Date.now() - 1000);
      const order = placed(channelId);
      await publisher.publish(OrderPlaced, order, topics['retail.orders']);
      const [dead] = await waitFor(async () => {
        const letters = (await call(partner, 'GET', `/subscriptions/${subscription.id}/dead-letters`)).body.items;
        return letters.length === 1 ? letters : undefined;
      }, { timeoutMs: 20_000, what: 'the dead letter' });
      expect(dead).toMatchObject({ status: 'dead', attempts: 1, deadReason: 'http_400: the endpoint refused the delivery', eventType: 'order.placed', sequence: 1 });
      expect(dead.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 400, outcome: 'dead', responseStart: 'unknown field: channelOrderRef' })]);
      expect(receiver.received.filter((entry) => entry.path === '/refusing')).toHaveLength(1);

      // The lane goes on behind the dead letter: the order's next event is delivered once the endpoint takes it.
      refusing = false;
      await publisher.publish(OrderConfirmed, confirmed(order), topics['retail.orders']);
      await waitFor(() => receiver.accepted('/refusing').length === 1, { timeoutMs: 20_000, what: 'the next delivery' });
      expect(receiver.accepted('/refusing')[0].body).toMatchObject({ type: 'order.confirmed', sequence: 2, previousId: dead.webhookId });

      const redriven = await call(partner, 'POST', `/subscriptions/${subscription.id}/dead-letters/${dead.id}/redrive`);
      expect(redriven.status).toBe(200);
      await waitFor(() => receiver.accepted('/refusing').length === 2, { timeoutMs: 20_000, what: 'the re-driven delivery' });
      await waitFor(async () => (await deliveriesOf(subscription.id, 'delivered')).length === 2, { timeoutMs: 10_000, what: 'both delivered' });
      expect(receiver.accepted('/refusing').filter((entry) => entry.headers['webhook-id'] === dead.webhookId)).toHaveLength(1);
      expect((await call(partner, 'POST', `/subscriptions/${subscription.id}/dead-letters/${dead.id}/redrive`)).status).toBe(404);

      const firstIds = receiver.accepted('/refusing').map((entry) => entry.headers['webhook-id']).sort();
      const replay = await call(partner, 'POST', `/subscriptions/${subscription.id}/replay`, { from: from.toISOString(), to: new Date(Date.now() + 1000).toISOString() });
      expect(replay).toEqual({ status: 202, body: { replayed: 2 } });
      await waitFor(() => receiver.accepted('/refusing').length === 4, { timeoutMs: 20_000, what: 'the replayed deliveries' });
      const replayedIds = receiver.accepted('/refusing').slice(2).map((entry) => entry.headers['webhook-id']).sort();
      expect(replayedIds).toEqual(firstIds);

      const audit = await service.app.get(DataSource).query(`SELECT operator, action FROM operator_audit WHERE parameters->>'subscriptionId' = $1 ORDER BY id`, [subscription.id]);
      expect(audit.map((row: any) => row.action)).toEqual(['webhooks.subscription.create', 'webhooks.dead-letter.redrive', 'webhooks.subscription.replay']);
      expect(audit.every((row: any) => row.operator === 'partner:acme-3pl')).toBe(true);
    } finally {
      receiver.answer = previous;
    }
  });

  it('a 410 Gone disables the subscription; its owner resumes it', async () => {
    const channelId = channel();
    const subscription = await subscribe(partner, { url: receiver.url('/gone'), eventTypes: ['order.placed'], filter: { channels: [channelId] } });
    const previous = receiver.answer;
    receiver.answer = (request) => (request.path === '/gone' ? { status: 410, body: 'gone' } : previous(request));
    try {
      await publisher.publish(OrderPlaced, placed(channelId), topics['retail.orders']);
      const disabled = await waitFor(async () => {
        const current = (await call(partner, 'GET', `/subscriptions/${subscription.id}`)).body;
        return current.status === 'disabled' ? current : undefined;
      }, { timeoutMs: 20_000, what: 'the subscription to be disabled' });
      expect(disabled.disabledReason).toMatch(/410/);
      const resumed = await call(partner, 'PATCH', `/subscriptions/${subscription.id}`, { status: 'active' });
      expect(resumed.body).toMatchObject({ status: 'active', disabledReason: null });
    } finally {
      receiver.answer = previous;
    }
  });
});

describe('an endpoint failing for too long', () => {
  it('is disabled with the reason, and its deliveries wait for the owner to resume it', async () => {
    const channelId = channel();
    const nowhere = await WebhookReceiver.onFreePort();
    const subscription = await subscribe(partner, { url: nowhere.url('/never-up'), eventTypes: ['order.placed'], filter: { channels: [channelId] } });
    await publisher.publish(OrderPlaced, placed(channelId), topics['retail.orders']);
    const disabled = await waitFor(async () => {
      const current = (await call(partner, 'GET', `/subscriptions/${subscription.id}`)).body;
      return current.status === 'disabled' ? current : undefined;
    }, { timeoutMs: 20_000, what: 'the failing subscription to be disabled' });
    expect(disabled.disabledReason).toMatch(/^endpoint_failing: no successful delivery since /);
    const [held] = await deliveriesOf(subscription.id);
    expect(held).toMatchObject({ status: 'pending' });
    expect(held.attemptLog.length).toBeGreaterThan(1);
    expect(held.attemptLog.every((attempt: any) => attempt.error?.startsWith('connection'))).toBe(true);
  });
});

describe('partners see and touch only their own subscriptions', () => {
  it('another partner gets 403 for every route of a subscription not its own, 404 for none, and its list shows only its own', async () => {
    const mine = await subscribe(partner, { url: receiver.url('/mine'), eventTypes: ['order.placed'], filter: { channels: [channel()] } });
    const theirs = await subscribe(otherPartner, { url: receiver.url('/theirs'), eventTypes: ['order.placed'], filter: { channels: [channel()] } });
    for (const [method, path, body] of [
      ['GET', `/subscriptions/${mine.id}`],
      ['PATCH', `/subscriptions/${mine.id}`, { status: 'paused' }],
      ['DELETE', `/subscriptions/${mine.id}`],
      ['POST', `/subscriptions/${mine.id}/rotate-secret`],
      ['GET', `/subscriptions/${mine.id}/deliveries`],
      ['POST', `/subscriptions/${mine.id}/replay`, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }],
      ['POST', `/subscriptions/${mine.id}/dead-letters/${uuidv7()}/redrive`],
      ['POST', `/subscriptions/${mine.id}/test`],
    ] as [string, string, unknown?][]) {
      expect({ method, path, status: (await call(otherPartner, method, path, body)).status }).toEqual({ method, path, status: 403 });
    }
    expect((await call(otherPartner, 'GET', `/subscriptions/${uuidv7()}`)).status).toBe(404);
    const listed = (await call(otherPartner, 'GET', '/subscriptions')).body.items.map((item: any) => item.id);
    expect(listed).toContain(theirs.id);
    expect(listed).not.toContain(mine.id);
    expect((await call(partner, 'GET', `/subscriptions/${mine.id}`)).body).not.toHaveProperty('secret');
    // Operators see everyone's; only they may skip a lane head.
    const all = (await call(operator, 'GET', '/subscriptions')).body.items.map((item: any) => item.id);
    expect(all).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect((await call(partner, 'POST', `/subscriptions/${mine.id}/deliveries/${uuidv7()}/skip`)).status).toBe(403);
    expect((await call(operator, 'POST', `/subscriptions/${mine.id}/deliveries/${uuidv7()}/skip`)).status).toBe(404);
  });

  it('a partner cannot subscribe to a private, loopback or metadata address, and bad requests name their fields', async () => {
    for (const url of ['http://10.0.0.8/hook', 'http://192.168.1.20/hook', 'http://169.254.169.254/latest/meta-data', 'http://127.0.0.2:8080/hook', 'http://[::1]:8080/hook', 'http://[::ffff:10.0.0.1]/hook']) {
      const refused = await call(partner, 'POST', '/subscriptions', { url, eventTypes: ['order.placed'] });
      expect({ url, status: refused.status, issues: refused.body.issues }).toEqual({ url, status: 400, issues: [{ path: 'url', message: expect.stringMatching(/not an allowed destination/) }] });
    }
    const invalid = await call(partner, 'POST', '/subscriptions', { url: receiver.url('/x'), eventTypes: ['order.teleported'], filter: { channels: [] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issues.map((issue: any) => issue.path).sort()).toEqual(['eventTypes.0', 'filter.channels']);
    expect((await call(partner, 'POST', '/subscriptions', { url: 'ftp://partner.example/x', eventTypes: ['order.placed'] })).body.issues).toEqual([{ path: 'url', message: 'must be an http or https URL' }]);
  });
});
