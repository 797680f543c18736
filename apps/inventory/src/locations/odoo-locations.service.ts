import { Controller, Get, Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { StockLocationUpserted, StockPositionChanged } from '@omnibus/contracts';
import { EventContext } from '@omnibus/messaging';
import { PeriodicTask, RequireScopes, ROOT_LOGGER, runPeriodically } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { LocationConfig, Network } from '../domain/network';
import { StockFeeds } from '../feeds/stock-feeds.service';
import { NETWORK } from '../tokens';
import { learnedLocation, OdooLocationFact } from './odoo-locations';

/** How often an instance re-reads the locations learned from Odoo (another instance may have consumed the event). */
const REFRESH_MS = 5_000;

/**
 * Locations learned from Odoo's warehouses: every StockLocationUpserted is kept in `odoo_locations`
 * (newest write_date wins) and applied to the in-memory network with the network file's settings for
 * it (`odooLocations`); a location the file lists keeps its configuration. Each instance loads the
 * table at start and every few seconds, so all instances know what one of them consumed. Odoo stock for a
 * location not known yet is parked and applied once the location is learned.
 */
@Injectable()
export class OdooLocations implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;
  private readonly problems = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(NETWORK) private readonly network: Network,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly feeds: StockFeeds,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.task = runPeriodically(REFRESH_MS, () => this.reload(), (error) => this.logger.warn({ err: error }, 'reloading the locations learned from Odoo failed; next interval'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  /** Records Odoo's view of a location in the caller's transaction; false when an older write_date than the one kept. */
  async record(manager: EntityManager, location: StockLocationUpserted): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO odoo_locations AS o (location_id, fact, source_updated_at, updated_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (location_id) DO UPDATE SET fact = EXCLUDED.fact, source_updated_at = EXCLUDED.source_updated_at, updated_at = now()
         WHERE o.source_updated_at <= EXCLUDED.source_updated_at
       RETURNING location_id`,
      [location.locationId, JSON.stringify(factOf(location)), location.sourceUpdatedAt],
    );
    if (rows.length > 0) this.apply(factOf(location));
    await this.releaseParked(manager);
    return rows.length > 0;
  }

  /** Odoo stock for a location inventory does not know (yet): kept, the latest per position, instead of dropped. */
  async park(manager: EntityManager, eventId: string, change: StockPositionChanged): Promise<void> {
    await manager.query(
      `INSERT INTO odoo_stock_parked AS p (sku, location_id, event_id, on_hand, inbound, observed_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (location_id, sku) DO UPDATE SET event_id = EXCLUDED.event_id, on_hand = EXCLUDED.on_hand, inbound = EXCLUDED.inbound, observed_at = EXCLUDED.observed_at
         WHERE p.observed_at <= EXCLUDED.observed_at`,
      [change.sku, change.location.locationId, eventId, change.onHand.milli, change.inbound.milli, change.observedAt],
    );
  }

  /** Applies the parked Odoo stock of locations now known (claimed with DELETE, so one instance applies each). */
  private async releaseParked(manager: EntityManager): Promise<number> {
    const known = [...this.network.locations.keys()];
    // TypeORM answers a DELETE … RETURNING with [rows, count].
    const [parked]: [Array<{ sku: string; location_id: string; event_id: string; on_hand: string; inbound: string; observed_at: Date }>] = await manager.query(
      `DELETE FROM odoo_stock_parked WHERE location_id = ANY($1) RETURNING *`,
      [known],
    );
    if (parked.length === 0) return 0;
    await this.feeds.apply(
      manager,
      'odoo',
      parked.map((row) => ({ eventId: row.event_id, sku: row.sku, locationId: row.location_id, kind: 'absolute' as const, quantity: Number(row.on_hand), inbound: Number(row.inbound), observedAt: row.observed_at })),
    );
    this.logger.info({ positions: parked.length }, 'Odoo stock parked for locations now known applied');
    return parked.length;
  }

  unused(): Array<{ locationId: string; problem: string }> {
    return [...this.problems].map(([locationId, problem]) => ({ locationId, problem }));
  }

  async reload(): Promise<void> {
    const rows: Array<{ fact: OdooLocationFact }> = await this.dataSource.query(`SELECT fact FROM odoo_locations ORDER BY location_id`);
    for (const row of rows) this.apply(row.fact);
    const [{ parked }] = await this.dataSource.query(`SELECT EXISTS (SELECT 1 FROM odoo_stock_parked WHERE location_id = ANY($1)) AS parked`, [[...this.network.locations.keys()]]);
    if (parked) await this.dataSource.transaction((manager) => this.releaseParked(manager));
  }

  private apply(fact: OdooLocationFact): void {
    if (this.network.isConfigured(fact.locationId)) return;
    const learned = learnedLocation(fact, this.network.config.odooLocations);
    if (learned.ok) {
      this.network.learn(learned.location);
      this.problems.delete(fact.locationId);
      return;
    }
    this.network.forget(fact.locationId);
    if (this.problems.get(fact.locationId) !== learned.problem) {
      this.problems.set(fact.locationId, learned.problem);
      this.logger.warn({ locationId: fact.locationId, problem: learned.problem }, 'Odoo location not used');
    }
  }
}

function factOf(location: StockLocationUpserted): OdooLocationFact {
  const { locationId, locationType, name, warehouseCode, odooCompany, companyId, brand, active } = location;
  return { locationId, locationType, name, warehouseCode, odooCompany, companyId, brand, active };
}

/** StockLocationUpserted from the odoo-adapter on retail.locations. */
@Controller()
export class OdooLocationHandlers {
  constructor(private readonly locations: OdooLocations) {}

  @EventPattern(StockLocationUpserted.type)
  async locationUpserted(@Payload() location: StockLocationUpserted, @Ctx() context: EventContext): Promise<void> {
    await this.locations.record(context.manager, location);
  }
}

/** Every location inventory uses, where it comes from, and the Odoo locations it cannot use (and why). */
@Controller('stock/locations')
export class LocationsController {
  constructor(
    private readonly locations: OdooLocations,
    @Inject(NETWORK) private readonly network: Network,
  ) {}

  @Get()
  @RequireScopes('ops:read')
  list(): { locations: Array<LocationConfig & { origin: 'config' | 'odoo' }>; unused: Array<{ locationId: string; problem: string }> } {
    return {
      locations: [...this.network.locations.values()]
        .map((location) => ({ ...location, origin: this.network.isConfigured(location.id) ? ('config' as const) : ('odoo' as const) }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
      unused: this.locations.unused(),
    };
  }
}
