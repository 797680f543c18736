import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { EventOutbox } from '@omnibus/messaging';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_OUTBOX } from '../tokens';
import { postCommand } from './journal-messages';
import * as store from './ledger-store';
import { PostingService, POSTING_REFUSED } from './posting.service';

/**
 * An operator's re-post of an entry Odoo refused, after the cause is fixed in Odoo (an account
 * created, a period reopened): the same entry and posting id under a new command id, audited with
 * the operator's name. Only a refused entry can go again, so a double click posts nothing twice
 * (and the adapter finds the move by its ref anyway).
 */
@Injectable()
export class RepostService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly postings: PostingService,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
  ) {}

  async repost(principal: string, entryId: string, note: string | undefined): Promise<store.EntryView> {
    return this.dataSource.transaction(async (manager) => {
      const entry = await store.findEntry(manager, entryId, true);
      if (!entry) throw new NotFoundException(`no journal entry ${entryId}`);
      if (entry.status !== 'failed') throw new ConflictException(`journal entry ${entryId} is ${entry.status}; only a refused (failed) entry is re-posted`);
      const commandId = uuidv7();
      await store.markReposted(manager, entryId, commandId);
      await this.outbox.stage(manager, postCommand(this.postings.topicOf, entry, commandId, new Date()));
      await store.audit(manager, { principal, action: 'repost', journalEntryId: entryId, detail: { commandId, previousFailure: entry.failure, note: note ?? null, kind: POSTING_REFUSED } });
      return (await store.findEntry(manager, entryId)) as store.EntryView;
    });
  }
}
