import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { projectSku } from '../domain/availability';
import { LOCATION_PARTS_OF } from '../migrations/1795700000600-AvailabilityRenderedParts';
import type { Network } from '../domain/network';
import { lockSkus, readChannelHoldings, readPositions } from '../stock/stock-store';
import { NETWORK } from '../tokens';

/**
 * Rewrites the availability projection rows of these SKUs from their current positions, in the
 * caller's transaction, which holds their SKU locks (`lockSkus`) and has applied its movements: the
 * rows commit together with the movements, and no other writer of these SKUs runs meanwhile.
 * What the channels hold (their reservation lines, written before, or `known` by the caller for
 * every one of these SKUs) draws their allocations down.
 */
export async function refreshAvailability(manager: EntityManager, network: Network, skus: string[], known?: Map<string, Record<string, number>>): Promise<void> {
  const sorted = [...new Set(skus)].sort();
  if (sorted.length === 0) return;
  const positions = await readPositions(manager, sorted);
  // A reservation chunk passes what it kept current in memory (all of these SKUs); others read it.
  const holdings = known ?? (await readChannelHoldings(manager, sorted, network.boundedChannels));
  const bySku = new Map<string, typeof positions>(sorted.map((sku) => [sku, []]));
  for (const row of positions) bySku.get(row.sku)?.push(row);
  const projected = sorted.map((sku) => ({ sku, ...projectSku(network, bySku.get(sku)!, holdings.get(sku)) }));
  await manager.query(
    `UPDATE sku_availability AS a
        SET locations = v.locations, promise = v.promise, updated_at = now(),
            location_ids = ARRAY(SELECT json_array_elements(v.locations) ->> 'locationId'),
            location_parts = ${LOCATION_PARTS_OF('v.locations')}
       FROM unnest($1::text[], $2::json[], $3::json[]) AS v(sku, locations, promise)
      WHERE a.sku = v.sku`,
    [projected.map((row) => row.sku), projected.map((row) => JSON.stringify(row.locations)), projected.map((row) => JSON.stringify(row.promise))],
  );
}

/** Identifies a stock network configuration: rows computed with another one are stale. */
export function networkFingerprint(network: Network): string {
  return createHash('sha256').update(JSON.stringify(network.config)).digest('hex');
}

const REBUILD_BATCH = 500;

/**
 * At start: if the projection was computed with another stock network (or never), recompute every
 * SKU's row, batch by batch, each batch under its SKU locks like any other writer. Returns how many
 * SKUs were rebuilt (0 when the projection was current).
 */
export async function rebuildAvailabilityIfStale(dataSource: DataSource, network: Network): Promise<number> {
  const fingerprint = networkFingerprint(network);
  const [current] = await dataSource.query(`SELECT fingerprint FROM sku_availability_network WHERE id = 1`);
  if (current?.fingerprint === fingerprint) return 0;
  let rebuilt = 0;
  let after = '';
  for (;;) {
    const skus: string[] = (
      await dataSource.query(`SELECT DISTINCT sku FROM stock_positions WHERE sku > $1 ORDER BY sku LIMIT $2`, [after, REBUILD_BATCH])
    ).map((row: { sku: string }) => row.sku);
    if (skus.length === 0) break;
    await dataSource.transaction(async (manager) => {
      await lockSkus(manager, skus);
      await refreshAvailability(manager, network, skus);
    });
    rebuilt += skus.length;
    after = skus[skus.length - 1];
  }
  await dataSource.query(
    `INSERT INTO sku_availability_network (id, fingerprint) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, built_at = now()`,
    [fingerprint],
  );
  return rebuilt;
}

/** Brings the projection up to the stock network the service runs with, before it serves. */
@Injectable()
export class AvailabilityProjection implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(NETWORK) private readonly network: Network,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const rebuilt = await rebuildAvailabilityIfStale(this.dataSource, this.network);
    if (rebuilt) this.logger.info({ skus: rebuilt }, 'availability projection rebuilt for the current stock network');
  }
}
