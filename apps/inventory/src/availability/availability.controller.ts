import { BadRequestException, Controller, Get, Inject } from '@nestjs/common';
import { RequireScopes, ValidQuery } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { countsForChannel } from '../domain/atp';
import { LocationAvailability, promiseKey } from '../domain/availability';
import { channelView } from '../domain/channel-view';
import { Network } from '../domain/network';
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

export interface ProjectionRow {
  sku: string | null;
  locations: LocationAvailability[] | null;
  promise: Record<string, string> | null;
  /** On the one row with sku null: the freshness of the answer's locations, `[locationId, source, observed ms]`. */
  freshness: Array<[string, string, number]> | null;
}

/** Available to promise per SKU for a channel, explained per location with the freshness of its sources. */
@Controller('availability')
export class AvailabilityController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(NETWORK) private readonly network: Network,
  ) {}

  /**
   * Reads the availability projection (one row per SKU, rewritten in the transaction of every
   * position change) and the freshness of those SKUs' locations, in one indexed query (PROJECTION_READ). Only what
   * depends on the caller is done here: the location order by distance from the region, whether a
   * location counts for the channel, and the age of each source.
   */
  @Get()
  @RequireScopes('availability:read')
  async availability(@ValidQuery(querySchema) query: AvailabilityQuery) {
    const started = process.hrtime.bigint();
    const view = channelView(this.network, query.channel, query.region);
    if (!view) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'invalid query', issues: [{ path: 'channel', message: `unknown channel ${query.channel}` }] });
    const rows = await readAvailabilityProjection(this.dataSource, query.skus);
    const now = Date.now();
    const sources = new Map<string, Array<{ source: string; observedAt: string; ageSeconds: number }>>();
    const projected = new Map<string, ProjectionRow>();
    for (const row of rows) {
      if (row.sku !== null) projected.set(row.sku, row);
      else
        for (const [locationId, source, observedMs] of row.freshness ?? []) {
          const entry = { source, observedAt: new Date(Number(observedMs)).toISOString(), ageSeconds: Math.max(0, Math.round((now - Number(observedMs)) / 1000)) };
          sources.set(locationId, [...(sources.get(locationId) ?? []), entry]);
        }
    }
    const key = promiseKey(this.network, query.channel, query.region);
    const distance = new Map<string, number>();
    const distanceOf = (region: string) => {
      let value = distance.get(region);
      if (value === undefined) distance.set(region, (value = this.network.distance(query.region, region)));
      return value;
    };
    const skus = query.skus.map((sku) => {
      const row = projected.get(sku);
      const locations = (row?.locations ?? [])
        .filter((location) => this.network.location(location.locationId))
        .sort((a, b) => distanceOf(a.region) - distanceOf(b.region) || (a.locationId < b.locationId ? -1 : 1))
        .map((location) => ({
          ...location,
          countsForChannel: countsForChannel({ kind: location.kind, channels: this.network.location(location.locationId)!.channels }, view),
          sources: sources.get(location.locationId) ?? [],
        }));
      return { sku, availableToPromise: row?.promise?.[key] ?? '0', locations };
    });
    inventoryMetrics.availabilityLatency.observe({ skus: query.skus.length <= 20 ? '1-20' : '21-100' }, Number(process.hrtime.bigint() - started) / 1e9);
    return { channel: query.channel, region: query.region, skus };
  }
}

/**
 * The hot read, straight on the driver's pool as a named prepared statement: parsed and planned
 * once per connection, and none of TypeORM's per-query work (a query runner per call).
 */
export async function readAvailabilityProjection(dataSource: DataSource, skus: string[]): Promise<ProjectionRow[]> {
  const pool = (dataSource.driver as unknown as { master: { query(query: { name: string; text: string; values: unknown[] }): Promise<{ rows: ProjectionRow[] }> } }).master;
  return (await pool.query({ name: 'inventory-availability', text: PROJECTION_READ, values: [skus] })).rows;
}

/** The projection rows of the SKUs and, on one more row (sku null), the freshness of their locations' sources. */
const PROJECTION_READ = `
  WITH wanted AS (SELECT sku, locations, promise, location_ids FROM sku_availability WHERE sku = ANY($1::text[]))
  SELECT sku, locations, promise, NULL::json AS freshness FROM wanted
  UNION ALL
  SELECT NULL, NULL, NULL, json_agg(json_build_array(location_id, source, (extract(epoch FROM last_observed_at) * 1000)::bigint) ORDER BY location_id, source)
    FROM stock_freshness WHERE location_id IN (SELECT unnest(location_ids) FROM wanted)`;
