import { Inject, Injectable } from '@nestjs/common';
import {
  CommitReservation,
  LocationType,
  ReleaseReason,
  ReleaseReservation,
  ReservationCommitted,
  ReservationExpired,
  ReservationRejected,
  ReservationReleased,
  ReserveStock,
  ReservedLine,
  ShipmentDispatched,
  StockReserved,
} from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { InventoryConfig } from '../config';
import type { ChunkFlusher } from '../consumer/chunk-work';
import { allocationHeadroom, allocationShortLines, channelPool, ChannelView, PositionParts } from '../domain/atp';
import { channelView } from '../domain/channel-view';
import { LocationKind, Network } from '../domain/network';
import { consumeReservations } from '../domain/shipping';
import { allocate, AllocatedPart, Candidate } from '../domain/sourcing';
import { inventoryMetrics } from '../metrics';
import { refreshAvailability } from '../availability/availability-projection';
import { applyChanges, lockPositionsOfSkus, lockSkus, markAvailabilityDirty, PositionChange, PositionRow, readChannelHoldings } from '../stock/stock-store';
import { NETWORK } from '../tokens';

const LOCATION_TYPE: Record<LocationKind, LocationType> = { store: 'STORE', warehouse: 'WAREHOUSE', drop_ship: 'DROPSHIP', in_transit: 'IN_TRANSIT' };
const RESERVATIONS_SOURCE = 'reservations';
const SHIPMENTS_SOURCE = 'shipments';
const positionKey = (sku: string, locationId: string) => `${sku}\u0000${locationId}`;

interface StoredAnswer {
  type: string;
  payload: Record<string, unknown>;
}

interface HeldReservation {
  reservationId: string;
  orderId: string;
  channelId: string;
  status: string;
  expiresAt: Date | null;
  lines: AllocatedPart[];
}

/** A reservation command of `inventory.commands`, or a parcel that left (`retail.shipments`), as decided in a chunk. */
export type ReservationCommand =
  | { kind: 'reserve'; command: ReserveStock }
  | { kind: 'release'; command: ReleaseReservation }
  | { kind: 'commit'; command: CommitReservation }
  | { kind: 'ship'; shipment: ShipmentDispatched };

type OrderCommand = Exclude<ReservationCommand, { kind: 'reserve' }>;
/** What makes a release, commit or shipment happen once (`reservation_commands`): its command id, or its shipment id. */
const onceKey = (item: OrderCommand) => (item.kind === 'ship' ? `shipment:${item.shipment.shipmentId}` : item.command.commandId);
const orderOf = (item: OrderCommand) => (item.kind === 'ship' ? item.shipment.orderId : item.command.orderId);

/** A reservation as the chunk leaves it: new ones are inserted, known ones updated if their status moved. */
interface ChunkReservation extends HeldReservation {
  isNew: boolean;
  moved: boolean;
  commandId?: string;
  answer?: StoredAnswer;
}

type Figures = { onHand: number; reserved: number; committed: number; unavailable: number };
/** What each channel holds per SKU (held and committed lines), by SKU then channel: kept current as the chunk is decided. */
type Holdings = Map<string, Record<string, number>>;

/**
 * Reserve, release, commit and expire, in the caller's transaction (the delivery chunk's, with its
 * inbox records, or the sweeper's), answered through events the caller stages in that same transaction.
 *
 * A chunk of commands is decided at once: the open reservations the chunk's releases and commits
 * need are locked (by reservation id), then the SKU locks and every position of the chunk's SKUs in
 * ONE statement each, in (sku, location) order, the order every writer follows, so two instances on
 * different partitions never wait on each other in a cycle. Then each command is decided in chunk
 * order in memory against the locked figures (a later command sees what an earlier one took: never
 * an oversell), and the reservations, their lines, the ledger and the projection are written in bulk.
 */
@Injectable()
export class ReservationService implements ChunkFlusher<ReservationCommand> {
  readonly name = 'reservations';

