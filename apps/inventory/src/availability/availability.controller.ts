import { BadRequestException, Controller, Get, Inject } from '@nestjs/common';
import { RequireScopes, ValidQuery } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { availableToPromise, countsForChannel, locationAvailable } from '../domain/atp';
import { channelView } from '../domain/channel-view';
import { Network } from '../domain/network';
import { formatMilli } from '../domain/quantity';
import { inventoryMetrics } from '../metrics';
import { NETWORK } from '../tokens';

const querySchema = z
  .object({
    skus: z
      .string({ required_error: 'is required: comma-separated SKUs' })
      .transform((text) => [...new Set(text.split(',').map((sku) => sku.trim()).filter(Boolean))])
      .refine((skus) => skus.length >= 1 && skus.length <= 100, 'must name 1 to 100 SKUs'),
    channel: z.string({ required_error: 'is required' }).min(1),
    region: z.string({ required_error: 'is required' }).min(1),
  })
  .strict();
type AvailabilityQuery = z.infer<typeof querySchema>;

interface Row {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  committed: number;
  unavailable: number;
  inbound: number;
  sources: Array<{ source: string; observedAt: string }>;
}

/** Available to promise per SKU for a channel, explained per location with the freshness of its sources. */
@Controller('availability')
export class AvailabilityController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(NETWORK) private readonly network: Network,
  ) {}

  /**
   * Reads the current rows (the projection every movement keeps up to date in its own transaction),
   * never a sum over the ledger: one indexed query for the SKUs, one for the freshness of their locations.
   */
  @Get()
  @RequireScopes('availability:read')
  async availability(@ValidQuery(querySchema) query: AvailabilityQuery) {
    const started = process.hrtime.bigint();
    const view = channelView(this.network, query.channel, query.region);
    if (!view) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'invalid query', issues: [{ path: 'channel', message: `unknown channel ${query.channel}` }] });
    // One round trip: the rows and the freshness of their locations' sources.
    const rows: Row[] = await this.dataSource.query(
      `SELECT p.sku, p.location_id AS "locationId", p.on_hand::float8 AS "onHand", p.reserved::float8 AS reserved, p.committed::float8 AS committed,
              p.unavailable::float8 AS unavailable, p.inbound::float8 AS inbound,
              (SELECT coalesce(json_agg(json_build_object('source', f.source, 'observedAt', f.last_observed_at) ORDER BY f.source), '[]')
                 FROM stock_freshness f WHERE f.location_id = p.location_id) AS sources
         FROM stock_positions p WHERE p.sku = ANY($1)`,
      [query.skus],
    );
    const now = Date.now();
    const skus = query.skus.map((sku) => {
      const positions = rows
        .filter((row) => row.sku === sku && this.network.location(row.locationId))
        .map((row) => {
          const location = this.network.location(row.locationId)!;
          return { ...row, kind: location.kind, region: location.region, channels: location.channels, safetyStock: location.safetyStock };
        })
        .sort((a, b) => this.network.distance(query.region, a.region) - this.network.distance(query.region, b.region) || (a.locationId < b.locationId ? -1 : 1));
      return {
        sku,
        availableToPromise: formatMilli(availableToPromise(positions, view)),
        locations: positions.map((position) => ({
          locationId: position.locationId,
          kind: position.kind,
          region: position.region,
          countsForChannel: countsForChannel(position, view),
          onHand: formatMilli(position.onHand),
          reserved: formatMilli(position.reserved),
          committed: formatMilli(position.committed),
          unavailable: formatMilli(position.unavailable),
          safetyStock: formatMilli(position.safetyStock),
          inbound: formatMilli(position.inbound),
          available: formatMilli(locationAvailable(position)),
          ...(position.kind === 'in_transit' ? { expectedArrival: this.network.location(position.locationId)!.expectedArrival } : {}),
          sources: position.sources.map((entry) => ({ source: entry.source, observedAt: new Date(entry.observedAt).toISOString(), ageSeconds: Math.max(0, Math.round((now - new Date(entry.observedAt).getTime()) / 1000)) })),
        })),
      };
    });
    inventoryMetrics.availabilityLatency.observe({ skus: query.skus.length <= 20 ? '1-20' : '21-100' }, Number(process.hrtime.bigint() - started) / 1e9);
    return { channel: query.channel, region: query.region, skus };
  }
}
