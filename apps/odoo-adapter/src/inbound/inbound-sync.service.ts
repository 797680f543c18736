import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { EventOutbox } from '@omnibus/messaging';
import { counter, histogram } from '@omnibus/observability';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OdooAdapterConfig } from '../config';
import { OdooRuntime } from '../odoo/odoo-runtime';
import { EVENT_OUTBOX, ODOO_RUNTIME } from '../tokens';
import { WebhookHints } from '../webhooks/webhook-hints';
import { InboundSync, InboundMetrics } from './inbound-sync';
import { inboundStreams, OdooLookups, StreamName } from './streams';
import { discoverWarehouses } from './warehouses';
import { readStockSnapshot, SnapshotOfOdoo } from './stock-snapshot';
import type { ReadStockSnapshot } from '@omnibus/contracts';

const FOLLOWED_MODELS: StreamName[] = ['product.product', 'product.template', 'product.pricelist.item', 'res.partner', 'stock.quant', 'stock.warehouse'];

export function inboundMetrics(): InboundMetrics {
  return {
    stockFreshness: histogram({
      name: 'odoo_adapter_stock_freshness_seconds',
      help: 'Odoo stock change (quant write_date, to the microsecond when a webhook says so) to its StockPositionChanged committed to the outbox, by source',
      labelNames: ['source'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30, 60],
    }),
    events: counter({ name: 'odoo_adapter_inbound_events_total', help: 'Canonical events published from Odoo changes, by kind and source', labelNames: ['kind', 'source'] }),
  };
}

/**
 * Nest lifecycle around InboundSync: starts polling once Odoo answers, runs the scheduled full
 * re-sync, and feeds webhook hints in.
 */
@Injectable()
export class InboundSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private sync?: Promise<InboundSync>;
  private lookups?: OdooLookups;
  private readonly hints: WebhookHints;
  private resyncTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: OdooAdapterConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(ODOO_RUNTIME) private readonly runtime: OdooRuntime,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    private readonly dataSource: DataSource,
  ) {
    this.hints = new WebhookHints(async (model, ids, times, fields) => (await this.engine()).applyHints(model as StreamName, ids, times, fields), config.ODOO_WEBHOOK_BATCH_MS, logger);
  }

  follows(model: string): boolean {
    return (FOLLOWED_MODELS as string[]).includes(model);
  }

  hint(model: string, id: number, changedAt?: Date, fields?: Record<string, unknown>): void {
    this.hints.add(model, id, changedAt, fields);
  }

  /** The sync engine, built once the Odoo session exists (waits while Odoo is unreachable). */
  engine(): Promise<InboundSync> {
    this.sync ??= this.runtime.ready().then(async (session) => {
      await discoverWarehouses(this.runtime.client, session.mapping);
      const lookups = new OdooLookups(this.runtime.client, session.mapping);
      this.lookups = lookups;
      const streams = inboundStreams(this.runtime.client, session.mapping, lookups, session.availableFields, (topic) => topicFor(this.config, topic));
      return new InboundSync(
        this.runtime.client,
        this.dataSource,
        this.outbox,
        streams,
        {
          pollIntervalMs: {
            'stock.quant': this.config.ODOO_STOCK_POLL_INTERVAL_MS,
            'product.product': this.config.ODOO_CATALOG_POLL_INTERVAL_MS,
            'product.template': this.config.ODOO_CATALOG_POLL_INTERVAL_MS,
            'product.pricelist.item': this.config.ODOO_CATALOG_POLL_INTERVAL_MS,
            'res.partner': this.config.ODOO_CATALOG_POLL_INTERVAL_MS,
            'stock.warehouse': this.config.ODOO_CATALOG_POLL_INTERVAL_MS,
          },
          overlapSeconds: this.config.ODOO_SYNC_OVERLAP_SECONDS,
          sweepWindowSeconds: this.config.ODOO_SYNC_SWEEP_WINDOW_SECONDS,
          sweepIntervalMs: this.config.ODOO_SYNC_SWEEP_INTERVAL_MS,
          pageSize: this.config.ODOO_SYNC_PAGE_SIZE,
          onRecords: (model, records) => this.runtime.recordsChanged(model, records),
        },
        inboundMetrics(),
        this.logger.child({ component: 'inbound-sync' }),
      );
    });
    this.sync.catch(() => (this.sync = undefined));
    return this.sync;
  }

  /** Odoo's on-hand per SKU and mapped location now, for inventory's drift check (ReadStockSnapshot). */
  async stockSnapshot(command: ReadStockSnapshot): Promise<SnapshotOfOdoo> {
    await this.engine();
    const session = await this.runtime.ready();
    return readStockSnapshot(this.runtime.client, session.mapping, this.lookups!, command.locationIds, this.config.ODOO_SYNC_PAGE_SIZE);
  }

  async fullResync(): Promise<{ published: number }> {
    const started = Date.now();
    const result = await (await this.engine()).fullResync();
    this.logger.info({ ...result, ms: Date.now() - started }, 'full Odoo re-sync done');
    return result;
  }

  onApplicationBootstrap(): void {
    if (this.config.ODOO_SYNC_ENABLED) {
      void this.startWhenConnected();
    }
    if (this.config.ODOO_FULL_RESYNC_INTERVAL_MS > 0) this.scheduleResync();
  }

  private async startWhenConnected(): Promise<void> {
    while (!this.stopped) {
      try {
        (await this.engine()).start();
        return;
      } catch (error) {
        this.logger.debug({ err: error }, 'inbound sync waits for Odoo');
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      }
    }
  }

  private scheduleResync(): void {
    this.resyncTimer = setTimeout(() => {
      this.fullResync()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'scheduled full Odoo re-sync failed'))
        .finally(() => !this.stopped && this.scheduleResync());
    }, this.config.ODOO_FULL_RESYNC_INTERVAL_MS);
    this.resyncTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.hints.drain();
    if (this.sync) await (await this.sync.catch(() => undefined))?.stop();
  }
}