  constructor(
    @Inject(NETWORK) private readonly network: Network,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** A delivery chunk of commands (ChunkWork): decided together. */
  flush(manager: EntityManager, commands: ReservationCommand[]): Promise<OutgoingEvent[][]> {
    return this.decide(manager, commands);
  }

  /** The answers of each command (same index): a replayed command gets its first answer again, a repeated release or commit none. */
  async decide(manager: EntityManager, commands: ReservationCommand[], now = new Date()): Promise<OutgoingEvent[][]> {
    const reserveIds = commands.flatMap((item) => (item.kind === 'reserve' ? [item.command.commandId] : []));
    const answered = new Map<string, StoredAnswer>();
    if (reserveIds.length) {
      const rows: Array<{ commandId: string; answer: StoredAnswer }> = await manager.query(
        `SELECT command_id AS "commandId", answer FROM reservations WHERE command_id = ANY($1)`,
        [reserveIds],
      );
      for (const row of rows) answered.set(row.commandId, row.answer);
    }
    const others = commands.filter((item): item is OrderCommand => item.kind !== 'reserve');
    const fresh = new Set<string>();
    const open = new Map<string, ChunkReservation[]>();
    const latest = new Map<string, string>();
    if (others.length) {
      const inserted: Array<{ command_id: string }> = await manager.query(
        `INSERT INTO reservation_commands (command_id, order_id, kind) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING RETURNING command_id`,
        [others.map(onceKey), others.map(orderOf), others.map((item) => item.kind)],
      );
      for (const row of inserted) fresh.add(row.command_id);
      const orderIds = [...new Set(others.filter((item) => fresh.has(onceKey(item))).map(orderOf))];
      if (orderIds.length) {
        const locked: Array<{ reservationId: string }> = await manager.query(
          `SELECT reservation_id AS "reservationId" FROM reservations WHERE order_id = ANY($1) AND status IN ('held', 'committed') ORDER BY reservation_id FOR UPDATE`,
          [orderIds],
        );
        for (const reservation of await this.loadReservations(manager, locked.map((row) => row.reservationId))) {
          open.set(reservation.orderId, [...(open.get(reservation.orderId) ?? []), { ...reservation, isNew: false, moved: false }]);
        }
        const newest: Array<{ orderId: string; reservationId: string }> = await manager.query(
          `SELECT DISTINCT ON (order_id) order_id AS "orderId", reservation_id AS "reservationId" FROM reservations WHERE order_id = ANY($1) ORDER BY order_id, created_at DESC`,
          [orderIds],
        );
        for (const row of newest) latest.set(row.orderId, row.reservationId);
      }
    }

    const parcels = others.flatMap((item) => (item.kind === 'ship' && fresh.has(onceKey(item)) ? [item.shipment] : []));
    const skus = [
      ...commands.flatMap((item) => (item.kind === 'reserve' && !answered.has(item.command.commandId) ? item.command.lines.map((line) => line.sku) : [])),
      ...[...open.values()].flat().flatMap((reservation) => reservation.lines.map((line) => line.sku)),
      ...parcels.flatMap((shipment) => shipment.lines.map((line) => line.sku)),
    ];
    await lockSkus(manager, skus);
    // Under the SKU locks, before the positions are locked: a parcel may leave a known location that has no row of its SKU yet.
    const shippedFrom = parcels.flatMap((shipment) => (this.network.location(shipment.fromLocation.locationId) ? shipment.lines.map((line) => ({ sku: line.sku, locationId: shipment.fromLocation.locationId })) : []));
    if (shippedFrom.length) {
      await manager.query(`INSERT INTO stock_positions (sku, location_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, [
        shippedFrom.map((position) => position.sku),
        shippedFrom.map((position) => position.locationId),
      ]);
    }
    const rows = await lockPositionsOfSkus(manager, skus);
    const figures = new Map<string, Figures>(rows.map((row) => [positionKey(row.sku, row.locationId), { ...row }]));
    const bySku = new Map<string, typeof rows>();
    for (const row of rows) bySku.set(row.sku, [...(bySku.get(row.sku) ?? []), row]);
    // Under the SKU locks: no other writer of these SKUs can reserve or release meanwhile.
    const holdings: Holdings = await readChannelHoldings(manager, skus, this.network.boundedChannels);
    const hold = (reservation: HeldReservation, sign: 1 | -1) => {
      for (const line of reservation.lines) {
        const bySkuHeld = holdings.get(line.sku) ?? {};
        bySkuHeld[reservation.channelId] = (bySkuHeld[reservation.channelId] ?? 0) + sign * line.quantity;
        holdings.set(line.sku, bySkuHeld);
      }
    };

    const changes: PositionChange[] = [];
    const touched: ChunkReservation[] = [];
    const shippedLines: Array<{ reservationId: string; lineId: string; locationId: string; quantity: number }> = [];
    const releasedLines: Array<{ reservationId: string; lineId: string; locationId: string; quantity: number }> = [];
    const move = (parts: AllocatedPart[], movement: PositionChange['movement'], delta: { reserved?: number; committed?: number }, eventId: string) => {
      for (const change of this.changes(parts, movement, delta, eventId, now)) {
        const row = figures.get(positionKey(change.sku, change.locationId))!;
        row.reserved += change.reserved ?? 0;
        row.committed += change.committed ?? 0;
        changes.push(change);
      }
    };
    const answers = commands.map((item): OutgoingEvent[] => {
      switch (item.kind) {
        case 'reserve': {
          const { command } = item;
          const replay = answered.get(command.commandId);
          if (replay) {
            // A replayed command (same command id, new delivery): the first answer again, nothing reserved twice.
            inventoryMetrics.reservations.inc({ outcome: 'replayed', channel: command.channel.channelId });
            return [this.event(replay, command.orderId)];
          }
          const reservation = this.reserveOne(command, bySku, figures, holdings, now);
          answered.set(command.commandId, reservation.answer!);
          touched.push(reservation);
          if (reservation.status === 'held') {
            move(reservation.lines, 'reserve', { reserved: 1 }, command.commandId);
            hold(reservation, 1);
            open.set(command.orderId, [...(open.get(command.orderId) ?? []), reservation]);
          }
          latest.set(command.orderId, reservation.reservationId);
          return [this.event(reservation.answer!, command.orderId)];
        }
        case 'release': {
          const { command } = item;
          if (!fresh.delete(command.commandId)) return [];
          const held = open.get(command.orderId) ?? [];
          if (command.lines?.length) {
            // Only some lines (a line substituted or cut): those quantities, the rest stays held.
            const events = releaseLines(held, command.lines).map(({ reservation, parts }) => {
              move(parts, 'release', reservation.status === 'committed' ? { committed: -1 } : { reserved: -1 }, command.commandId);
              hold({ ...reservation, lines: parts }, -1);
              for (const part of parts) releasedLines.push({ reservationId: reservation.reservationId, lineId: part.lineId, locationId: part.locationId, quantity: part.quantity });
              if (reservation.lines.length === 0) Object.assign(reservation, { status: 'released', moved: true });
              if (!touched.includes(reservation)) touched.push(reservation);
              return this.releasedEvent(reservation.reservationId, command.orderId, command.reason, parts, now, reservation.lines.length === 0);
            });
            open.set(command.orderId, held.filter((reservation) => reservation.status !== 'released'));
            return events.length ? events : [this.releasedEvent(latest.get(command.orderId) ?? command.commandId, command.orderId, command.reason, [], now)];
          }
          open.delete(command.orderId);
          const events = held.map((reservation) => {
            move(reservation.lines, 'release', reservation.status === 'committed' ? { committed: -1 } : { reserved: -1 }, command.commandId);
            hold(reservation, -1);
            Object.assign(reservation, { status: 'released', moved: true });
            if (!touched.includes(reservation)) touched.push(reservation);
            return this.releasedEvent(reservation.reservationId, command.orderId, command.reason, reservation.lines, now);
          });
          // Nothing held (already released or expired): the saga still gets its answer.
          return events.length ? events : [this.releasedEvent(latest.get(command.orderId) ?? command.commandId, command.orderId, command.reason, [], now)];
        }
        case 'commit': {
          const { command } = item;
          if (!fresh.delete(command.commandId)) return [];
          const held = (open.get(command.orderId) ?? []).filter((reservation) => reservation.status === 'held');
          if (held.length === 0) {
            const payload: ReservationRejected = { orderId: command.orderId, reason: 'OTHER', shortLines: [], occurredAt: now };
            return [{ topic: topicFor(this.config, ReservationRejected.topic), type: ReservationRejected.type, key: command.orderId, payload }];
          }
          return held.map((reservation) => {
            move(reservation.lines, 'commit', { reserved: -1 }, command.commandId);
            move(reservation.lines, 'commit', { committed: 1 }, command.commandId);
            Object.assign(reservation, { status: 'committed', expiresAt: null, moved: true });
            if (!touched.includes(reservation)) touched.push(reservation);
            const payload: ReservationCommitted = { reservationId: reservation.reservationId, orderId: command.orderId, lines: this.reservedLines(reservation.lines), occurredAt: now };
            return { topic: topicFor(this.config, ReservationCommitted.topic), type: ReservationCommitted.type, key: command.orderId, payload };
          });
        }
        case 'ship': {
          const { shipment } = item;
          if (!fresh.delete(onceKey(item))) {
            // The shipment was applied already (a replay under a new event id): nothing ships twice.
            inventoryMetrics.shipmentLines.inc({ outcome: 'replayed' }, shipment.lines.length);
            return [];
          }
          const held = open.get(shipment.orderId) ?? [];
          for (const reservation of this.ship(shipment, held, figures, holdings, changes, shippedLines, now)) {
            if (!touched.includes(reservation)) touched.push(reservation);
          }
          const stillOpen = held.filter((reservation) => reservation.status !== 'fulfilled');
          if (stillOpen.length) open.set(shipment.orderId, stillOpen);
          else open.delete(shipment.orderId);
          // Nothing to answer: the order service learns nothing new; availability follows through the projection.
          return [];
        }
      }
    });

    await this.writeReservations(manager, touched);
    await this.writeShippedLines(manager, shippedLines);
    await this.writeReleasedLines(manager, releasedLines);
    await applyChanges(manager, changes);
    const moved = [...new Set(changes.map((change) => change.sku))];
    await refreshAvailability(manager, this.network, moved, holdings);
    await markAvailabilityDirty(manager, moved);
    return answers;
  }

  /**
   * One ReserveStock against the chunk's figures: held (lines allocated) or rejected with the short
   * lines. First the channel's allocation (what it still allows once what the channels hold is drawn
   * down: a cap, a percentage, the other channels' ring-fenced minimums), then sourcing.
   */
  private reserveOne(command: ReserveStock, bySku: Map<string, PositionRow[]>, figures: Map<string, Figures>, holdings: Holdings, now: Date): ChunkReservation {
    const channelId = command.channel.channelId;
    const channel = this.network.channel(channelId);
    const rule = this.network.sourcingRule(channelId, command.region);
    const lines = command.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity.milli }));
    const reservationId = uuidv7();
    const candidates: Candidate[] = [];
    for (const sku of new Set(lines.map((line) => line.sku))) {
      for (const row of bySku.get(sku) ?? []) {
        const location = this.network.location(row.locationId);
        if (!location) continue;
        const current = figures.get(positionKey(row.sku, row.locationId))!;
        const available = current.onHand - current.reserved - current.committed - current.unavailable - location.safetyStock;
        candidates.push({ locationId: row.locationId, kind: location.kind, region: location.region, channels: location.channels, sku: row.sku, available });
      }
    }
    const invalid = lines.some((line) => !(line.quantity > 0)) || lines.length === 0;
    // Over the channel's allocation: CHANNEL_ALLOCATION_EXHAUSTED, each short line's `available` being what
    // the allocation still allows while other channels may have more.
    // A shared channel with no other channel's minimum to respect is bounded by its locations only: sourcing decides.
    const view = channelView(this.network, channelId, command.region);
    const bounded = view && (view.allocation.kind !== 'shared' || Object.keys(view.othersRingFences).length > 0);
    const overAllocation = !bounded || invalid ? [] : allocationShortLines(lines, this.allocationLimits(view, lines, bySku, figures, holdings));
    const result =
      !channel || !rule || invalid
        ? { ok: false as const, reason: invalid ? ('OTHER' as const) : ('NO_ELIGIBLE_LOCATION' as const), shortLines: lines.map((line) => ({ ...line, requested: line.quantity, available: 0 })) }
        : overAllocation.length
          ? { ok: false as const, reason: 'CHANNEL_ALLOCATION_EXHAUSTED' as const, shortLines: overAllocation }
          : allocate({ channelId, region: command.region, rule, lines, candidates, distance: (a, b) => this.network.distance(a, b) });
    const base = { reservationId, orderId: command.orderId, channelId, isNew: true, moved: false, commandId: command.commandId };
    if (!result.ok) {
      const payload: ReservationRejected = {
        orderId: command.orderId,
        reason: result.reason,
        shortLines: result.shortLines.map((line) => ({ lineId: line.lineId, sku: line.sku, requested: { milli: line.requested }, available: { milli: line.available } })),
        occurredAt: now,
      };
      inventoryMetrics.reservations.inc({ outcome: 'rejected', channel: channelId });
      if (result.reason === 'INSUFFICIENT_STOCK' || result.reason === 'CHANNEL_ALLOCATION_EXHAUSTED') inventoryMetrics.oversellRefused.inc({ channel: channelId });
      return { ...base, status: 'rejected', expiresAt: null, lines: [], answer: { type: ReservationRejected.type, payload: { ...payload, occurredAt: now.getTime() } } };
    }
    const expiresAt = new Date(now.getTime() + channel!.reservationExpirySeconds * 1000);
    const payload: StockReserved = { reservationId, orderId: command.orderId, lines: this.reservedLines(result.parts), expiresAt, occurredAt: now };
    inventoryMetrics.reservations.inc({ outcome: 'reserved', channel: channelId });
    return {
      ...base,
      status: 'held',
      expiresAt,
      lines: result.parts,
      answer: { type: StockReserved.type, payload: { ...payload, expiresAt: expiresAt.getTime(), occurredAt: now.getTime() } },
    };
  }

  /**
   * One parcel against the order's open reservations (locked) and the chunk's figures: each take out of
   * a line lowers its quantity and the position's committed (or reserved) and on-hand, a `ship`
   * movement; what no line holds there left anyway and lowers the on-hand only. A reservation with
   * nothing left becomes `fulfilled`. Returns the reservations it moved.
   */
  private ship(
    shipment: ShipmentDispatched,
    held: ChunkReservation[],
    figures: Map<string, Figures>,
    holdings: Holdings,
    changes: PositionChange[],
    shippedLines: Array<{ reservationId: string; lineId: string; locationId: string; quantity: number }>,
    now: Date,
  ): ChunkReservation[] {
    const locationId = shipment.fromLocation.locationId;
    const byId = new Map(held.map((reservation) => [reservation.reservationId, reservation]));
    const holding = held.flatMap((reservation) => reservation.lines.map((line) => ({ ...line, reservationId: reservation.reservationId, committed: reservation.status === 'committed' })));
    const parcel = shipment.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity.milli }));
    const { takes, unreserved } = consumeReservations(holding, locationId, parcel);
    const base = { locationId, movement: 'ship' as const, source: SHIPMENTS_SOURCE, sourceEventId: shipment.shipmentId, occurredAt: now };
    const moved = new Set<ChunkReservation>();
    for (const take of takes) {
      const reservation = byId.get(take.reservationId)!;
      const line = reservation.lines.find((part) => part.lineId === take.lineId && part.locationId === take.locationId)!;
      line.quantity -= take.quantity;
      shippedLines.push({ reservationId: take.reservationId, lineId: take.lineId, locationId, quantity: take.quantity });
      const bucket = take.committed ? { committed: -take.quantity } : { reserved: -take.quantity };
      changes.push({ ...base, sku: take.sku, onHand: -take.quantity, ...bucket });
      const row = figures.get(positionKey(take.sku, locationId))!;
      row.onHand -= take.quantity;
      row[take.committed ? 'committed' : 'reserved'] -= take.quantity;
      const bySkuHeld = holdings.get(take.sku);
      if (bySkuHeld && reservation.channelId in bySkuHeld) bySkuHeld[reservation.channelId] -= take.quantity;
      moved.add(reservation);
    }
    for (const reservation of moved) {
      reservation.lines = reservation.lines.filter((line) => line.quantity > 0);
      if (reservation.lines.length === 0) Object.assign(reservation, { status: 'fulfilled', expiresAt: null, moved: true });
    }
    for (const rest of unreserved) {
      const row = figures.get(positionKey(rest.sku, locationId));
      const context = { shipmentId: shipment.shipmentId, orderId: shipment.orderId, sku: rest.sku, locationId, quantityMilli: rest.quantity };
      if (!row) {
        // Not a location of the stock network: nothing of it is kept, as for feeds.
        inventoryMetrics.shipmentLines.inc({ outcome: 'unknown_location' });
        this.logger.warn(context, 'a parcel left a location not in the stock network; its on-hand is not kept, nothing applied');
        continue;
      }
      // Goods that left without being reserved there: the stock really left.
      changes.push({ ...base, sku: rest.sku, onHand: -rest.quantity });
      row.onHand -= rest.quantity;
      inventoryMetrics.shipmentLines.inc({ outcome: 'unreserved' });
      this.logger.warn(context, 'a parcel carried more than the order held at its location; the rest lowers the on-hand only');
    }
    // At most one unreserved rest per parcel line: the others were all taken out of the reservation.
    inventoryMetrics.shipmentLines.inc({ outcome: 'reserved' }, parcel.length - unreserved.length);
    return [...moved];
  }

  /** The quantities parcels took out of reservation lines: held less, shipped more, in one statement. */
  private async writeShippedLines(manager: EntityManager, lines: Array<{ reservationId: string; lineId: string; locationId: string; quantity: number }>): Promise<void> {
    if (lines.length === 0) return;
    await manager.query(
      `UPDATE reservation_lines AS l SET quantity = l.quantity - v.quantity, shipped = l.shipped + v.quantity
         FROM (SELECT reservation_id, line_id, location_id, sum(quantity) AS quantity
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(reservation_id, line_id, location_id, quantity)
                GROUP BY reservation_id, line_id, location_id) AS v
        WHERE l.reservation_id = v.reservation_id AND l.line_id = v.line_id AND l.location_id = v.location_id`,
      [lines.map((line) => line.reservationId), lines.map((line) => line.lineId), lines.map((line) => line.locationId), lines.map((line) => line.quantity)],
    );
  }

  /** The quantities a release of some lines gave back: held less, in one statement. */
  private async writeReleasedLines(manager: EntityManager, lines: Array<{ reservationId: string; lineId: string; locationId: string; quantity: number }>): Promise<void> {
    if (lines.length === 0) return;
    await manager.query(
      `UPDATE reservation_lines AS l SET quantity = l.quantity - v.quantity
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS v(reservation_id, line_id, location_id, quantity)
        WHERE l.reservation_id = v.reservation_id AND l.line_id = v.line_id AND l.location_id = v.location_id`,
      [lines.map((line) => line.reservationId), lines.map((line) => line.lineId), lines.map((line) => line.locationId), lines.map((line) => line.quantity)],
    );
  }

  /** Per SKU of the order: what the channel's locations can give now and what its allocation still allows. */
  private allocationLimits(view: ChannelView, lines: Array<{ sku: string }>, bySku: Map<string, PositionRow[]>, figures: Map<string, Figures>, holdings: Holdings) {
    const limits = new Map<string, { pool: number; headroom: number }>();
    for (const sku of new Set(lines.map((line) => line.sku))) {
      const parts: PositionParts[] = [];
      for (const row of bySku.get(sku) ?? []) {
        const location = this.network.location(row.locationId);
        if (location) parts.push({ ...figures.get(positionKey(sku, row.locationId))!, locationId: row.locationId, kind: location.kind, channels: location.channels, safetyStock: location.safetyStock });
      }
      const pool = channelPool(parts, view);
      limits.set(sku, { pool, headroom: allocationHeadroom(pool, view, holdings.get(sku)) });
    }
    return limits;
  }

  /** New reservations with their lines in one statement each; known ones whose status moved in one more. */
  private async writeReservations(manager: EntityManager, reservations: ChunkReservation[]): Promise<void> {
    const created = reservations.filter((reservation) => reservation.isNew);
    if (created.length) {
      await manager.query(
        `INSERT INTO reservations (command_id, reservation_id, order_id, channel_id, status, expires_at, answer)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[])`,
        [
          created.map((reservation) => reservation.commandId),
          created.map((reservation) => reservation.reservationId),
          created.map((reservation) => reservation.orderId),
          created.map((reservation) => reservation.channelId),
          created.map((reservation) => reservation.status),
          created.map((reservation) => reservation.expiresAt),
          created.map((reservation) => JSON.stringify(reservation.answer)),
        ],
      );
      const lines = created.flatMap((reservation) => reservation.lines.map((line) => ({ ...line, reservationId: reservation.reservationId })));
      if (lines.length) {
        await manager.query(`INSERT INTO reservation_lines (reservation_id, line_id, sku, location_id, quantity) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])`, [
          lines.map((line) => line.reservationId),
          lines.map((line) => line.lineId),
          lines.map((line) => line.sku),
          lines.map((line) => line.locationId),
          lines.map((line) => line.quantity),
        ]);
      }
    }
    await this.updateStatuses(manager, reservations.filter((reservation) => !reservation.isNew && reservation.moved));
  }

  private async updateStatuses(manager: EntityManager, reservations: HeldReservation[]): Promise<void> {
    if (reservations.length === 0) return;
    await manager.query(
      `UPDATE reservations AS r SET status = v.status, expires_at = CASE WHEN v.status IN ('committed', 'fulfilled') THEN NULL ELSE r.expires_at END, updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS v(reservation_id, status) WHERE r.reservation_id = v.reservation_id`,
      [reservations.map((reservation) => reservation.reservationId), reservations.map((reservation) => reservation.status)],
    );
  }

  /**
   * Releases held reservations whose expiry has passed, at most `limit`, skipping rows another
   * instance's sweeper (or a release in flight) holds. Returns the events to stage.
   */
  async expireDue(manager: EntityManager, limit: number, now = new Date()): Promise<OutgoingEvent[]> {
    const due: Array<{ reservationId: string }> = await manager.query(
      `SELECT reservation_id AS "reservationId" FROM reservations WHERE status = 'held' AND expires_at <= $1
        ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    if (due.length === 0) return [];
    const reservations = await this.loadReservations(manager, due.map((row) => row.reservationId));
    const skus = reservations.flatMap((reservation) => reservation.lines.map((line) => line.sku));
    await lockSkus(manager, skus);
    await lockPositionsOfSkus(manager, skus);
    const changes: PositionChange[] = [];
    const events: OutgoingEvent[] = [];
    for (const reservation of reservations) {
      reservation.status = 'expired';
      changes.push(...this.changes(reservation.lines, 'expire', { reserved: -1 }, `expiry:${reservation.reservationId}`, now));
      const payload: ReservationExpired = {
        reservationId: reservation.reservationId,
        orderId: reservation.orderId,
        lines: this.reservedLines(reservation.lines),
        expiresAt: reservation.expiresAt!,
        occurredAt: now,
      };
      events.push({ topic: topicFor(this.config, ReservationExpired.topic), type: ReservationExpired.type, key: reservation.orderId, payload });
      inventoryMetrics.expired.inc({ channel: reservation.channelId });
    }
    await this.updateStatuses(manager, reservations);
    await applyChanges(manager, changes);
    await refreshAvailability(manager, this.network, skus);
    await markAvailabilityDirty(manager, skus);
    return events;
  }

