import { BadRequestException, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { LocationType, StockPositionChanged, StockSource } from '@omnibus/contracts';
import { EventOutbox, OutgoingEvent } from '@omnibus/messaging';
import { Principal, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import { DataSource, EntityManager } from 'typeorm';
import { InventoryConfig } from '../config';
import { LocationKind, Network } from '../domain/network';
import type { Milli } from '../domain/quantity';
import { inventoryMetrics } from '../metrics';
import { refreshAvailability } from '../availability/availability-projection';
import { applyChanges, byPositionKey, lockPosition, lockSkus, markAvailabilityDirty } from '../stock/stock-store';
import { EVENT_OUTBOX, NETWORK } from '../tokens';

const LOCATION_TYPE: Record<LocationKind, LocationType> = { store: 'STORE', warehouse: 'WAREHOUSE', drop_ship: 'DROPSHIP', in_transit: 'IN_TRANSIT' };

/** One stock observation, from an HTTP feed or Odoo's events. */
export interface StockObservation {
  eventId: string;
  sku: string;
  locationId: string;
  kind: 'absolute' | 'delta';
  quantity: Milli;
  unavailable?: Milli;
  inbound?: Milli;
  sequence?: number;
  observedAt: Date;
}

export interface FeedOutcome {
  applied: number;
  duplicates: number;
  olderIgnored: number;
}

/**
 * Applies stock observations: each once by (source, event id), in (sku, location) lock order, and
 * only if newer than what the position already reflects from that source (by sequence when both
 * have one, else by observation time); an older one is recorded as ignored and counted. Freshness
 * per source and location is kept beside.
 */
@Injectable()
export class StockFeeds {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(NETWORK) private readonly network: Network,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
  ) {}

  /** An HTTP batch: authorised per location first, then all of it in one transaction or nothing. */
  async feed(principal: Principal, source: StockSource, updates: StockObservation[]): Promise<FeedOutcome> {
    const partner = principal.sub.startsWith('partner:') ? principal.sub.slice('partner:'.length) : undefined;
    const issues = updates.flatMap((update, index) =>
      this.network.location(update.locationId) ? [] : [{ path: `updates.${index}.locationId`, message: `unknown location ${update.locationId}` }],
    );
    if (issues.length) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'invalid request body', issues });
    if (partner !== undefined) {
      const foreign = [...new Set(updates.filter((update) => this.network.location(update.locationId)?.partner !== partner).map((update) => update.locationId))];
      if (foreign.length) throw new ForbiddenException(`partner ${partner} may not feed location${foreign.length > 1 ? 's' : ''} ${foreign.join(', ')}: nothing was applied`);
    }
    return this.dataSource.transaction(async (manager) => {
      const { outcome, events } = await this.apply(manager, source.toLowerCase(), updates);
      if (events.length) await this.outbox.stage(manager, events);
      return outcome;
    });
  }

  /** Applies observations in the caller's transaction; returns what happened and the StockPositionChanged events to publish. */
  async apply(manager: EntityManager, source: string, updates: StockObservation[], now = new Date()): Promise<{ outcome: FeedOutcome; events: OutgoingEvent[] }> {
    const outcome: FeedOutcome = { applied: 0, duplicates: 0, olderIgnored: 0 };
    const events: OutgoingEvent[] = [];
    // Lock order (sku, location), and within a position oldest first, so a batch carrying several updates of one position applies them in order.
    const ordered = [...updates].sort((a, b) => byPositionKey(a, b) || (a.sequence ?? 0) - (b.sequence ?? 0) || a.observedAt.getTime() - b.observedAt.getTime());
    // The SKU locks first (before the feed-event claims and the positions): the order every writer follows.
    await lockSkus(manager, ordered.map((update) => update.sku));
    const moved = new Set<string>();
    for (const update of ordered) {
      const fresh = await manager.query(`INSERT INTO stock_feed_events (source, event_id, outcome) VALUES ($1, $2, 'applied') ON CONFLICT DO NOTHING RETURNING event_id`, [
        source,
        update.eventId,
      ]);
      if (fresh.length === 0) {
        outcome.duplicates++;
        inventoryMetrics.feedUpdates.inc({ source, outcome: 'duplicate' });
        continue;
      }
      const position = await lockPosition(manager, update.sku, update.locationId);
      const [mark] = await manager.query(`SELECT sequence::float8 AS sequence, observed_at AS "observedAt" FROM stock_source_marks WHERE sku = $1 AND location_id = $2 AND source = $3`, [
        update.sku,
        update.locationId,
        source,
      ]);
      const older =
        mark &&
        (update.sequence !== undefined && mark.sequence !== null ? update.sequence <= mark.sequence : update.observedAt.getTime() < new Date(mark.observedAt).getTime());
      if (older) {
        outcome.olderIgnored++;
        inventoryMetrics.feedUpdates.inc({ source, outcome: 'older_ignored' });
        await manager.query(`UPDATE stock_feed_events SET outcome = 'older_ignored' WHERE source = $1 AND event_id = $2`, [source, update.eventId]);
        await manager.query(
          `INSERT INTO stock_freshness AS f (source, location_id, last_observed_at, last_received_at, ignored_older) VALUES ($1, $2, $3, $4, 1)
           ON CONFLICT (source, location_id) DO UPDATE SET ignored_older = f.ignored_older + 1, last_received_at = EXCLUDED.last_received_at`,
          [source, update.locationId, update.observedAt, now],
        );
        continue;
      }
      const onHand = update.kind === 'absolute' ? update.quantity - position.onHand : update.quantity;
      const unavailable = update.kind === 'absolute' && update.unavailable !== undefined ? update.unavailable - position.unavailable : 0;
      await applyChanges(manager, [
        { sku: update.sku, locationId: update.locationId, movement: update.kind === 'absolute' ? 'count' : 'delta', onHand, unavailable, source, sourceEventId: update.eventId, occurredAt: update.observedAt },
      ]);
      if (update.inbound !== undefined) await manager.query(`UPDATE stock_positions SET inbound = $3 WHERE sku = $1 AND location_id = $2`, [update.sku, update.locationId, update.inbound]);
      await manager.query(
        `INSERT INTO stock_source_marks AS m (sku, location_id, source, sequence, observed_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sku, location_id, source) DO UPDATE SET sequence = COALESCE(EXCLUDED.sequence, m.sequence), observed_at = GREATEST(m.observed_at, EXCLUDED.observed_at)`,
        [update.sku, update.locationId, source, update.sequence ?? null, update.observedAt],
      );
      await manager.query(
        `INSERT INTO stock_freshness AS f (source, location_id, last_observed_at, last_received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source, location_id) DO UPDATE SET last_observed_at = GREATEST(f.last_observed_at, EXCLUDED.last_observed_at), last_received_at = EXCLUDED.last_received_at`,
        [source, update.locationId, update.observedAt, now],
      );
      outcome.applied++;
      moved.add(update.sku);
      inventoryMetrics.feedUpdates.inc({ source, outcome: 'applied' });
      inventoryMetrics.freshness.observe({ source }, Math.max(0, (now.getTime() - update.observedAt.getTime()) / 1000));
      if (source !== 'odoo') events.push(this.positionChanged(update, position.onHand + onHand, position.inbound, source, now));
    }
    if (moved.size) {
      await refreshAvailability(manager, this.network, [...moved]);
      await markAvailabilityDirty(manager, [...moved]);
    }
    return { outcome, events };
  }

  /** The StockPositionChanged of a position inventory moved (HTTP feeds, restocked returns). */
  positionChanged(update: Pick<StockObservation, 'eventId' | 'sku' | 'locationId' | 'observedAt'>, onHand: Milli, inbound: Milli, source: string, now = new Date()): OutgoingEvent {
    const location = this.network.location(update.locationId)!;
    const payload: StockPositionChanged = {
      sku: update.sku,
      location: { locationId: update.locationId, locationType: LOCATION_TYPE[location.kind] },
      onHand: { milli: onHand },
      inbound: { milli: inbound },
      source: source.toUpperCase() as StockSource,
      sourceReference: update.eventId,
      observedAt: update.observedAt,
      occurredAt: now,
    };
    return { topic: topicFor(this.config, StockPositionChanged.topic), type: StockPositionChanged.type, key: update.sku, payload };
  }
}
