import type { PostJournalEntry } from '@omnibus/contracts';
import { OdooClient, OdooContext } from '@omnibus/odoo-client';
import { ResolvedCompany, ResolvedMapping } from '../mapping/mapping';
import { moneyToOdoo } from '../shared/units';
import { BatchResult, bringToState, createOnceEach, CreateItem, inHalves, perCompany, QUIET } from './batch-calls';
import { CommandRejectedError } from './command-rejected';
import { OdooDirectory } from './odoo-directory';

const POSTED = ['posted'];

/**
 * PostJournalEntry commands carried out together: the entries' partners in one search (journals and
 * accounts are cached), one search of the entries Odoo already has (by `ref`, our journal entry id),
 * one `create` of the missing ones, one `action_post` on all drafts and one `read` of names. An entry
 * we cannot send (foreign currency, unbalanced, unknown account) or that Odoo refuses fails alone.
 */
export class JournalEntryBatch {
  constructor(
    private readonly odoo: OdooClient,
    private readonly mapping: ResolvedMapping,
    private readonly directory: OdooDirectory,
  ) {}

  /** One result per command, in their order. A repeated entry id finds the entry already applied. */
  postJournalEntries(commands: PostJournalEntry[]): Promise<BatchResult[]> {
    return perCompany(this.mapping, commands, (command) => command.journalEntryId, (company, first) => this.forCompany(company, first));
  }

  private async forCompany(company: ResolvedCompany, first: Map<string, PostJournalEntry>): Promise<Map<string, BatchResult>> {
    const context: OdooContext = { ...QUIET, allowed_company_ids: [company.odooCompanyId] };
    const failed = new Map<string, unknown>();

    const partners = await this.directory.partnersOf([...first.values()].flatMap((command) => command.lines.flatMap((line) => (line.partnerId ? [line.partnerId] : []))), context);
    const items: CreateItem[] = [];
    for (const command of first.values()) {
      try {
        items.push({ ref: command.journalEntryId, values: await this.moveValues(command, company, partners) });
      } catch (error) {
        failed.set(command.journalEntryId, error);
      }
    }
    const created = await createOnceEach(this.odoo, 'account.move', 'ref', items, {
      context,
      domain: [['move_type', '=', 'entry'], ['company_id', '=', company.odooCompanyId]],
    });
    const ids = new Map<string, { id: number; created: boolean }>();
    for (const [entryId, result] of created) {
      if ('error' in result) failed.set(entryId, result.error);
      else ids.set(entryId, result);
    }

    // States of the entries an earlier try created; new ones are drafts. Then post every draft at once.
    const earlier = [...ids].filter(([, entry]) => !entry.created).map(([, entry]) => entry.id);
    const states = new Map<number, string>();
    if (earlier.length > 0) for (const move of await this.odoo.read<{ id: number; state: string }>('account.move', earlier, ['state'], { context })) states.set(move.id, move.state);
    const toPost = [...ids].filter(([, entry]) => !POSTED.includes(entry.created ? 'draft' : (states.get(entry.id) ?? 'draft')));
    const postedNow = new Set<string>();
    await inHalves(
      toPost,
      async (part) => {
        const moves = part.map(([entryId, entry]) => ({ key: entryId, id: entry.id }));
        for (const entryId of await bringToState(this.odoo, 'account.move', 'action_post', moves, POSTED, context)) postedNow.add(entryId);
      },
      ([entryId], error) => failed.set(entryId, error),
    );

    const ok = [...ids].filter(([entryId]) => !failed.has(entryId));
    const names = new Map<number, string>();
    if (ok.length > 0) for (const move of await this.odoo.read<{ id: number; name: string }>('account.move', ok.map(([, entry]) => entry.id), ['name'], { context })) names.set(move.id, move.name);
    const results = new Map<string, BatchResult>();
    for (const entryId of first.keys()) {
      const entry = ids.get(entryId);
      if (failed.has(entryId) || !entry) results.set(entryId, { error: failed.get(entryId) });
      else results.set(entryId, { outcome: { odooModel: 'account.move', odooRecordId: entry.id, odooRecordName: names.get(entry.id) ?? null, alreadyApplied: !entry.created && !postedNow.has(entryId) } });
    }
    return results;
  }

  private async moveValues(command: PostJournalEntry, company: ResolvedCompany, partners: Map<string, number>): Promise<Record<string, unknown>> {
    const journalId = await this.directory.journalId(company, command.journalCode);
    const lines: unknown[] = [];
    let debit = 0;
    let credit = 0;
    for (const line of command.lines) {
      if (line.debit.currency !== company.currency || line.credit.currency !== company.currency) {
        throw new CommandRejectedError(`journal entry ${command.journalEntryId} line ${line.lineNumber} is not in ${company.currency}`, 'VALIDATION');
      }
      debit += line.debit.amountMinor;
      credit += line.credit.amountMinor;
      const partnerId = line.partnerId ? partners.get(line.partnerId) : undefined;
      lines.push([
        0,
        0,
        {
          account_id: await this.directory.accountId(company, line.accountCode),
          name: line.label,
          debit: moneyToOdoo(line.debit),
          credit: moneyToOdoo(line.credit),
          ...(partnerId ? { partner_id: partnerId } : {}),
        },
      ]);
    }
    if (debit !== credit) throw new CommandRejectedError(`journal entry ${command.journalEntryId} does not balance (${debit} ≠ ${credit})`, 'VALIDATION');
    return { move_type: 'entry', ref: command.journalEntryId, journal_id: journalId, date: command.accountingDate, company_id: company.odooCompanyId, line_ids: lines };
  }
}