  private async loadReservations(manager: EntityManager, reservationIds: string[]): Promise<HeldReservation[]> {
    if (reservationIds.length === 0) return [];
    const reservations: HeldReservation[] = await manager.query(
      `SELECT reservation_id AS "reservationId", order_id AS "orderId", channel_id AS "channelId", status, expires_at AS "expiresAt"
         FROM reservations WHERE reservation_id = ANY($1) ORDER BY reservation_id`,
      [reservationIds],
    );
    const lines: Array<AllocatedPart & { reservationId: string }> = await manager.query(
      `SELECT reservation_id AS "reservationId", line_id AS "lineId", sku, location_id AS "locationId", quantity::float8 AS quantity
         FROM reservation_lines WHERE reservation_id = ANY($1) AND quantity > 0 ORDER BY line_id, location_id`,
      [reservationIds],
    );
    for (const reservation of reservations) {
      reservation.lines = lines
        .filter((line) => line.reservationId === reservation.reservationId)
        .map(({ lineId, sku, locationId, quantity }) => ({ lineId, sku, locationId, quantity, kind: this.network.location(locationId)?.kind ?? 'warehouse' }));
    }
    return reservations;
  }

  private changes(parts: AllocatedPart[], movement: PositionChange['movement'], sign: { reserved?: number; committed?: number }, eventId: string, now: Date): PositionChange[] {
    return parts.map((part) => ({
      sku: part.sku,
      locationId: part.locationId,
      movement,
      reserved: sign.reserved === undefined ? 0 : sign.reserved * part.quantity,
      committed: sign.committed === undefined ? 0 : sign.committed * part.quantity,
      source: RESERVATIONS_SOURCE,
      sourceEventId: eventId,
      occurredAt: now,
    }));
  }

