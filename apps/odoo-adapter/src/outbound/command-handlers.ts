import { Controller, Inject } from '@nestjs/common';
import { Context, context as otelContext } from '@opentelemetry/api';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AmendSaleOrder, CancelSaleOrder, CreateCreditNote, CreateInvoice, CreateReturnPicking, CreateSaleOrder, OdooCommandFailed, OdooCommandSucceeded, PostJournalEntry, RegisterPayment, ValidateDelivery } from '@omnibus/contracts';
import { DependencyUnavailableError, EventContext, EventFailedInChunk, PermanentError } from '@omnibus/messaging';
import type { EntityManager } from 'typeorm';
import { counter } from '@omnibus/observability';
import { isOutage, OdooError } from '@omnibus/odoo-client';
import { ROOT_LOGGER, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { OdooRuntime } from '../odoo/odoo-runtime';
import type { OdooAdapterConfig } from '../config';
import { ODOO_RUNTIME } from '../tokens';
import { InvoicingCommands } from './invoicing-commands';
import { CommandOutcome, OdooCommands } from './odoo-commands';
import type { BatchResult } from './batch-calls';
import { OdooDirectory } from './odoo-directory';
import { refusalOf } from './refusals';
import { ReturnPickingCommands } from './return-picking-commands';
import { resultEventId } from './result-ids';

const commandsApplied = counter({
  name: 'odoo_adapter_commands_total',
  help: 'Odoo commands handled, by type and result (succeeded, already_applied, rejected, waiting)',
  labelNames: ['type', 'result'],
});

interface CommandInfo {
  type: string;
  commandId: string;
  aggregateId: string;
  companyId: string;
}

/** A command that goes to Odoo in a batch with the others of its kind in the chunk. */
type Gathered = { context: EventContext; info: CommandInfo; /** the command's trace, for its result */ trace: Context } & ({ kind: 'sale-order'; command: CreateSaleOrder } | { kind: 'journal-entry'; command: PostJournalEntry });

/**
 * `odoo.commands` → Odoo writes. Successes go to `odoo.results` in the delivery's transaction (with the
 * inbox record). A refusal that retrying cannot change dead-letters the command with Odoo's message and
 * publishes OdooCommandFailed in the transaction that records the dead letter, in the order's key order.
 * Result ids derive from the command's event id, so a redelivery republishes the same event. An Odoo
 * outage pauses the partition, so commands wait in Kafka.
 */
@Controller()
export class OdooCommandHandlers {
  private commands?: OdooCommands;
  private invoicing?: InvoicingCommands;
  private returns?: ReturnPickingCommands;
  /** Batched commands gathered in a chunk, by its transaction. */
  private readonly gathered = new WeakMap<EntityManager, Gathered[]>();

  constructor(
    @Inject(ODOO_RUNTIME) private readonly runtime: OdooRuntime,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG) private readonly config: OdooAdapterConfig,
  ) {}

  /**
   * Sale orders and journal entries go to Odoo a chunk at a time: the handler only gathers the command,
   * and the chunk's commands of one kind go together before the chunk commits (SaleOrderBatch,
   * JournalEntryBatch), each result in the chunk's transaction. Any other command in the chunk sends
   * those gathered before it first, so an order's commands stay in sequence: a ValidateDelivery never
   * overtakes the CreateSaleOrder it needs.
   */
  @EventPattern(CreateSaleOrder.type, { sequenced: true })
  async createSaleOrder(@Payload() command: CreateSaleOrder, @Ctx() context: EventContext): Promise<void> {
    this.gather(context, { kind: 'sale-order', command, context, trace: otelContext.active(), info: { type: CreateSaleOrder.type, commandId: command.commandId, aggregateId: command.orderId, companyId: command.companyId } });
  }

  @EventPattern(CancelSaleOrder.type, { sequenced: true })
  cancelSaleOrder(@Payload() command: CancelSaleOrder, @Ctx() context: EventContext): Promise<void> {
    return this.run({ type: CancelSaleOrder.type, commandId: command.commandId, aggregateId: command.orderId, companyId: command.companyId }, context, (odoo) =>
      odoo.cancelSaleOrder(command),
    );
  }

  @EventPattern(AmendSaleOrder.type, { sequenced: true })
  amendSaleOrder(@Payload() command: AmendSaleOrder, @Ctx() context: EventContext): Promise<void> {
    return this.run({ type: AmendSaleOrder.type, commandId: command.commandId, aggregateId: command.orderId, companyId: command.companyId }, context, (odoo) =>
      odoo.amendSaleOrder(command),
    );
  }

  @EventPattern(ValidateDelivery.type, { sequenced: true })
  validateDelivery(@Payload() command: ValidateDelivery, @Ctx() context: EventContext): Promise<void> {
    return this.run({ type: ValidateDelivery.type, commandId: command.commandId, aggregateId: command.orderId, companyId: command.companyId }, context, (odoo) =>
      odoo.validateDelivery(command),
    );
  }

  @EventPattern(PostJournalEntry.type)
  async postJournalEntry(@Payload() command: PostJournalEntry, @Ctx() context: EventContext): Promise<void> {
    this.gather(context, { kind: 'journal-entry', command, context, trace: otelContext.active(), info: { type: PostJournalEntry.type, commandId: command.commandId, aggregateId: command.journalEntryId, companyId: command.companyId } });
  }

  @EventPattern(CreateCreditNote.type)
  createCreditNote(@Payload() command: CreateCreditNote, @Ctx() context: EventContext): Promise<void> {
    return this.run({ type: CreateCreditNote.type, commandId: command.commandId, aggregateId: command.returnId, companyId: command.companyId }, context, (odoo) =>
      odoo.createCreditNote(command),
    );
  }

  @EventPattern(CreateReturnPicking.type)
  createReturnPicking(@Payload() command: CreateReturnPicking, @Ctx() context: EventContext): Promise<void> {
    return this.run({ type: CreateReturnPicking.type, commandId: command.commandId, aggregateId: command.returnId, companyId: command.companyId }, context, async () =>
      (await this.returnPickingCommands()).createReturnPicking(command),
    );
  }

  // Keyed by the order: an invoice follows the deliveries it bills, a payment the invoice it pays.
  @EventPattern(CreateInvoice.type, { sequenced: true })
  createInvoice(@Payload() command: CreateInvoice, @Ctx() context: EventContext): Promise<void> {
    return this.run({ type: CreateInvoice.type, commandId: command.commandId, aggregateId: command.orderId, companyId: command.companyId }, context, async () =>
      (await this.invoicingCommands()).createInvoice(command),
    );
  }

  @EventPattern(RegisterPayment.type, { sequenced: true })
  registerPayment(@Payload() command: RegisterPayment, @Ctx() context: EventContext): Promise<void> {
    return this.run({ type: RegisterPayment.type, commandId: command.commandId, aggregateId: command.orderId, companyId: command.companyId }, context, async () =>
      (await this.invoicingCommands()).registerPayment(command),
    );
  }

  private async run(info: CommandInfo, context: EventContext, work: (odoo: OdooCommands) => Promise<CommandOutcome>): Promise<void> {
    await this.sendGathered(context.manager);
    let outcome: CommandOutcome;
    try {
      outcome = await work(await this.odooCommands());
    } catch (error) {
      throw this.failed(info, context, error);
    }
    await this.succeeded(info, context, outcome);
  }

  private gather(context: EventContext, entry: Gathered): void {
    const manager = context.manager;
    let gathered = this.gathered.get(manager);
    if (!gathered) {
      gathered = [];
      this.gathered.set(manager, gathered);
      context.beforeCommit(() => this.sendGathered(manager));
    }
    gathered.push(entry);
  }

  /**
   * The chunk's gathered commands, each run of one kind as one batch. A command Odoo refused fails
   * alone: the runtime runs those before and after it again as chunks (Odoo finds what an earlier try
   * created by our references).
   */
  private async sendGathered(manager: EntityManager): Promise<void> {
    const gathered = this.gathered.get(manager);
    if (!gathered || gathered.length === 0) return;
    this.gathered.delete(manager);
    const odoo = await this.odooCommands();
    for (let start = 0; start < gathered.length; ) {
      let end = start + 1;
      while (end < gathered.length && gathered[end].kind === gathered[start].kind) end++;
      const run = gathered.slice(start, end);
      let results: BatchResult[];
      const started = performance.now();
      try {
        // The batch's Odoo calls are traced under its first command.
        results = await otelContext.with(run[0].trace, () =>
          run[0].kind === 'sale-order'
            ? odoo.createSaleOrders(run.map((entry) => entry.command as CreateSaleOrder))
            : odoo.postJournalEntries(run.map((entry) => entry.command as PostJournalEntry)),
        );
      } catch (error) {
        // Alone, the failure is the command's own; for many, an outage blocks the partition and anything
        // else runs the commands again one by one, where each failure is its command's.
        if (run.length === 1) throw new EventFailedInChunk(run[0].context.event.id, this.failed(run[0].info, run[0].context, error));
        if (error instanceof DependencyUnavailableError || isOutage(error)) throw this.failed(run[0].info, run[0].context, error);
        throw error;
      }
      this.logger.debug({ kind: run[0].kind, commands: run.length, ms: Math.round(performance.now() - started) }, 'batch sent to Odoo');
      const failedAt = results.findIndex((result) => 'error' in result);
      if (failedAt >= 0) {
        const { info, context } = run[failedAt];
        throw new EventFailedInChunk(context.event.id, this.failed(info, context, (results[failedAt] as { error: unknown }).error));
      }
      // Each result is staged in its command's trace (the batch runs after the handlers' spans ended).
      for (const [index, { info, context, trace }] of run.entries()) {
        await otelContext.with(trace, () => this.succeeded(info, context, (results[index] as { outcome: CommandOutcome }).outcome));
      }
      start = end;
    }
  }

  private async succeeded(info: CommandInfo, context: EventContext, outcome: CommandOutcome): Promise<void> {
    commandsApplied.inc({ type: info.type, result: outcome.alreadyApplied ? 'already_applied' : 'succeeded' });
    const succeeded: OdooCommandSucceeded = {
      commandId: info.commandId,
      commandType: info.type,
      aggregateId: info.aggregateId,
      companyId: info.companyId,
      odooModel: outcome.odooModel,
      odooRecordId: outcome.odooRecordId,
      odooRecordName: outcome.odooRecordName,
      alreadyApplied: outcome.alreadyApplied,
      attempts: context.event.attempt,
      occurredAt: new Date(),
    };
    await context.emit({
      id: resultEventId(context.event.id, 'succeeded'),
      topic: topicFor(this.config, OdooCommandSucceeded.topic),
      type: OdooCommandSucceeded.type,
      key: info.aggregateId,
      payload: succeeded,
    });
  }

  /** Turns a failure into what the runtime should do; a refusal carries its OdooCommandFailed to the dead letter. */
  private failed(info: CommandInfo, context: EventContext, error: unknown): Error {
    if (error instanceof DependencyUnavailableError || isOutage(error)) {
      commandsApplied.inc({ type: info.type, result: 'waiting' });
      return error instanceof DependencyUnavailableError ? error : new DependencyUnavailableError(`Odoo unavailable: ${(error as Error).message}`, { cause: error });
    }
    const refusal = refusalOf(error);
    if (!refusal) return error instanceof Error ? error : new Error(String(error)); // transient: retried by the runtime
    commandsApplied.inc({ type: info.type, result: 'rejected' });
    const failed: OdooCommandFailed = {
      commandId: info.commandId,
      commandType: info.type,
      aggregateId: info.aggregateId,
      companyId: info.companyId,
      failure: refusal.kind,
      retryable: false,
      errorMessage: refusal.message,
      odooErrorName: error instanceof OdooError ? (error.odooName ?? error.name) : null,
      attempts: context.event.attempt,
      occurredAt: new Date(),
    };
    this.logger.warn({ commandId: info.commandId, type: info.type, failure: refusal.kind, error: refusal.message }, 'Odoo refused a command');
    // Staged by the runtime with the dead letter (the delivery's transaction is rolled back, so a
    // re-drive still runs), after the results of the commands before it and before those behind it.
    return new PermanentError(`${refusal.kind}: ${refusal.message}`, {
      cause: error,
      emitOnDeadLetter: [
        {
          id: resultEventId(context.event.id, 'failed'),
          topic: topicFor(this.config, OdooCommandFailed.topic),
          type: OdooCommandFailed.type,
          key: info.aggregateId,
          payload: failed,
        },
      ],
    });
  }

  private async odooCommands(): Promise<OdooCommands> {
    if (!this.commands) {
      const session = await this.runtime.ready();
      const major = session.connection.version.major;
      const directory = new OdooDirectory(this.runtime.client, major);
      // A product or partner the inbound sync saw change is looked up again (its SKU or ref may have moved).
      this.runtime.onRecordsChanged((model, records) => directory.forget(model, records));
      this.commands = new OdooCommands(this.runtime.client, session.mapping, directory, major);
      this.invoicing = new InvoicingCommands(this.runtime.client, session.mapping, directory, major, this.commands);
      this.returns = new ReturnPickingCommands(this.runtime.client, session.mapping, directory, major, this.commands);
    }
    return this.commands;
  }

  private async returnPickingCommands(): Promise<ReturnPickingCommands> {
    await this.odooCommands();
    return this.returns as ReturnPickingCommands;
  }

  private async invoicingCommands(): Promise<InvoicingCommands> {
    await this.odooCommands();
    return this.invoicing as InvoicingCommands;
  }
}
