import { BadRequestException, Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RequireScopes, ValidQuery } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ChannelView, countsForChannel } from '../domain/atp';
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
  /** Each location's part of the answer, `[locationId, JSON text of its object without the closing brace]` (migration 1795700000600). */
  parts: Array<[string, string]> | null;
  /** The SKU's available to promise for the asked channel and region (null when the projection has none). */
  atp: string | null;
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
   * location counts for the channel, and the age of each source. The answer is assembled as text
   * from the parts the projection keeps rendered (nothing parsed into objects and rendered again:
   * that was most of a 20-SKU request's time); its shape is that of `AvailabilityAnswer`. It is
   * written straight to the response: express's `send` would hash the 24 KB for an ETag, useless
   * for an answer whose ages change every second.
   */
  @Get()
  @RequireScopes('availability:read')
  async availability(@ValidQuery(querySchema) query: AvailabilityQuery, @Res() res: Response): Promise<void> {
    const started = process.hrtime.bigint();
    const view = channelView(this.network, query.channel, query.region);
    if (!view) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'invalid query', issues: [{ path: 'channel', message: `unknown channel ${query.channel}` }] });
    const rows = await readAvailabilityProjection(this.dataSource, query.skus, promiseKey(this.network, query.channel, query.region));
    const answer = renderAvailability(this.network, query, view, rows, Date.now());
    inventoryMetrics.availabilityLatency.observe({ skus: query.skus.length <= 20 ? '1-20' : '21-100' }, Number(process.hrtime.bigint() - started) / 1e9);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) }).end(answer);
  }
}

/** The answer of `GET /availability`, as `renderAvailability` writes it. */
export interface AvailabilityAnswer {
  channel: string;
  region: string;
  skus: Array<{
    sku: string;
    availableToPromise: string;
    locations: Array<LocationAvailability & { countsForChannel: boolean; sources: Array<{ source: string; observedAt: string; ageSeconds: number }> }>;
  }>;
}

/**
 * The JSON text of the answer (`AvailabilityAnswer`), SKUs in the asked order, each SKU's locations
 * nearest to the region first (then by id), locations no longer in the stock network left out.
 */
export function renderAvailability(network: Network, query: AvailabilityQuery, view: ChannelView, rows: ProjectionRow[], now: number): string {
  const sources = new Map<string, string[]>();
  const projected = new Map<string, ProjectionRow>();
  for (const row of rows) {
    if (row.sku !== null) projected.set(row.sku, row);
    else
      for (const [locationId, source, observedMs] of row.freshness ?? []) {
        const entry = `{"source":${JSON.stringify(source)},"observedAt":"${new Date(Number(observedMs)).toISOString()}","ageSeconds":${Math.max(0, Math.round((now - Number(observedMs)) / 1000))}}`;
        const list = sources.get(locationId);
        if (list) list.push(entry);
        else sources.set(locationId, [entry]);
      }
  }
  // What a location adds to its stored part for this caller: the same for every SKU it holds.
  const tails = new Map<string, { distance: number; tail: string } | null>();
  const tailOf = (locationId: string) => {
    let tail = tails.get(locationId);
    if (tail === undefined) {
      const location = network.location(locationId);
      tail = location
        ? {
            distance: network.distance(query.region, location.region),
            tail: `,"countsForChannel":${countsForChannel({ kind: location.kind, channels: location.channels }, view)},"sources":[${(sources.get(locationId) ?? []).join(',')}]}`,
          }
        : null;
      tails.set(locationId, tail);
    }
    return tail;
  };
  const skus = query.skus.map((sku) => {
    const row = projected.get(sku);
    const locations: Array<{ id: string; distance: number; text: string }> = [];
    for (const [locationId, part] of row?.parts ?? []) {
      const tail = tailOf(locationId);
      if (tail) locations.push({ id: locationId, distance: tail.distance, text: part + tail.tail });
    }
    locations.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1));
    return `{"sku":${JSON.stringify(sku)},"availableToPromise":${JSON.stringify(row?.atp ?? '0')},"locations":[${locations.map((location) => location.text).join(',')}]}`;
  });
  return `{"channel":${JSON.stringify(query.channel)},"region":${JSON.stringify(query.region)},"skus":[${skus.join(',')}]}`;
}

/**
 * The hot read, straight on the driver's pool as a named prepared statement: parsed and planned
 * once per connection, and none of TypeORM's per-query work (a query runner per call).
 */
export async function readAvailabilityProjection(dataSource: DataSource, skus: string[], promiseKey: string): Promise<ProjectionRow[]> {
  const pool = (dataSource.driver as unknown as { master: { query(query: { name: string; text: string; values: unknown[] }): Promise<{ rows: ProjectionRow[] }> } }).master;
  return (await pool.query({ name: 'inventory-availability', text: PROJECTION_READ, values: [skus, promiseKey] })).rows;
}

/** The projection rows of the SKUs and, on one more row (sku null), the freshness of their locations' sources. */
const PROJECTION_READ = `
  WITH wanted AS (SELECT sku, location_parts, promise, location_ids FROM sku_availability WHERE sku = ANY($1::text[]))
  SELECT sku, location_parts AS parts, promise ->> $2::text AS atp, NULL::json AS freshness FROM wanted
  UNION ALL
  SELECT NULL, NULL, NULL, json_agg(json_build_array(location_id, source, (extract(epoch FROM last_observed_at) * 1000)::bigint) ORDER BY location_id, source)
    FROM stock_freshness WHERE location_id IN (SELECT unnest(location_ids) FROM wanted)`;
