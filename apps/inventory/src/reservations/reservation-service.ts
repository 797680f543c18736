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
  StockReserved,
} from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import { SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { InventoryConfig } from '../config';
import { LocationKind, Network } from '../domain/network';
import { allocate, AllocatedPart, Candidate } from '../domain/sourcing';
import { inventoryMetrics } from '../metrics';
import { applyChanges, byPositionKey, lockPositionsOfSkus, markAvailabilityDirty, PositionChange } from '../stock/stock-store';
import { NETWORK } from '../tokens';

const LOCATION_TYPE: Record<LocationKind, LocationType> = { store: 'STORE', warehouse: 'WAREHOUSE', drop_ship: 'DROPSHIP', in_transit: 'IN_TRANSIT' };
const RESERVATIONS_SOURCE = 'reservations';

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

/**
 * Reserve, release, commit and expire, each in the caller's transaction (the delivery's, with its
 * inbox record, or the sweeper's) and answered through the outbox in that same transaction.
 * Positions are locked in (sku, location) order before they are read, so two instances deciding on
 * the last unit serialise on its row and the second sees it gone: never an oversell, never a deadlock.
 */
@Injectable()
export class ReservationService {
  constructor(
    @Inject(NETWORK) private readonly network: Network,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async reserve(manager: EntityManager, command: ReserveStock, now = new Date()): Promise<OutgoingEvent[]> {
    const [existing] = await manager.query(`SELECT answer FROM reservations WHERE command_id = $1`, [command.commandId]);
    if (existing) {
      // A replayed command (same command id, new delivery): the first answer again, nothing reserved twice.
      inventoryMetrics.reservations.inc({ outcome: 'replayed', channel: command.channel.channelId });
      return [this.event(existing.answer as StoredAnswer, command.orderId)];
    }
    const channel = this.network.channel(command.channel.channelId);
    const rule = this.network.sourcingRule(command.channel.channelId, command.region);
    const lines = command.lines.map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantity.milli }));
    const reservationId = uuidv7();

    const rows = await lockPositionsOfSkus(manager, lines.map((line) => line.sku));
    const candidates: Candidate[] = [];
    for (const row of rows) {
      const location = this.network.location(row.locationId);
      if (!location) continue;
      const available = row.onHand - row.reserved - row.committed - row.unavailable - location.safetyStock;
      candidates.push({ locationId: row.locationId, kind: location.kind, region: location.region, channels: location.channels, sku: row.sku, available });
    }
    const invalid = lines.some((line) => !(line.quantity > 0)) || lines.length === 0;
    const result =
      !channel || !rule || invalid
        ? { ok: false as const, reason: invalid ? ('OTHER' as const) : ('NO_ELIGIBLE_LOCATION' as const), shortLines: lines.map((line) => ({ ...line, requested: line.quantity, available: 0 })) }
        : allocate({ channelId: command.channel.channelId, region: command.region, rule, lines, candidates, distance: (a, b) => this.network.distance(a, b) });

    if (!result.ok) {
      const payload: ReservationRejected = {
        orderId: command.orderId,
        reason: result.reason,
        shortLines: result.shortLines.map((line) => ({ lineId: line.lineId, sku: line.sku, requested: { milli: line.requested }, available: { milli: line.available } })),
        occurredAt: now,
      };
      const answer: StoredAnswer = { type: ReservationRejected.type, payload: { ...payload, occurredAt: now.getTime() } };
      await this.insertReservation(manager, command, reservationId, 'rejected', null, answer);
      inventoryMetrics.reservations.inc({ outcome: 'rejected', channel: command.channel.channelId });
      if (result.reason === 'INSUFFICIENT_STOCK') inventoryMetrics.oversellRefused.inc({ channel: command.channel.channelId });
      return [this.event(answer, command.orderId)];
    }

    const expiresAt = new Date(now.getTime() + channel!.reservationExpirySeconds * 1000);
    const payload: StockReserved = { reservationId, orderId: command.orderId, lines: this.reservedLines(result.parts), expiresAt, occurredAt: now };
    const answer: StoredAnswer = { type: StockReserved.type, payload: { ...payload, expiresAt: expiresAt.getTime(), occurredAt: now.getTime() } };
    await this.insertReservation(manager, command, reservationId, 'held', expiresAt, answer);
    await this.insertLines(manager, reservationId, result.parts);
    await applyChanges(manager, this.changes(result.parts, 'reserve', { reserved: 1 }, command.commandId, now));
    await markAvailabilityDirty(manager, result.parts.map((part) => part.sku));
    inventoryMetrics.reservations.inc({ outcome: 'reserved', channel: command.channel.channelId });
    return [this.event(answer, command.orderId)];
  }

  async release(manager: EntityManager, command: ReleaseReservation, now = new Date()): Promise<OutgoingEvent[]> {
    if (!(await this.firstTime(manager, command.commandId, command.orderId, 'release'))) return [];
    const held = await this.lockOpenReservations(manager, command.orderId);
    // All positions of all the order's reservations at once, in key order.
    await this.lockLinePositions(manager, held.flatMap((reservation) => reservation.lines));
    const events: OutgoingEvent[] = [];
    for (const reservation of held) {
      const bucket = reservation.status === 'committed' ? { committed: 1 as const } : { reserved: 1 as const };
      await this.close(manager, reservation, 'released', 'release', bucket, command.commandId, now);
      events.push(this.releasedEvent(reservation.reservationId, command.orderId, command.reason, reservation.lines, now));
    }
    await markAvailabilityDirty(manager, held.flatMap((reservation) => reservation.lines.map((line) => line.sku)));
    // Nothing held (already released or expired): the saga still gets its answer.
    if (events.length === 0) events.push(this.releasedEvent((await this.latestReservationId(manager, command.orderId)) ?? command.commandId, command.orderId, command.reason, [], now));
    return events;
  }

  async commit(manager: EntityManager, command: CommitReservation, now = new Date()): Promise<OutgoingEvent[]> {
    if (!(await this.firstTime(manager, command.commandId, command.orderId, 'commit'))) return [];
    const held = (await this.lockOpenReservations(manager, command.orderId)).filter((reservation) => reservation.status === 'held');
    if (held.length === 0) {
      const payload: ReservationRejected = { orderId: command.orderId, reason: 'OTHER', shortLines: [], occurredAt: now };
      return [{ topic: topicFor(this.config, ReservationRejected.topic), type: ReservationRejected.type, key: command.orderId, payload }];
    }
    await this.lockLinePositions(manager, held.flatMap((reservation) => reservation.lines));
    const events: OutgoingEvent[] = [];
    for (const reservation of held) {
      await manager.query(`UPDATE reservations SET status = 'committed', expires_at = NULL, updated_at = now() WHERE reservation_id = $1`, [reservation.reservationId]);
      const moves = [
        ...this.changes(reservation.lines, 'commit', { reserved: -1 }, command.commandId, now),
        ...this.changes(reservation.lines, 'commit', { committed: 1 }, command.commandId, now),
      ];
      await applyChanges(manager, moves);
      const payload: ReservationCommitted = { reservationId: reservation.reservationId, orderId: command.orderId, lines: this.reservedLines(reservation.lines), occurredAt: now };
      events.push({ topic: topicFor(this.config, ReservationCommitted.topic), type: ReservationCommitted.type, key: command.orderId, payload });
    }
    await markAvailabilityDirty(manager, held.flatMap((reservation) => reservation.lines.map((line) => line.sku)));
    return events;
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
    await this.lockLinePositions(manager, reservations.flatMap((reservation) => reservation.lines));
    const events: OutgoingEvent[] = [];
    for (const reservation of reservations) {
      await this.close(manager, reservation, 'expired', 'expire', { reserved: 1 }, `expiry:${reservation.reservationId}`, now);
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
    await markAvailabilityDirty(manager, reservations.flatMap((reservation) => reservation.lines.map((line) => line.sku)));
    return events;
  }

  private async close(
    manager: EntityManager,
    reservation: HeldReservation,
    status: 'released' | 'expired',
    movement: 'release' | 'expire',
    bucket: { reserved?: 1; committed?: 1 },
    eventId: string,
    now: Date,
  ): Promise<void> {
    // The caller has locked the positions (all of them, in key order).
    await manager.query(`UPDATE reservations SET status = $2, updated_at = now() WHERE reservation_id = $1`, [reservation.reservationId, status]);
    const negative = Object.fromEntries(Object.keys(bucket).map((key) => [key, -1])) as { reserved?: -1; committed?: -1 };
    await applyChanges(manager, this.changes(reservation.lines, movement, negative, eventId, now));
  }

  private async lockLinePositions(manager: EntityManager, lines: AllocatedPart[]): Promise<void> {
    const keys = [...new Map(lines.map((line) => [`${line.sku}\u0000${line.locationId}`, { sku: line.sku, locationId: line.locationId }])).values()].sort(byPositionKey);
    for (const key of keys) await manager.query(`SELECT 1 FROM stock_positions WHERE sku = $1 AND location_id = $2 FOR UPDATE`, [key.sku, key.locationId]);
  }

  private async lockOpenReservations(manager: EntityManager, orderId: string): Promise<HeldReservation[]> {
    const rows: Array<{ reservationId: string }> = await manager.query(
      `SELECT reservation_id AS "reservationId" FROM reservations WHERE order_id = $1 AND status IN ('held', 'committed') ORDER BY reservation_id FOR UPDATE`,
      [orderId],
    );
    return this.loadReservations(manager, rows.map((row) => row.reservationId));
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
         FROM reservation_lines WHERE reservation_id = ANY($1) ORDER BY line_id, location_id`,
      [reservationIds],
    );
    for (const reservation of reservations) {
      reservation.lines = lines
        .filter((line) => line.reservationId === reservation.reservationId)
        .map(({ lineId, sku, locationId, quantity }) => ({ lineId, sku, locationId, quantity, kind: this.network.location(locationId)?.kind ?? 'warehouse' }));
    }
    return reservations;
  }

  private async firstTime(manager: EntityManager, commandId: string, orderId: string, kind: string): Promise<boolean> {
    const inserted = await manager.query(`INSERT INTO reservation_commands (command_id, order_id, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING command_id`, [
      commandId,
      orderId,
      kind,
    ]);
    return inserted.length > 0;
  }

  private async latestReservationId(manager: EntityManager, orderId: string): Promise<string | undefined> {
    const [row] = await manager.query(`SELECT reservation_id FROM reservations WHERE order_id = $1 ORDER BY created_at DESC LIMIT 1`, [orderId]);
    return row?.reservation_id;
  }

  private async insertReservation(manager: EntityManager, command: ReserveStock, reservationId: string, status: string, expiresAt: Date | null, answer: StoredAnswer) {
    await manager.query(
      `INSERT INTO reservations (command_id, reservation_id, order_id, channel_id, status, expires_at, answer) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [command.commandId, reservationId, command.orderId, command.channel.channelId, status, expiresAt, JSON.stringify(answer)],
    );
  }

  private async insertLines(manager: EntityManager, reservationId: string, parts: AllocatedPart[]) {
    const values: unknown[] = [];
    const rows = parts.map((part, index) => {
      values.push(reservationId, part.lineId, part.sku, part.locationId, part.quantity);
      return `($${index * 5 + 1}, $${index * 5 + 2}, $${index * 5 + 3}, $${index * 5 + 4}, $${index * 5 + 5})`;
    });
    await manager.query(`INSERT INTO reservation_lines (reservation_id, line_id, sku, location_id, quantity) VALUES ${rows.join(', ')}`, values);
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

  private releasedEvent(reservationId: string, orderId: string, reason: ReleaseReason, lines: AllocatedPart[], now: Date): OutgoingEvent {
    const payload: ReservationReleased = { reservationId, orderId, reason, lines: this.reservedLines(lines), fullyReleased: true, occurredAt: now };
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
