import { CommitReservation, ReleaseReservation, ReservationRejected, ReserveStock, ReturnDispositioned, ShipmentDispatched, StockPositionChanged, StockReserved } from '@omnibus/contracts';
import { createService, issueToken, RunningService } from '@omnibus/service-kit';
import { describeStandardService, testServiceEnv, TestService } from '@omnibus/service-kit/testing';
import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { runOmnibus } from '@omnibus/testing';
import { AppProcess, createUniqueTopics, EventPublisher, EventRecorder, PublishedRecord, startSchemaRegistry } from '@omnibus/messaging/testing';
import type { InventoryConfig } from './config';
import { inventoryService } from './service';
import { checkInvariants } from './stock/invariants';

jest.setTimeout(90_000);

const CATALOGUE_TOPICS = ['inventory.commands', 'retail.reservations', 'retail.inventory', 'retail.locations', 'odoo.stock-snapshots', 'odoo.commands', 'inventory.checks', 'retail.shipments', 'retail.returns'] as const;
const consumerService = uniqueName('inventory-test');
const savedEnv = { ...process.env };
let registry: AppProcess;
let topics: Record<(typeof CATALOGUE_TOPICS)[number], string>;
let recorder: EventRecorder;
let publisher: EventPublisher;

beforeAll(async () => {
  [registry, { topics }] = await Promise.all([startSchemaRegistry('inventory'), createUniqueTopics(CATALOGUE_TOPICS, [consumerService])]);
  Object.assign(process.env, {
    SCHEMA_REGISTRY_URL: registry.url,
    TOPIC_OVERRIDES: JSON.stringify(topics),
    INVENTORY_CONSUMER_SERVICE: consumerService,
    INVENTORY_NETWORK_FILE: path.join(__dirname, '..', 'test', 'network.yaml'),
    RESERVATION_SWEEP_INTERVAL_MS: '200',
    AVAILABILITY_COALESCE_MS: '4000',
  });
  [recorder, publisher] = await Promise.all([EventRecorder.start([topics['retail.reservations'], topics['retail.inventory']], registry.url), EventPublisher.start(registry.url)]);
}, 90_000);

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([recorder?.stop(), publisher?.stop()]);
  await registry?.stop();
});

const observedAt = (secondsAgo = 0) => new Date(Date.now() - secondsAgo * 1000).toISOString();

