import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { OutboxRelay } from '@omnibus/outbox';
import { InboundSyncService } from './inbound/inbound-sync.service';
import { messagingProviders } from './messaging.providers';
import { OdooRuntime } from './odoo/odoo-runtime';
import { odooProviders } from './odoo/odoo.providers';
import { OdooCommandHandlers } from './outbound/command-handlers';
import { ResyncController } from './inbound/resync.controller';
import { StockSnapshotHandlers } from './outbound/stock-snapshot.handler';
import { ODOO_RUNTIME, OUTBOX_RELAY } from './tokens';
import { OdooWebhookController } from './webhooks/webhook.controller';

/**
 * The only code that speaks to Odoo: outbound commands (`odoo.commands` → Odoo writes → `odoo.results`),
 * inbound sync (write_date polling, Odoo webhooks, full re-sync → catalogue, customer, stock and location
 * events), and stock snapshots for inventory's drift check (ReadStockSnapshot → odoo.stock-snapshots).
 */
@Module({
  controllers: [OdooWebhookController, ResyncController, OdooCommandHandlers, StockSnapshotHandlers],
  providers: [...odooProviders, ...messagingProviders, InboundSyncService],
  exports: [...odooProviders, ...messagingProviders],
})
export class AppModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @Inject(ODOO_RUNTIME) private readonly runtime: OdooRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.runtime.close();
  }
}
