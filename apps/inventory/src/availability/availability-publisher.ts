import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AvailabilityChanged, LocationType } from '@omnibus/contracts';
import { EventOutbox, OutgoingEvent } from '@omnibus/messaging';
import { PeriodicTask, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { InventoryConfig } from '../config';
import { availableToPromise, locationAvailable, PositionParts } from '../domain/atp';
import { channelView } from '../domain/channel-view';
import { LocationKind, Network } from '../domain/network';
import type { Milli } from '../domain/quantity';
import { inventoryMetrics } from '../metrics';
import { readChannelHoldings, readPositions } from '../stock/stock-store';
import { EVENT_OUTBOX, NETWORK } from '../tokens';

const LOCATION_TYPE: Record<LocationKind, LocationType> = { store: 'STORE', warehouse: 'WAREHOUSE', drop_ship: 'DROPSHIP', in_transit: 'IN_TRANSIT' };
const TICK_MS = 250;
const BATCH = 500;

/** Publish now, at the end of the window, or nothing (the figures did not change). */
export function publishDecision(
  previous: Map<string, Milli>,
  current: Map<string, Milli>,
  { dirtySinceMs, nowMs, windowMs, lowStock }: { dirtySinceMs: number; nowMs: number; windowMs: number; lowStock: Milli },
): 'now' | 'wait' | 'unchanged' {
  let changed = false;
  for (const [channel, available] of current) {
    const before = previous.get(channel) ?? 0;
    if (before === available) continue;
    changed = true;
    if ((before > 0 && available === 0) || (before >= lowStock && available < lowStock)) return 'now';
  }
  if (!changed) return 'unchanged';
  return nowMs - dirtySinceMs >= windowMs ? 'now' : 'wait';
}

/**
 * Publishes AvailabilityChanged for SKUs whose stock moved, coalesced per SKU: all moves within
 * AVAILABILITY_COALESCE_MS become one event with the latest figures, except that a channel crossing
 * to zero or below the low-stock threshold is published at once (within a tick). SKUs are claimed
 * with FOR UPDATE SKIP LOCKED, so instances share the work; the event is staged in the outbox in the
 * same transaction that clears the mark.
 */
@Injectable()
export class AvailabilityPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(NETWORK) private readonly network: Network,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.task = runPeriodically(
      TICK_MS,
      () => this.publishDue(),
      (error) => this.logger.error({ err: error }, 'availability publishing failed; retrying next tick'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  /** One pass over the marked SKUs; returns how many AvailabilityChanged were staged. */
  async publishDue(now = new Date()): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const dirty: Array<{ sku: string; since: Date }> = await manager.query(`SELECT sku, since FROM availability_dirty ORDER BY since LIMIT $1 FOR UPDATE SKIP LOCKED`, [BATCH]);
      if (dirty.length === 0) return 0;
      const skus = dirty.map((row) => row.sku);
      // One after another: the queries share the transaction's connection.
      const positions = await readPositions(manager, skus);
      const holdings = await readChannelHoldings(manager, skus, this.network.boundedChannels);
      const published: Array<{ sku: string; channelId: string; available: number }> = await manager.query(
        `SELECT sku, channel_id AS "channelId", available::float8 AS available FROM availability_published WHERE sku = ANY($1)`,
        [skus],
      );
      const freshness: Array<{ locationId: string; observedAt: Date }> = await manager.query(
        `SELECT location_id AS "locationId", min(last_observed_at) AS "observedAt" FROM stock_freshness GROUP BY location_id`,
      );
      const bySku = new Map<string, PositionParts[]>(skus.map((sku) => [sku, []]));
      for (const row of positions) {
        const location = this.network.location(row.locationId);
        if (location) bySku.get(row.sku)?.push({ ...row, kind: location.kind, channels: location.channels, safetyStock: location.safetyStock });
      }
      const views = Object.keys(this.network.config.channels).map((channelId) => channelView(this.network, channelId, '')!);
      const done: string[] = [];
      const events: OutgoingEvent[] = [];
      const figures: Array<{ sku: string; channelId: string; available: Milli }> = [];
      for (const { sku, since } of dirty) {
        const parts = bySku.get(sku)!;
        const current = new Map<string, Milli>(views.map((view) => [view.channelId, availableToPromise(parts, view, holdings.get(sku))]));
        const previous = new Map(published.filter((row) => row.sku === sku).map((row) => [row.channelId, row.available]));
        const decision = publishDecision(previous, current, {
          dirtySinceMs: new Date(since).getTime(),
          nowMs: now.getTime(),
          windowMs: this.config.AVAILABILITY_COALESCE_MS,
          lowStock: this.config.AVAILABILITY_LOW_STOCK_MILLI,
        });
        if (decision === 'wait') continue;
        done.push(sku);
        if (decision === 'unchanged') continue;
        events.push(this.changed(sku, parts, current, freshness, now));
        for (const [channelId, available] of current) figures.push({ sku, channelId, available });
      }
      // In bulk, so the marks this pass holds are released quickly: a movement marking one of these SKUs waits for it.
      if (done.length) await manager.query(`DELETE FROM availability_dirty WHERE sku = ANY($1)`, [done]);
      if (events.length) {
        await manager.query(
          `INSERT INTO availability_published (sku, channel_id, available, published_at) SELECT v.sku, v.channel_id, v.available, $4 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(sku, channel_id, available)
           ON CONFLICT (sku, channel_id) DO UPDATE SET available = EXCLUDED.available, published_at = EXCLUDED.published_at`,
          [figures.map((row) => row.sku), figures.map((row) => row.channelId), figures.map((row) => row.available), now],
        );
        await this.outbox.stage(manager, events);
        inventoryMetrics.availabilityPublished.inc(events.length);
      }
      return events.length;
    });
  }

  private changed(sku: string, parts: PositionParts[], current: Map<string, Milli>, freshness: Array<{ locationId: string; observedAt: Date }>, now: Date): OutgoingEvent {
    const observed = parts.map((part) => freshness.find((entry) => entry.locationId === part.locationId)?.observedAt).filter((at): at is Date => at !== undefined);
    const payload: AvailabilityChanged = {
      sku,
      totalAvailable: { milli: parts.reduce((sum, part) => sum + locationAvailable(part), 0) },
      channels: [...current].map(([channelId, available]) => ({ channelId, availableToPromise: { milli: available } })),
      locations: parts.map((part) => ({ location: { locationId: part.locationId, locationType: LOCATION_TYPE[part.kind] }, available: { milli: locationAvailable(part) } })),
      oldestObservationAt: observed.length ? new Date(Math.min(...observed.map((at) => new Date(at).getTime()))) : now,
      occurredAt: now,
    };
    return { topic: topicFor(this.config, AvailabilityChanged.topic), type: AvailabilityChanged.type, key: sku, payload };
  }
}
