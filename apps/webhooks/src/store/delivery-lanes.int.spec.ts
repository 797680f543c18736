import { createTestDatabase, TestDatabase } from '@omnibus/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { Initial1795700000000 } from '../migrations/1795700000000-Initial';
import type { PublicEvent } from '../domain/public-events';
import type { Subscription } from '../domain/subscription';
import { enqueueDelivery, leaseDueHeads, markDead, markDelivered, redriveDeadLetter, scheduleRetry, webhookIdOf } from './delivery-store';
import { insertSubscription } from './subscription-store';

jest.setTimeout(60_000);

// The ordering decisions of the lanes, on PostgreSQL: which delivery goes next.
describe('delivery lanes', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('webhooks_lanes');
    dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: [Initial1795700000000], synchronize: false, extra: { max: 10 } });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });
  afterAll(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await database?.drop();
  });

  const subscription = async (status: Subscription['status'] = 'active') => {
    const now = new Date();
    const id = uuidv7();
    await insertSubscription(dataSource.manager, {
      id, owner: 'partner:test', url: 'https://partner.example/hook', description: null, eventTypes: ['order.confirmed'], channels: null, status,
      disabledReason: null, secret: 'whsec_dGVzdA==', previousSecret: null, previousSecretExpiresAt: null, createdAt: now, updatedAt: now,
    });
    return id;
  };
  const orderEvent = (orderId: string): PublicEvent => ({ type: 'order.confirmed', aggregate: { kind: 'order', id: orderId }, occurredAt: new Date(), channelId: null, data: { orderId } });
  const queue = (subscriptionId: string, orderId: string, eventId = uuidv7()) => dataSource.transaction((manager) => enqueueDelivery(manager, subscriptionId, eventId, orderEvent(orderId), new Date()));
  const leaseFor = async (subscriptionId: string) => {
    const now = new Date();
    const leased = await leaseDueHeads(dataSource.manager, now, new Date(now.getTime() + 60_000), 100, []);
    return leased.filter((delivery) => delivery.subscriptionId === subscriptionId).map((delivery) => JSON.parse(delivery.body) as { id: string; sequence: number; previousId: string | null; aggregate: { id: string } });
  };
  const release = (ids: string[]) => dataSource.query(`UPDATE deliveries SET lease_until = NULL WHERE id = ANY($1::uuid[])`, [ids]);
  const idOf = (webhookId: string) => webhookId.replace(/^msg_/, '');

  it('numbers each order’s deliveries 1, 2, 3 with the previous one’s id, and queues an event once', async () => {
    const sub = await subscription();
    const eventId = uuidv7();
    expect(await queue(sub, 'order-a', eventId)).toBe(true);
    expect(await queue(sub, 'order-a', eventId)).toBe(false);
    await queue(sub, 'order-a');
    await queue(sub, 'order-b');
    const rows = await dataSource.query(`SELECT id, aggregate, sequence, previous_id FROM deliveries WHERE subscription_id = $1 ORDER BY aggregate, sequence`, [sub]);
    expect(rows.map((row: any) => [row.aggregate, Number(row.sequence)])).toEqual([['order:order-a', 1], ['order:order-a', 2], ['order:order-b', 1]]);
    expect(rows[1].previous_id).toBe(rows[0].id);
    expect(rows[0].previous_id).toBeNull();
  });

  it('two events of one order queued at once (two topics, two partitions) get consecutive sequences without a gap', async () => {
    const sub = await subscription();
    await Promise.all(Array.from({ length: 8 }, () => queue(sub, 'order-c')));
    const rows = await dataSource.query(`SELECT sequence, id, previous_id FROM deliveries WHERE subscription_id = $1 ORDER BY sequence`, [sub]);
    expect(rows.map((row: any) => Number(row.sequence))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < rows.length; i += 1) expect(rows[i].previous_id).toBe(rows[i - 1].id);
  });

  it('sends only the head of each lane; a head waiting for its retry holds its own lane and no other', async () => {
    const sub = await subscription();
    for (const orderId of ['order-d', 'order-d', 'order-e', 'order-e']) await queue(sub, orderId);
    const heads = await leaseFor(sub);
    expect(heads.map((head) => [head.aggregate.id, head.sequence]).sort()).toEqual([['order-d', 1], ['order-e', 1]]);
    // Leased heads are in flight: nothing else of those lanes goes meanwhile.
    expect(await leaseFor(sub)).toEqual([]);
    const [d1, e1] = [heads.find((head) => head.aggregate.id === 'order-d')!, heads.find((head) => head.aggregate.id === 'order-e')!];
    await scheduleRetry(dataSource.manager, idOf(d1.id), 1, new Date(Date.now() + 60_000), 'http_500');
    await markDelivered(dataSource.manager, idOf(e1.id), 1, new Date());
    const next = await leaseFor(sub);
    expect(next.map((head) => [head.aggregate.id, head.sequence])).toEqual([['order-e', 2]]);
    expect(next[0].previousId).toBe(e1.id);
  });

  it('a dead-lettered head lets its lane go on; re-driven, it goes before what is still pending behind it', async () => {
    const sub = await subscription();
    for (let i = 0; i < 3; i += 1) await queue(sub, 'order-f');
    const [f1] = await leaseFor(sub);
    await markDead(dataSource.manager, idOf(f1.id), 1, 'http_400: the endpoint refused the delivery');
    const [f2] = await leaseFor(sub);
    expect(f2).toMatchObject({ sequence: 2, previousId: f1.id });
    await release([idOf(f2.id)]);
    expect(await dataSource.transaction((manager) => redriveDeadLetter(manager, sub, idOf(f1.id), new Date()))).toBe(true);
    const [again] = await leaseFor(sub);
    expect(again).toMatchObject({ id: f1.id, sequence: 1 });
    expect(webhookIdOf(idOf(again.id))).toBe(f1.id);
  });

  it('holds every delivery of a paused or disabled subscription', async () => {
    for (const status of ['paused', 'disabled'] as const) {
      const sub = await subscription(status);
      await queue(sub, 'order-g');
      expect(await leaseFor(sub)).toEqual([]);
    }
  });
});
