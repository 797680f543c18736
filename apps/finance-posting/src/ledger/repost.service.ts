import { ConflictException, Inject, Injectable, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import type { EventOutbox } from '@omnibus/messaging';
import { ROOT_LOGGER } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_OUTBOX } from '../tokens';
import { entryPrepared, postCommand } from './journal-messages';
import * as store from './ledger-store';
import { PostingService } from './posting.service';

/**
 * Sending an entry (again): an operator's re-post of an entry Odoo refused, after the cause is fixed
 * in Odoo (an account created, a period reopened), or the release of an entry held in a locked
 * period once it is open. The same entry and posting id under a new command id, audited with the
 * principal's name. Only a refused or held entry can go, so a double click posts nothing twice (and
 * the adapter finds the move by its ref anyway).
 */
@Injectable()
export class RepostService implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    private readonly postings: PostingService,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Held entries whose period is open now (the lock dates are configuration: a restart applies new ones) go out at start. */
  async onApplicationBootstrap(): Promise<void> {
    for (const id of await store.heldEntryIds(this.dataSource.manager)) {
      await this.repost('system:period-open', id, undefined).catch((error: Error) => this.logger.info({ journalEntryId: id, reason: error.message }, 'held entry stays held'));
    }
  }

  async repost(principal: string, entryId: string, note: string | undefined): Promise<store.EntryView> {
    return this.dataSource.transaction(async (manager) => {
      const entry = await store.findEntry(manager, entryId, true);
      if (!entry) throw new NotFoundException(`no journal entry ${entryId}`);
      if (entry.status !== 'failed' && entry.status !== 'held') throw new ConflictException(`journal entry ${entryId} is ${entry.status}; only a refused (failed) or held entry is sent again`);
      const placement = this.postings.place(entry.companyId, entry.accountingDate);
      if (!placement.post) throw new ConflictException(`journal entry ${entryId}: ${placement.note}`);
      const commandId = uuidv7();
      const now = new Date();
      const sent = { ...entry, accountingDate: placement.accountingDate };
      await store.markReposted(manager, entryId, commandId, { accountingDate: placement.accountingDate, note: placement.note });
      // A held entry was never announced: it is prepared now.
      await this.outbox.stage(manager, [...(entry.status === 'held' ? [entryPrepared(this.postings.topicOf, sent, now)] : []), postCommand(this.postings.topicOf, sent, commandId, now)]);
      await store.audit(manager, { principal, action: entry.status === 'held' ? 'release' : 'repost', journalEntryId: entryId, detail: { commandId, previousStatus: entry.status, previousFailure: entry.failure, note: note ?? null } });
      return (await store.findEntry(manager, entryId)) as store.EntryView;
    });
  }
}