  private reservedLines(parts: AllocatedPart[]): ReservedLine[] {
    return parts.map((part) => ({
      lineId: part.lineId,
      sku: part.sku,
      quantity: { milli: part.quantity },
      location: { locationId: part.locationId, locationType: LOCATION_TYPE[part.kind] },
    }));
  }

  private releasedEvent(reservationId: string, orderId: string, reason: ReleaseReason, lines: AllocatedPart[], now: Date, fullyReleased = true): OutgoingEvent {
    const payload: ReservationReleased = { reservationId, orderId, reason, lines: this.reservedLines(lines), fullyReleased, occurredAt: now };
    return { topic: topicFor(this.config, ReservationReleased.topic), type: ReservationReleased.type, key: orderId, payload };
  }

  /** A stored answer as an outgoing event (timestamps were stored as epoch milliseconds). */
  private event(answer: StoredAnswer, orderId: string): OutgoingEvent {
    const payload = { ...answer.payload, occurredAt: new Date(answer.payload.occurredAt as number) } as Record<string, unknown>;
    if (typeof payload.expiresAt === 'number') payload.expiresAt = new Date(payload.expiresAt);
    const contract = answer.type === StockReserved.type ? StockReserved : ReservationRejected;
    return { topic: topicFor(this.config, contract.topic), type: contract.type, key: orderId, payload };
  }
}

