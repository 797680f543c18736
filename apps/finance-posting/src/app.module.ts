import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '@omnibus/outbox';
import { KAFKA_CLIENT, ROOT_LOGGER } from '@omnibus/service-kit';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DualRunController } from './dual-run/dual-run.controller';
import { ExceptionsMonitor } from './ledger/exceptions-monitor';
import { LedgerController } from './ledger/ledger.controller';
import { OperationalHandlers } from './ledger/operational.handlers';
import { PostingService } from './ledger/posting.service';
import { RepostService } from './ledger/repost.service';
import { SettlementController } from './ledger/settlement.controller';
import { financeProviders } from './messaging.providers';
import { ReconciliationController } from './reconciliation/reconciliation.controller';
import { ReconciliationService } from './reconciliation/reconciliation.service';

/**
 * Operational events to balanced journal entries by the posting rules, posted to Odoo once through
 * the adapter, and reconciliation against what Odoo holds. The standard parts come from the service
 * kit; this module adds the consumer's handlers, the ledger and reconciliation APIs and the outbox relay.
 */
@Module({
  imports: [
    OutboxRelayModule.forRootAsync({
      inject: [DataSource, KAFKA_CLIENT, ROOT_LOGGER],
      useFactory: (dataSource: DataSource, kafka: Kafka, logger: Logger) => ({ dataSource, kafka, logger: logger.child({ component: 'outbox-relay' }) }),
    }),
  ],
  controllers: [OperationalHandlers, LedgerController, ReconciliationController, DualRunController, SettlementController],
  providers: [...financeProviders, PostingService, RepostService, ExceptionsMonitor, ReconciliationService],
  exports: [...financeProviders],
})
export class AppModule {}
