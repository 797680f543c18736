import { JournalEntryPosted, JournalEntryPrepared, JournalLine, PostJournalEntry, ReconciliationExceptionRaised, SourceDocument } from '@omnibus/contracts';
import type { OutgoingEvent } from '@omnibus/messaging';
import type { DraftLine } from '../domain/postings';
import type { EntryView } from './ledger-store';

/** The outgoing events of the ledger, keyed by their contracts' key fields; topics are resolved by the caller's `topicOf`. */
export type TopicOf = (catalogueTopic: string) => string;

type Entry = Pick<EntryView, 'id' | 'companyId' | 'journal' | 'accountingDate' | 'reference' | 'source' | 'posting' | 'currency'> & { lines: DraftLine[] };

const money = (amountMinor: number, currency: string) => ({ amountMinor, currency });
const journalLines = (entry: Entry): JournalLine[] =>
  entry.lines.map((line) => ({
    lineNumber: line.lineNumber,
    accountCode: line.accountCode,
    label: line.label,
    debit: money(line.debitMinor, entry.currency),
    credit: money(line.creditMinor, entry.currency),
    partnerId: null,
    taxCode: null,
    analyticAccount: null,
  }));

export const sourceDocument = (source: EntryView['source']): SourceDocument => ({ kind: source.kind as SourceDocument['kind'], id: source.id, orderId: source.orderId });

export function entryPrepared(topicOf: TopicOf, entry: Entry, now: Date): OutgoingEvent<JournalEntryPrepared> {
  return {
    topic: topicOf(JournalEntryPrepared.topic),
    type: JournalEntryPrepared.type,
    key: entry.id,
    payload: {
      journalEntryId: entry.id,
      companyId: entry.companyId,
      journalCode: entry.journal,
      accountingDate: entry.accountingDate,
      reference: entry.reference,
      source: sourceDocument(entry.source),
      postingRule: entry.posting,
      lines: journalLines(entry),
      occurredAt: now,
    },
  };
}

/** The command to the adapter: our entry id is the move's `ref`, so a retry finds the move it made. */
export function postCommand(topicOf: TopicOf, entry: Entry, commandId: string, now: Date): OutgoingEvent<PostJournalEntry> {
  return {
    topic: topicOf(PostJournalEntry.topic),
    type: PostJournalEntry.type,
    key: entry.id,
    payload: { commandId, journalEntryId: entry.id, companyId: entry.companyId, journalCode: entry.journal, accountingDate: entry.accountingDate, reference: entry.reference, lines: journalLines(entry), occurredAt: now },
  };
}

export function entryPosted(topicOf: TopicOf, entry: EntryView, postedAt: Date): OutgoingEvent<JournalEntryPosted> {
  return {
    topic: topicOf(JournalEntryPosted.topic),
    type: JournalEntryPosted.type,
    key: entry.id,
    payload: { journalEntryId: entry.id, companyId: entry.companyId, source: sourceDocument(entry.source), odooMoveId: entry.odooMoveId ?? 0, odooMoveName: entry.odooMoveName ?? '', occurredAt: postedAt },
  };
}

export function exceptionRaised(topicOf: TopicOf, exception: Omit<ReconciliationExceptionRaised, 'occurredAt'>, now: Date): OutgoingEvent<ReconciliationExceptionRaised> {
  return { topic: topicOf(ReconciliationExceptionRaised.topic), type: ReconciliationExceptionRaised.type, key: exception.exceptionId, payload: { ...exception, occurredAt: now } };
}