/**
 * What a release of some lines takes out of the order's open reservations: each asked line (by lineId
 * and sku) up to its quantity, from its reservation lines in order. The taken quantities are removed
 * from the reservations' lines (mutated, as the chunk does), emptied lines dropped. Pure.
 */
export function releaseLines<R extends { lines: AllocatedPart[] }>(held: R[], wanted: Array<{ lineId: string; sku: string; quantity: { milli: number } }>): Array<{ reservation: R; parts: AllocatedPart[] }> {
  const left = new Map(wanted.map((line) => [`${line.lineId}\u0000${line.sku}`, line.quantity.milli]));
  const released: Array<{ reservation: R; parts: AllocatedPart[] }> = [];
  for (const reservation of held) {
    const parts: AllocatedPart[] = [];
    for (const line of reservation.lines) {
      const key = `${line.lineId}\u0000${line.sku}`;
      const take = Math.min(left.get(key) ?? 0, line.quantity);
      if (take <= 0) continue;
      left.set(key, (left.get(key) ?? 0) - take);
      parts.push({ ...line, quantity: take });
      line.quantity -= take;
    }
    if (parts.length === 0) continue;
    reservation.lines = reservation.lines.filter((line) => line.quantity > 0);
    released.push({ reservation, parts });
  }
  return released;
}