describeStandardService(
  inventoryService,
  {
    main: path.join(__dirname, 'main.ts'),
    tables: ['stock_positions', 'stock_ledger', 'availability_dirty', 'availability_published', 'reservations', 'reservation_lines', 'stock_feed_events', 'stock_source_marks', 'stock_freshness', 'outbox', 'messaging_inbox'],
  },
  (running) => {
    let service: TestService<InventoryConfig>;
    let db: DataSource;
    let wms: string;

    beforeAll(async () => {
      service = running() as TestService<InventoryConfig>;
      db = service.app.get(DataSource);
      wms = await issueToken({ sub: 'system:wms', scopes: ['stock:feed', 'availability:read'] });
    });

    const feed = (updates: unknown[], { token = wms, source = 'wms' } = {}) =>
      service.request(`/stock/feeds/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ updates }) });
    const count = (sku: string, locationId: string, quantity: string, extra: Record<string, unknown> = {}) => ({
      eventId: uuidv7(),
      sku,
      locationId,
      kind: 'absolute',
      quantity,
      observedAt: observedAt(),
      ...extra,
    });
    const position = async (sku: string, locationId: string) =>
      (await db.query(`SELECT on_hand::int AS "onHand", reserved::int AS reserved, committed::int AS committed, unavailable::int AS unavailable FROM stock_positions WHERE sku = $1 AND location_id = $2`, [sku, locationId]))[0];
    const reserveCommand = (sku: string, quantity: number, channelId = 'web', orderId = uuidv7()): ReserveStock => ({
      commandId: uuidv7(),
      orderId,
      channel: { channelId, kind: 'WEB' },
      region: 'eu-north',
      lines: [{ lineId: '1', sku, quantity: { milli: quantity * 1000 } }],
      occurredAt: new Date(),
    });
    const answerOf = async (orderId: string, count = 1) => {
      const events = await waitFor(() => {
        const answers = recorder.events.filter((event) => event.key === orderId && ([StockReserved.type, ReservationRejected.type] as string[]).includes(event.type));
        return answers.length >= count ? answers : undefined;
      }, { timeoutMs: 30_000, what: `answer to the reservation of ${orderId}` });
      return events;
    };

    const handled = (record: PublishedRecord) =>
      waitFor(async () => (await db.query(`SELECT 1 FROM messaging_inbox WHERE event_id = $1`, [record.headers.ce_id])).length === 1, { what: `event ${record.headers.ce_id} to be handled` });

    describe('stock feeds', () => {
      it('refuses a malformed batch with 400 naming each field, and applies none of it', async () => {
        const response = await feed([count('FEED-1', 'wh-north', '5'), { ...count('FEED-1', 'wh-west', '2.5555'), observedAt: 'yesterday' }, count('FEED-1', 'nowhere', '1')]);
        expect({ status: response.status, body: await response.json() }).toMatchObject({
          status: 400,
          body: {
            message: 'invalid request body',
            issues: [
              { path: 'updates.1.quantity', message: 'must be a decimal quantity with at most 3 decimals, e.g. "12" or "2.5"' },
              { path: 'updates.1.observedAt', message: 'must be an ISO 8601 timestamp with a time zone' },
            ],
          },
        });
        const unknownLocation = await feed([count('FEED-1', 'wh-north', '5'), count('FEED-1', 'nowhere', '1')]);
        expect({ status: unknownLocation.status, body: await unknownLocation.json() }).toMatchObject({
          status: 400,
          body: { issues: [{ path: 'updates.1.locationId', message: 'unknown location nowhere' }] },
        });
        expect(await db.query(`SELECT * FROM stock_positions WHERE sku = 'FEED-1'`)).toEqual([]);
        expect(await db.query(`SELECT * FROM stock_ledger WHERE sku = 'FEED-1'`)).toEqual([]);
      });

      it('a partner token may feed only its own locations: another partner\'s location is 403 and nothing is applied', async () => {
        const acme = await issueToken({ sub: 'partner:acme', scopes: ['stock:feed'] });
        const own = await feed([count('FEED-2', 'ds-acme', '7')], { token: acme, source: 'dropship' });
        expect({ status: own.status, body: await own.json() }).toEqual({ status: 200, body: { applied: 1, duplicates: 0, olderIgnored: 0 } });
        const foreign = await feed([count('FEED-2', 'ds-acme', '8'), count('FEED-2', 'ds-zeta', '3')], { token: acme, source: 'dropship' });
        expect({ status: foreign.status, body: await foreign.json() }).toMatchObject({ status: 403, body: { message: 'partner acme may not feed location ds-zeta: nothing was applied' } });
        expect(await position('FEED-2', 'ds-acme')).toMatchObject({ onHand: 7000 });
        expect(await position('FEED-2', 'ds-zeta')).toBeUndefined();
        const noScope = await feed([count('FEED-2', 'ds-acme', '8')], { token: await issueToken({ sub: 'partner:acme', scopes: ['availability:read'] }), source: 'dropship' });
        expect(noScope.status).toBe(403);
      });

      it('out-of-order and duplicate updates never move a position backwards; older ones are counted as ignored', async () => {
        const newest = count('FEED-3', 'wh-north', '10', { observedAt: observedAt(10) });
        expect(await (await feed([newest])).json()).toEqual({ applied: 1, duplicates: 0, olderIgnored: 0 });
        const late = await feed([count('FEED-3', 'wh-north', '4', { observedAt: observedAt(60) }), newest]);
        expect(await late.json()).toEqual({ applied: 0, duplicates: 1, olderIgnored: 1 });
        expect(await position('FEED-3', 'wh-north')).toMatchObject({ onHand: 10_000 });

        // By sequence when the sender numbers its updates: 3 after 5 is older, whatever its timestamp says.
        await feed([count('FEED-3', 'store-1', '5', { sequence: 5 })]);
        const replayed = await feed([
          { ...count('FEED-3', 'store-1', '1', { sequence: 3 }) },
          { eventId: uuidv7(), sku: 'FEED-3', locationId: 'store-1', kind: 'delta', quantity: '-2', sequence: 6, observedAt: observedAt() },
        ]);
        expect(await replayed.json()).toEqual({ applied: 1, duplicates: 0, olderIgnored: 1 });
        expect(await position('FEED-3', 'store-1')).toMatchObject({ onHand: 3_000 });
        const [freshness] = await db.query(`SELECT ignored_older::int AS ignored FROM stock_freshness WHERE source = 'wms' AND location_id = 'store-1'`);
        expect(freshness.ignored).toBe(1);
        expect(await checkInvariants(db.manager)).toEqual([]);
      });

      it('publishes each applied position as StockPositionChanged on retail.inventory', async () => {
        const update = count('FEED-4', 'wh-west', '12.5', { unavailable: '1' });
        await feed([update]);
        const [event] = await recorder.waitFor('FEED-4', 'com.omnibus.inventory.StockPositionChanged');
        expect(event.value).toMatchObject({ sku: 'FEED-4', location: { locationId: 'wh-west', locationType: 'WAREHOUSE' }, onHand: { milli: 12_500 }, source: 'WMS', sourceReference: update.eventId });
        expect(await position('FEED-4', 'wh-west')).toMatchObject({ onHand: 12_500, unavailable: 1_000 });
      });
    });

    describe('invariant check', () => {
      it('`omnibus inventory check` reports the invariants holding (exit 0), and a tampered row as a violation (exit 1)', async () => {
        await feed([count('INV-1', 'wh-north', '3')]);
        const clean = await runOmnibus(['inventory', 'check', '--url', service.url]);
        expect(clean).toMatchObject({ code: 0, stdout: expect.stringMatching(/^stock invariants hold/) });

        // A row changed behind the ledger's back (as a buggy script would): the check names it.
        await db.query(`UPDATE stock_positions SET reserved = 1000 WHERE sku = 'INV-1'`);
        try {
          const broken = await runOmnibus(['inventory', 'check', '--url', service.url]);
          expect(broken.code).toBe(1);
          expect(broken.stdout).toMatch(/reserved_matches_reservations\s+INV-1\s+wh-north\s+reserved 1000 but held reservations 0/);
          expect(broken.stdout).toMatch(/position_matches_ledger\s+INV-1\s+wh-north/);
          expect(broken.stdout).toMatch(/projection_matches_position\s+INV-1\s+wh-north\s+row 3000\/1000\/0\/0 but projection 3\/0\/0\/0 \(units\)/);
          expect(broken.stderr).toContain('omnibus: 3 stock invariant violation(s)');
          const metrics = await (await service.request('/metrics')).text();
          expect(metrics).toMatch(/inventory_invariant_violations\{[^}]*\} 3/);
        } finally {
          await db.query(`UPDATE stock_positions SET reserved = 0 WHERE sku = 'INV-1'`);
        }
      });
    });

    describe('availability', () => {
      it('answers available to promise per SKU with each location\'s parts and the freshness of its source', async () => {
        await feed([count('AV-1', 'wh-north', '10', { unavailable: '2' }), count('AV-1', 'store-1', '3'), count('AV-1', 'ds-acme', '4')]);
        const response = await service.request('/availability?skus=AV-1,AV-NONE&channel=web&region=eu-north', { headers: { authorization: `Bearer ${wms}` } });
        const body: any = await response.json();
        expect(response.status).toBe(200);
        // wh-north 10 − 2 unavailable = 8, store-1 3 − 1 safety stock = 2, ds-acme 4.
        expect(body.skus[0]).toMatchObject({ sku: 'AV-1', availableToPromise: '14' });
        expect(body.skus[0].locations[0]).toMatchObject({ locationId: 'store-1', available: '2', safetyStock: '1', countsForChannel: true, sources: [{ source: 'wms', ageSeconds: expect.any(Number) }] });
        expect(body.skus[1]).toEqual({ sku: 'AV-NONE', availableToPromise: '0', locations: [] });
        const bad = await service.request(`/availability?skus=${Array.from({ length: 101 }, (_, i) => `S${i}`).join(',')}&channel=web`, { headers: { authorization: `Bearer ${wms}` } });
        expect({ status: bad.status, body: await bad.json() }).toMatchObject({
          status: 400,
          body: { issues: [{ path: 'skus', message: 'must name 1 to 100 SKUs' }, { path: 'region', message: 'is required' }] },
        });
      });
    });

    describe('availability changes', () => {
      it('a burst of stock moves becomes one AvailabilityChanged; crossing to zero is published at once', async () => {
        const events = () => recorder.of('AVC-1', 'com.omnibus.inventory.AvailabilityChanged');
        const web = (event: { value: any }) => event.value.channels.find((channel: any) => channel.channelId === 'web').availableToPromise.milli;
        await feed([count('AVC-1', 'wh-north', '20')]);
        await waitFor(() => events().length === 1, { timeoutMs: 30_000, what: 'the first AvailabilityChanged' });
        expect(events()[0].value).toMatchObject({ sku: 'AVC-1', totalAvailable: { milli: 20_000 }, locations: [{ location: { locationId: 'wh-north' }, available: { milli: 20_000 } }] });

        for (let i = 0; i < 10; i++) {
          await feed([{ eventId: uuidv7(), sku: 'AVC-1', locationId: 'wh-north', kind: 'delta', quantity: '-1', observedAt: observedAt() }]);
        }
        await waitFor(() => events().length === 2, { timeoutMs: 30_000, what: 'the coalesced AvailabilityChanged' });
        expect(events().map(web)).toEqual([20_000, 10_000]);

        const sentAt = Date.now();
        await feed([{ eventId: uuidv7(), sku: 'AVC-1', locationId: 'wh-north', kind: 'delta', quantity: '-10', observedAt: observedAt() }]);
        await waitFor(() => events().length === 3, { timeoutMs: 30_000, what: 'the zero crossing' });
        expect(web(events()[2])).toBe(0);
        // Published within the tick, not at the end of the 4 s window.
        expect(events()[2].value.occurredAt.getTime() - sentAt).toBeLessThan(4_000);
      });
    });

    describe('reservations', () => {
      it('reserves through Kafka and answers StockReserved; a replayed command (new event id) or a redelivery reserves nothing twice', async () => {
        await feed([count('RES-1', 'wh-north', '5')]);
        const command = reserveCommand('RES-1', 2);
        const record = await publisher.publish(ReserveStock, command, topics['inventory.commands']);
        const [answer] = await answerOf(command.orderId);
        expect(answer).toMatchObject({ type: StockReserved.type, value: { orderId: command.orderId, lines: [{ lineId: '1', sku: 'RES-1', quantity: { milli: 2000 }, location: { locationId: 'wh-north' } }] } });

        await publisher.send(record); // the same record again: the inbox skips it
        await publisher.publish(ReserveStock, command, topics['inventory.commands']); // the same command, a new event id
        const answers = await answerOf(command.orderId, 2);
        expect(answers[1].value).toEqual(answers[0].value);
        expect(await position('RES-1', 'wh-north')).toMatchObject({ onHand: 5000, reserved: 2000 });
        expect(await db.query(`SELECT count(*)::int AS n FROM reservations WHERE order_id = $1`, [command.orderId])).toEqual([{ n: 1 }]);
      });

      it('a reservation that expires is released within seconds and the stock is available again', async () => {
        await feed([count('EXP-1', 'wh-north', '1')]);
        const first = reserveCommand('EXP-1', 1, 'flash');
        await publisher.publish(ReserveStock, first, topics['inventory.commands']);
        expect((await answerOf(first.orderId))[0].type).toBe(StockReserved.type);
        const [expired] = await recorder.waitFor(first.orderId, 'com.omnibus.reservation.ReservationExpired', 1, 30_000);
        expect(expired.value).toMatchObject({ orderId: first.orderId, lines: [{ sku: 'EXP-1', quantity: { milli: 1000 } }] });
        expect(expired.value.occurredAt.getTime() - expired.value.expiresAt.getTime()).toBeLessThan(10_000);
        expect(await position('EXP-1', 'wh-north')).toMatchObject({ reserved: 0 });
        const second = reserveCommand('EXP-1', 1, 'flash');
        await publisher.publish(ReserveStock, second, topics['inventory.commands']);
        expect((await answerOf(second.orderId))[0].type).toBe(StockReserved.type);
      });

      it('commit moves the stock from reserved to committed (no expiry); release gives it back; a repeated command changes nothing', async () => {
        await feed([count('CMT-1', 'wh-north', '5')]);
        const reserve = reserveCommand('CMT-1', 2);
        await publisher.publish(ReserveStock, reserve, topics['inventory.commands']);
        expect((await answerOf(reserve.orderId))[0].type).toBe(StockReserved.type);
        const commit: CommitReservation = { commandId: uuidv7(), orderId: reserve.orderId, occurredAt: new Date() };
        await publisher.publish(CommitReservation, commit, topics['inventory.commands']);
        const [committed] = await recorder.waitFor(reserve.orderId, 'com.omnibus.reservation.ReservationCommitted');
        expect(committed.value).toMatchObject({ lines: [{ sku: 'CMT-1', quantity: { milli: 2000 }, location: { locationId: 'wh-north' } }] });
        expect(await position('CMT-1', 'wh-north')).toMatchObject({ reserved: 0, committed: 2000 });
        expect(await db.query(`SELECT expires_at FROM reservations WHERE order_id = $1`, [reserve.orderId])).toEqual([{ expires_at: null }]);

        const release: ReleaseReservation = { commandId: uuidv7(), orderId: reserve.orderId, reason: 'ORDER_CANCELLED', lines: null, occurredAt: new Date() };
        await publisher.publish(ReleaseReservation, release, topics['inventory.commands']);
        const replay = await publisher.publish(ReleaseReservation, release, topics['inventory.commands']); // the same command, a new event id
        const [released] = await recorder.waitFor(reserve.orderId, 'com.omnibus.reservation.ReservationReleased');
        expect(released.value).toMatchObject({ reason: 'ORDER_CANCELLED', fullyReleased: true, lines: [{ sku: 'CMT-1', quantity: { milli: 2000 } }] });
        await handled(replay);
        // The replay moved nothing and answered nothing new: one release in the ledger, one ReservationReleased.
        expect(await db.query(`SELECT count(*)::int AS n FROM stock_ledger WHERE sku = 'CMT-1' AND movement = 'release'`)).toEqual([{ n: 1 }]);
        expect(await position('CMT-1', 'wh-north')).toMatchObject({ onHand: 5000, reserved: 0, committed: 0 });
        expect(recorder.of(reserve.orderId, 'com.omnibus.reservation.ReservationReleased')).toHaveLength(1);
        expect(await checkInvariants(db.manager)).toEqual([]);
      });

      describe('shipments', () => {
        const parcel = (orderId: string, sku: string, quantity: number, shipmentId = uuidv7()): ShipmentDispatched => ({
          shipmentId,
          orderId,
          companyId: 'omnibus-retail',
          fromLocation: { locationId: 'wh-north', locationType: 'WAREHOUSE' },
          lines: [{ lineId: '1', sku, quantity: { milli: quantity * 1000 }, unitCost: null }],
          finalShipment: false,
          carrier: 'dhl',
          trackingNumber: null,
          trackingUrl: null,
          shipTo: null,
          occurredAt: new Date(),
        });
        const ship = async (shipment: ShipmentDispatched) => handled(await publisher.publish(ShipmentDispatched, shipment, topics['retail.shipments']));
        const reserveHeld = async (sku: string, quantity: number) => {
          const reserve = reserveCommand(sku, quantity);
          await publisher.publish(ReserveStock, reserve, topics['inventory.commands']);
          expect((await answerOf(reserve.orderId))[0].type).toBe(StockReserved.type);
          return reserve.orderId;
        };
        const release = async (orderId: string) => {
          await publisher.publish(ReleaseReservation, { commandId: uuidv7(), orderId, reason: 'ORDER_CANCELLED', lines: null, occurredAt: new Date() }, topics['inventory.commands']);
          return (await recorder.waitFor(orderId, 'com.omnibus.reservation.ReservationReleased'))[0];
        };
        const webAt = async (sku: string) =>
          ((await (await service.request(`/availability?skus=${sku}&channel=web&region=eu-north`, { headers: { authorization: `Bearer ${wms}` } })).json()) as any).skus[0];
        const reservation = async (orderId: string) =>
          (await db.query(`SELECT r.status, l.quantity::int AS quantity, l.shipped::int AS shipped FROM reservations r JOIN reservation_lines l USING (reservation_id) WHERE r.order_id = $1`, [orderId]))[0];

        it('a partial parcel takes its units out of the committed reservation and the on-hand (once per shipment id); a later release gives back only the rest', async () => {
          await feed([count('SHP-1', 'wh-north', '10')]);
          const orderId = await reserveHeld('SHP-1', 5);
          await publisher.publish(CommitReservation, { commandId: uuidv7(), orderId, occurredAt: new Date() }, topics['inventory.commands']);
          await recorder.waitFor(orderId, 'com.omnibus.reservation.ReservationCommitted');

          const first = parcel(orderId, 'SHP-1', 2);
          await ship(first);
          expect(await position('SHP-1', 'wh-north')).toEqual({ onHand: 8000, reserved: 0, committed: 3000, unavailable: 0 });
          expect(await reservation(orderId)).toEqual({ status: 'committed', quantity: 3000, shipped: 2000 });
          // The shipped units no longer count against availability: 8 on hand − 3 committed.
          expect(await webAt('SHP-1')).toMatchObject({ availableToPromise: '5', locations: [{ locationId: 'wh-north', onHand: '8', committed: '3', available: '5' }] });

          await ship(first); // the same shipment under a new event id: nothing ships twice
          expect(await position('SHP-1', 'wh-north')).toMatchObject({ onHand: 8000, committed: 3000 });
          expect(await db.query(`SELECT on_hand_delta::int AS "onHand", committed_delta::int AS committed, source, source_event_id AS "sourceEventId" FROM stock_ledger WHERE sku = 'SHP-1' AND movement = 'ship'`)).toEqual([
            { onHand: -2000, committed: -2000, source: 'shipments', sourceEventId: first.shipmentId },
          ]);

          // The warehouse's next count already reflects the parcel: availability stays right.
          await feed([count('SHP-1', 'wh-north', '8')]);
          expect(await webAt('SHP-1')).toMatchObject({ availableToPromise: '5' });

          const released = await release(orderId);
          expect(released.value).toMatchObject({ lines: [{ sku: 'SHP-1', quantity: { milli: 3000 }, location: { locationId: 'wh-north' } }] });
          expect(await position('SHP-1', 'wh-north')).toEqual({ onHand: 8000, reserved: 0, committed: 0, unavailable: 0 });
          expect(await webAt('SHP-1')).toMatchObject({ availableToPromise: '8' });
          expect(await checkInvariants(db.manager)).toEqual([]);
        });

        it('the last parcel fulfils the reservation (a held one too), more than was held lowers the on-hand only, and a later release releases nothing of it', async () => {
          await feed([count('SHP-2', 'wh-north', '10')]);
          const orderId = await reserveHeld('SHP-2', 3);
          await ship(parcel(orderId, 'SHP-2', 1));
          expect(await position('SHP-2', 'wh-north')).toMatchObject({ onHand: 9000, reserved: 2000 });
          // 3 in the last parcel, 2 still held: the extra unit really left, so on-hand drops by 3.
          await ship({ ...parcel(orderId, 'SHP-2', 3), finalShipment: true });
          expect(await position('SHP-2', 'wh-north')).toEqual({ onHand: 6000, reserved: 0, committed: 0, unavailable: 0 });
          expect(await reservation(orderId)).toEqual({ status: 'fulfilled', quantity: 0, shipped: 3000 });
          expect(await webAt('SHP-2')).toMatchObject({ availableToPromise: '6' });

          const released = await release(orderId);
          expect(released.value).toMatchObject({ lines: [] });
          expect(await position('SHP-2', 'wh-north')).toMatchObject({ onHand: 6000, reserved: 0 });
          expect(await db.query(`SELECT count(*)::int AS n FROM stock_ledger WHERE sku = 'SHP-2' AND movement = 'release'`)).toEqual([{ n: 0 }]);
          const metrics = await (await service.request('/metrics')).text();
          expect(metrics).toMatch(/inventory_shipment_lines_total\{[^}]*outcome="unreserved"[^}]*\} 1/);
          expect(await checkInvariants(db.manager)).toEqual([]);
        });
      });

      /** Odoo's quant of `sku` at wh-west as the adapter publishes it, observed `secondsAgo`. */
      const odooStock = (sku: string, onHand: number, secondsAgo: number): StockPositionChanged => ({
        sku,
        location: { locationId: 'wh-west', locationType: 'WAREHOUSE' },
        onHand: { milli: onHand * 1000 },
        inbound: { milli: 0 },
        source: 'ODOO',
        sourceReference: 'stock.quant/42',
        observedAt: new Date(Date.now() - secondsAgo * 1000),
        occurredAt: new Date(),
      });

      it("applies Odoo's StockPositionChanged from retail.inventory, never an older observation over a newer one", async () => {
        const change = (onHand: number, secondsAgo: number) => odooStock('ODOO-1', onHand, secondsAgo);
        await publisher.publish(StockPositionChanged, change(9, 5), topics['retail.inventory']);
        await waitFor(async () => (await position('ODOO-1', 'wh-west'))?.onHand === 9000, { what: 'Odoo stock applied' });
        await publisher.publish(StockPositionChanged, change(3, 60), topics['retail.inventory']);
        await waitFor(async () => (await db.query(`SELECT count(*)::int AS n FROM stock_feed_events WHERE source = 'odoo' AND outcome = 'older_ignored'`))[0].n === 1, {
          what: 'the older Odoo observation to be ignored',
        });
        expect(await position('ODOO-1', 'wh-west')).toMatchObject({ onHand: 9000 });
      });

      describe('returns', () => {
        const dispositioned = (locationId: string, lines: Array<[string, number, ReturnDispositioned['lines'][number]['disposition']]>): ReturnDispositioned => ({
          returnId: uuidv7(),
          orderId: uuidv7(),
          companyId: 'omnibus-retail',
          location: { locationId, locationType: locationId.startsWith('store') ? 'STORE' : 'WAREHOUSE' },
          lines: lines.map(([sku, units, disposition], index) => ({ lineId: String(index + 1), sku, quantity: { milli: units * 1000 }, disposition, unitCost: null })),
          occurredAt: new Date(),
        });
        const restockLedger = (sku: string) => db.query(`SELECT location_id AS "locationId", movement, on_hand_delta::int AS "onHand", source FROM stock_ledger WHERE sku = $1 AND source = 'returns'`, [sku]);
        const storeAvailability = async (sku: string) =>
          ((await (await service.request(`/availability?skus=${sku}&channel=web&region=eu-north`, { headers: { authorization: `Bearer ${wms}` } })).json()) as any).skus[0];

        it('RESTOCK 1 + DAMAGED 1 at a store puts 1 back into on-hand and availability, once under redelivery', async () => {
          await feed([count('RET-1', 'store-1', '4')]);
          const restocked = dispositioned('store-1', [['RET-1', 1, 'RESTOCK'], ['RET-1', 1, 'DAMAGED']]);
          const record = await publisher.publish(ReturnDispositioned, restocked, topics['retail.returns']);
          await handled(record);
          expect(await position('RET-1', 'store-1')).toEqual({ onHand: 5000, reserved: 0, committed: 0, unavailable: 0 });
          // 5 on hand − 1 safety stock.
          expect(await storeAvailability('RET-1')).toMatchObject({ availableToPromise: '4', locations: [{ locationId: 'store-1', onHand: '5', available: '4' }] });
          const changed = await waitFor(() => recorder.events.find((event) => event.key === 'RET-1' && event.type === StockPositionChanged.type && (event.value as StockPositionChanged).source === 'OTHER'), {
            what: 'the restocked position published',
          });
          expect(changed.value).toMatchObject({ location: { locationId: 'store-1' }, onHand: { milli: 5000 }, sourceReference: record.headers.ce_id });
          await waitFor(() => recorder.events.some((event) => event.key === 'RET-1' && event.type === 'com.omnibus.inventory.AvailabilityChanged'), { what: 'AvailabilityChanged for the restocked SKU' });

          await publisher.send(record); // redelivered: the inbox drops it
          // The return's next event shares its key, so its partition: once it is handled, so was the redelivery.
          await handled(await publisher.publish(ReturnDispositioned, { ...dispositioned('store-1', [['RET-OTHER', 1, 'DAMAGED']]), returnId: restocked.returnId }, topics['retail.returns']));
          expect(await position('RET-1', 'store-1')).toMatchObject({ onHand: 5000 });
          expect(await restockLedger('RET-1')).toEqual([{ locationId: 'store-1', movement: 'delta', onHand: 1000, source: 'returns' }]);
          // DAMAGED alone moves nothing.
          expect(await position('RET-OTHER', 'store-1')).toBeUndefined();
          expect(await checkInvariants(db.manager)).toEqual([]);
        });

        it("where Odoo reports the location's stock, the restock is left to Odoo's count (its return picking less the scrap): the unit is counted once", async () => {
          const odooCount = (onHand: number, secondsAgo: number) => odooStock('RET-ODOO', onHand, secondsAgo);
          await publisher.publish(StockPositionChanged, odooCount(6, 10), topics['retail.inventory']);
          await waitFor(async () => (await position('RET-ODOO', 'wh-west'))?.onHand === 6000, { what: 'Odoo stock applied' });
          // Odoo validated the return (2 in, 1 scrapped) and its count arrives first; then the disposition.
          await publisher.publish(StockPositionChanged, odooCount(7, 5), topics['retail.inventory']);
          await waitFor(async () => (await position('RET-ODOO', 'wh-west'))?.onHand === 7000, { what: "Odoo's count with the return" });
          await handled(await publisher.publish(ReturnDispositioned, dispositioned('wh-west', [['RET-ODOO', 1, 'RESTOCK'], ['RET-ODOO', 1, 'DAMAGED']]), topics['retail.returns']));
          expect(await position('RET-ODOO', 'wh-west')).toMatchObject({ onHand: 7000 });
          expect(await restockLedger('RET-ODOO')).toEqual([]);
          const metrics = await (await service.request('/metrics')).text();
          expect(metrics).toMatch(/inventory_feed_updates_total\{[^}]*outcome="left_to_odoo"[^}]*source="returns"[^}]*\} 1|inventory_feed_updates_total\{[^}]*source="returns"[^}]*outcome="left_to_odoo"[^}]*\} 1/);
        });
      });

      it('rejects with a reason per line when the stock is not there', async () => {
        await feed([count('REJ-1', 'wh-north', '1')]);
        const command = { ...reserveCommand('REJ-1', 3), lines: [{ lineId: '1', sku: 'REJ-1', quantity: { milli: 3000 } }, { lineId: '2', sku: 'REJ-UNKNOWN', quantity: { milli: 1000 } }] };
        await publisher.publish(ReserveStock, command, topics['inventory.commands']);
        const [answer] = await answerOf(command.orderId);
        expect(answer).toMatchObject({
          type: ReservationRejected.type,
          value: {
            reason: 'INSUFFICIENT_STOCK',
            shortLines: [
              { lineId: '1', sku: 'REJ-1', requested: { milli: 3000 }, available: { milli: 1000 } },
              { lineId: '2', sku: 'REJ-UNKNOWN', requested: { milli: 1000 }, available: { milli: 0 } },
            ],
          },
        });
        expect(await position('REJ-1', 'wh-north')).toMatchObject({ reserved: 0 });
      });

      it('a capped channel reserves up to its cap across orders, the next is rejected while stock remains for others; a release gives the cap back', async () => {
        await feed([count('CAP-1', 'wh-north', '10')]);
        const reserve = async (quantity: number, channelId = 'outlet') => {
          const command = reserveCommand('CAP-1', quantity, channelId);
          await publisher.publish(ReserveStock, command, topics['inventory.commands']);
          const [answer] = await answerOf(command.orderId);
          return { command, answer };
        };
        const outletAvailable = async () =>
          ((await (await service.request('/availability?skus=CAP-1&channel=outlet&region=eu-north', { headers: { authorization: `Bearer ${wms}` } })).json()) as any).skus[0].availableToPromise;
        expect(await outletAvailable()).toBe('3');
        const first = await reserve(2);
        expect(first.answer.type).toBe(StockReserved.type);
        expect(await outletAvailable()).toBe('1');
        expect((await reserve(1)).answer.type).toBe(StockReserved.type);
        // The cap of 3 is used up by the two orders: the next is refused though wh-north still has 7.
        expect((await reserve(1)).answer).toMatchObject({
          type: ReservationRejected.type,
          value: { reason: 'CHANNEL_ALLOCATION_EXHAUSTED', shortLines: [{ lineId: '1', sku: 'CAP-1', requested: { milli: 1000 }, available: { milli: 0 } }] },
        });
        expect(await outletAvailable()).toBe('0');
        expect((await reserve(5, 'web')).answer.type).toBe(StockReserved.type);
        // AvailabilityChanged shows the drawn-down figure (crossing to zero is published at once).
        const channels = (event: { value: any }) => Object.fromEntries(event.value.channels.map((channel: any) => [channel.channelId, channel.availableToPromise.milli]));
        await waitFor(() => recorder.of('CAP-1', 'com.omnibus.inventory.AvailabilityChanged').find((event) => channels(event).outlet === 0 && channels(event).web === 2000), {
          timeoutMs: 30_000,
          what: 'an AvailabilityChanged with outlet drawn down to 0',
        });
        const release: ReleaseReservation = { commandId: uuidv7(), orderId: first.command.orderId, reason: 'ORDER_CANCELLED', lines: null, occurredAt: new Date() };
        await publisher.publish(ReleaseReservation, release, topics['inventory.commands']);
        await recorder.waitFor(first.command.orderId, 'com.omnibus.reservation.ReservationReleased');
        expect(await outletAvailable()).toBe('2');
        expect((await reserve(2)).answer.type).toBe(StockReserved.type);
        expect((await reserve(1)).answer.type).toBe(ReservationRejected.type);
        expect(await position('CAP-1', 'wh-north')).toMatchObject({ onHand: 10000, reserved: 8000 });
      });

      it('100 orders racing for 10 units across two inventory instances reserve exactly 10; 90 are rejected with a reason; the invariants hold', async () => {
        const second: RunningService = await createService(inventoryService, { env: testServiceEnv(service.database.url) as Record<string, string> });
        try {
          const admin = testKafka('inventory-test-admin').admin();
          await admin.connect();
          try {
            await waitFor(
              async () => {
                const { groups } = await admin.describeGroups([consumerService]);
                return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
              },
              { timeoutMs: 60_000, intervalMs: 250, what: 'both inventory instances in the consumer group' },
            );
          } finally {
            await admin.disconnect();
          }
          await feed([count('RACE-1', 'wh-north', '6'), count('RACE-1', 'wh-west', '4')]);
          const commands = Array.from({ length: 100 }, () => reserveCommand('RACE-1', 1));
          await Promise.all(commands.map((command) => publisher.publish(ReserveStock, command, topics['inventory.commands'])));
          const answers = (await Promise.all(commands.map((command) => answerOf(command.orderId)))).map(([answer]) => answer);
          const reserved = answers.filter((answer) => answer.type === StockReserved.type);
          const rejected = answers.filter((answer) => answer.type === ReservationRejected.type);
          expect({ reserved: reserved.length, rejected: rejected.length }).toEqual({ reserved: 10, rejected: 90 });
          for (const answer of rejected) expect(answer.value).toMatchObject({ reason: 'INSUFFICIENT_STOCK', shortLines: [{ sku: 'RACE-1', requested: { milli: 1000 }, available: { milli: 0 } }] });
          expect([await position('RACE-1', 'wh-north'), await position('RACE-1', 'wh-west')]).toEqual([
            { onHand: 6000, reserved: 6000, committed: 0, unavailable: 0 },
            { onHand: 4000, reserved: 4000, committed: 0, unavailable: 0 },
          ]);
          // The projection was rewritten by every chunk that reserved: nothing left to promise.
          const availability: any = await (await service.request('/availability?skus=RACE-1&channel=web&region=eu-north', { headers: { authorization: `Bearer ${wms}` } })).json();
          expect(availability.skus[0]).toMatchObject({ availableToPromise: '0', locations: [{ locationId: 'wh-north', reserved: '6', available: '0' }, { locationId: 'wh-west', reserved: '4', available: '0' }] });
          expect(await checkInvariants(db.manager, ['wh-north', 'wh-west', 'store-1', 'ds-acme', 'ds-zeta'])).toEqual([]);
        } finally {
          await second.close();
        }
      });
    });
  },
);
