import { OdooClient, OdooContext, OdooDomain, OdooUnknownOutcomeError, OdooValues } from '@omnibus/odoo-client';
import type { ResolvedCompany, ResolvedMapping } from '../mapping/mapping';
import type { CommandOutcome } from './odoo-commands';
import { refusalOf } from './refusals';

/**
 * Odoo calls that carry many records at once, each record still done once: what the command batches
 * (sale orders, journal entries) are made of.
 */

/** Writes without chatter: no tracking messages, followers or creation notes on what we create. */
export const QUIET: OdooContext = { tracking_disable: true, mail_create_nolog: true, mail_notrack: true, mail_create_nosubscribe: true };

/** One command's result in a batch. */
export type BatchResult = { outcome: CommandOutcome } | { error: unknown };

/**
 * Splits a batch by company (each company's calls carry its `allowed_company_ids`), runs `forCompany`
 * on each with the first command of every key, and answers one result per command, in their order; a
 * command whose key came earlier in the batch finds it already applied. A command for a company the
 * mapping does not know gets the mapping's error.
 */
export async function perCompany<C extends { companyId: string }>(
  mapping: ResolvedMapping,
  commands: C[],
  keyOf: (command: C) => string,
  forCompany: (company: ResolvedCompany, firstOfEachKey: Map<string, C>) => Promise<Map<string, BatchResult>>,
): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(commands.length);
  const byCompany = new Map<ResolvedCompany, number[]>();
  commands.forEach((command, index) => {
    try {
      const company = mapping.company(command.companyId);
      byCompany.set(company, [...(byCompany.get(company) ?? []), index]);
    } catch (error) {
      results[index] = { error };
    }
  });
  for (const [company, indexes] of byCompany) {
    const first = new Map<string, C>();
    for (const index of indexes) if (!first.has(keyOf(commands[index]))) first.set(keyOf(commands[index]), commands[index]);
    const applied = await forCompany(company, first);
    const seen = new Set<string>();
    for (const index of indexes) {
      const key = keyOf(commands[index]);
      const result = applied.get(key) as BatchResult;
      results[index] = seen.has(key) && 'outcome' in result ? { outcome: { ...result.outcome, alreadyApplied: true } } : result;
      seen.add(key);
    }
  }
  return results;
}

export type CreateResult = { id: number; created: boolean } | { error: unknown };

export interface CreateItem {
  /** Our reference, stored in `refField` of the record: how a retry finds what an earlier try created. */
  ref: string;
  values: OdooValues;
}

/**
 * Creates many records of one model at most once each, by our reference, in as few calls as Odoo
 * allows: one search for all references, one `create` with the list of the missing ones. Odoo runs a
 * call in one transaction, so a list it refuses created nothing: it is split in halves until the
 * refused record stands alone (its error is its result) and the others are created. After an unknown
 * outcome (the answer was lost; Odoo may have committed) the references are searched again and only
 * the missing ones are created again. A reference given twice is created once.
 */
export async function createOnceEach(
  odoo: OdooClient,
  model: string,
  refField: string,
  items: CreateItem[],
  options: { context?: OdooContext; knownAbsent?: boolean; maxAttempts?: number; /** narrows the search by reference */ domain?: OdooDomain },
): Promise<Map<string, CreateResult>> {
  const results = new Map<string, CreateResult>();
  const unique = [...new Map(items.map((item) => [item.ref, item])).values()];
  const maxAttempts = options.maxAttempts ?? odoo.options.retry.maxAttempts + 1;
  const searchContext = { active_test: false, ...options.context };

  const findByRef = async (refs: string[]): Promise<Map<string, number>> => {
    const found = new Map<string, number>();
    if (refs.length === 0) return found;
    const records = await odoo.searchRead<Record<string, unknown> & { id: number }>(model, [[refField, 'in', refs], ...(options.domain ?? [])], { fields: [refField], order: 'id asc', context: searchContext });
    for (const record of records) {
      const ref = record[refField] as string;
      if (!found.has(ref)) found.set(ref, record.id);
    }
    return found;
  };

  const createAll = async (part: CreateItem[]): Promise<void> => {
    let missing = part;
    for (let attempt = 1; ; attempt++) {
      try {
        const ids = await odoo.createMany(model, missing.map((item) => item.values), { context: options.context });
        missing.forEach((item, index) => results.set(item.ref, { id: ids[index], created: true }));
        return;
      } catch (error) {
        if (!(error instanceof OdooUnknownOutcomeError) || attempt >= maxAttempts) throw error;
        // What the lost call committed was created by us: those records are ours, the rest are tried again.
        const found = await findByRef(missing.map((item) => item.ref));
        for (const [ref, id] of found) results.set(ref, { id, created: true });
        missing = missing.filter((item) => !found.has(item.ref));
        if (missing.length === 0) return;
      }
    }
  };

  let pending = unique;
  if (!options.knownAbsent) {
    const existing = await findByRef(unique.map((item) => item.ref));
    for (const [ref, id] of existing) results.set(ref, { id, created: false });
    pending = unique.filter((item) => !existing.has(item.ref));
  }
  await inHalves(pending, createAll, (item, error) => results.set(item.ref, { error }));
  return results;
}

/** Calls `work` on all items at once; when Odoo refuses, on halves until each refused item stands alone. */
export async function inHalves<T>(items: T[], work: (part: T[]) => Promise<void>, refused: (item: T, error: unknown) => void): Promise<void> {
  if (items.length === 0) return;
  try {
    await work(items);
  } catch (error) {
    if (!refusalOf(error)) throw error;
    if (items.length === 1) return refused(items[0], error);
    const half = Math.ceil(items.length / 2);
    await inHalves(items.slice(0, half), work, refused);
    await inHalves(items.slice(half), work, refused);
  }
}

/**
 * Calls a state-changing method (`action_confirm`, `action_post`) on many records in one call. After an
 * unknown outcome the states are read again and only the records not yet in `doneStates` are tried
 * again. Returns the keys of the records this call moved.
 */
export async function bringToState<K>(
  odoo: OdooClient,
  model: string,
  method: string,
  records: Array<{ key: K; id: number }>,
  doneStates: string[],
  context: OdooContext,
): Promise<K[]> {
  const maxAttempts = odoo.options.retry.maxAttempts + 1;
  let pending = records;
  for (let attempt = 1; ; attempt++) {
    try {
      await odoo.callMethod(model, method, pending.map((record) => record.id), { context });
      return records.map((record) => record.key);
    } catch (error) {
      if (!(error instanceof OdooUnknownOutcomeError) || attempt >= maxAttempts) throw error;
      const states = await odoo.read<{ id: number; state: string }>(model, pending.map((record) => record.id), ['state'], { context });
      const done = new Set(states.filter((record) => doneStates.includes(record.state)).map((record) => record.id));
      pending = pending.filter((record) => !done.has(record.id));
      if (pending.length === 0) return records.map((record) => record.key);
    }
  }
}
