/**
 * Reconciliation of a period: what our ledger says should be in Odoo against what Odoo holds, by
 * posting id (Odoo's `ref`) and by daily checksums per journal and account. Pure: the caller reads
 * both sides.
 */

export interface BookedLine {
  accountCode: string;
  debitMinor: number;
  creditMinor: number;
}

/** An entry of our ledger in the period. */
export interface LedgerEntry {
  id: string;
  companyId: string;
  journal: string;
  accountingDate: string;
  currency: string;
  status: string;
  source: { kind: string; id: string; orderId: string | null };
  lines: BookedLine[];
  /** Booked by this Odoo document (invoice, credit note, payment), not by a move of ours. */
  odooDocument?: string | null;
}

/** An account.move as read from Odoo, its amounts already in minor units. */
export interface OdooMove {
  id: number;
  ref: string | null;
  name: string;
  journal: string;
  date: string;
  state: string;
  lines: BookedLine[];
}

export type DifferenceKind = 'MISSING_IN_ODOO' | 'DUPLICATE_IN_ODOO' | 'UNEXPECTED_IN_ODOO' | 'AMOUNT_MISMATCH' | 'ACCOUNT_MISMATCH' | 'STATE_MISMATCH';

export interface Difference {
  kind: DifferenceKind;
  journalEntryId: string | null;
  odooMoveId: number | null;
  expectedMinor: number | null;
  actualMinor: number | null;
  currency: string | null;
  detail: string;
}

export interface ChecksumRow {
  date: string;
  journal: string;
  accountCode: string;
  /** Σ debit − credit of our entries. */
  expectedMinor: number;
  /** Σ debit − credit of Odoo's moves with our posting ids. */
  actualMinor: number;
}

export interface Reconciliation {
  from: string;
  to: string;
  entries: number;
  /**
   * Entries booked by Odoo's own invoices, credit notes and payments (not by a move with our posting
   * id): not compared yet, only counted per document, so the report says what it did not check.
   */
  inOdooDocuments: Record<string, number>;
  odooMoves: number;
  differences: Difference[];
  /** Day, journal and account totals that differ (all of them agree when this is empty). */
  checksumDifferences: ChecksumRow[];
  clean: boolean;
}

/** A posting id of ours: a version-8 UUID (see posting-id.ts); other refs belong to Odoo or people. */
export const isPostingId = (ref: string | null): ref is string => ref !== null && /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(ref);

const totalDebit = (lines: BookedLine[]) => lines.reduce((sum, line) => sum + line.debitMinor, 0);

/** Σ debit − credit per account. */
function byAccount(lines: BookedLine[]): Map<string, number> {
  const balances = new Map<string, number>();
  for (const line of lines) balances.set(line.accountCode, (balances.get(line.accountCode) ?? 0) + line.debitMinor - line.creditMinor);
  return balances;
}

/** What differs between one entry and its one move: accounts, then amounts, then journal, date and state. */
export function compareEntry(entry: LedgerEntry, move: OdooMove): Difference | undefined {
  const base = { journalEntryId: entry.id, odooMoveId: move.id, currency: entry.currency };
  const ours = byAccount(entry.lines);
  const theirs = byAccount(move.lines);
  const accounts = (balances: Map<string, number>) => [...balances.keys()].filter((code) => balances.get(code) !== 0).sort().join(',');
  if (accounts(ours) !== accounts(theirs) || entry.journal !== move.journal) {
    return { ...base, kind: 'ACCOUNT_MISMATCH', expectedMinor: null, actualMinor: null, detail: `entry ${entry.id} (${move.name}): ours ${entry.journal} [${accounts(ours)}], Odoo ${move.journal} [${accounts(theirs)}]` };
  }
  const changed = [...ours].filter(([code, balance]) => theirs.get(code) !== balance);
  if (changed.length > 0 || totalDebit(entry.lines) !== totalDebit(move.lines)) {
    return {
      ...base,
      kind: 'AMOUNT_MISMATCH',
      expectedMinor: totalDebit(entry.lines),
      actualMinor: totalDebit(move.lines),
      detail: `entry ${entry.id} (${move.name}): ${changed.map(([code, balance]) => `account ${code} ours ${balance}, Odoo ${theirs.get(code)}`).join('; ') || 'totals differ'}`,
    };
  }
  if (move.state !== 'posted' || move.date !== entry.accountingDate) {
    return { ...base, kind: 'STATE_MISMATCH', expectedMinor: null, actualMinor: null, detail: `entry ${entry.id} (${move.name}): ours posted on ${entry.accountingDate}, Odoo ${move.state} on ${move.date}` };
  }
  return undefined;
}

/** Compares the period's ledger with the period's moves of Odoo. */
export function reconcile(period: { from: string; to: string }, ledger: LedgerEntry[], moves: OdooMove[]): Reconciliation {
  const entries = ledger.filter((entry) => !entry.odooDocument);
  const inOdooDocuments: Record<string, number> = {};
  for (const entry of ledger) if (entry.odooDocument) inOdooDocuments[entry.odooDocument] = (inOdooDocuments[entry.odooDocument] ?? 0) + 1;
  const differences: Difference[] = [];
  const movesByRef = new Map<string, OdooMove[]>();
  for (const move of moves) if (isPostingId(move.ref)) movesByRef.set(move.ref, [...(movesByRef.get(move.ref) ?? []), move]);
  const expected = new Set<string>();
  for (const entry of entries) {
    expected.add(entry.id);
    const found = movesByRef.get(entry.id) ?? [];
    const amount = { expectedMinor: totalDebit(entry.lines), currency: entry.currency };
    if (found.length === 0) {
      differences.push({ kind: 'MISSING_IN_ODOO', journalEntryId: entry.id, odooMoveId: null, actualMinor: null, ...amount, detail: `entry ${entry.id} (${entry.source.kind} ${entry.source.id}, ${entry.status}) has no move in Odoo` });
    } else if (found.length > 1) {
      differences.push({ kind: 'DUPLICATE_IN_ODOO', journalEntryId: entry.id, odooMoveId: found[1].id, actualMinor: found.reduce((sum, move) => sum + totalDebit(move.lines), 0), ...amount, detail: `entry ${entry.id} is in Odoo ${found.length} times: ${found.map((move) => move.name).join(', ')}` });
    } else {
      const difference = compareEntry(entry, found[0]);
      if (difference) differences.push(difference);
    }
  }
  for (const [ref, found] of movesByRef) {
    if (expected.has(ref)) continue;
    for (const move of found) differences.push({ kind: 'UNEXPECTED_IN_ODOO', journalEntryId: null, odooMoveId: move.id, expectedMinor: null, actualMinor: totalDebit(move.lines), currency: null, detail: `Odoo move ${move.name} (ref ${ref}) is in no entry of ours for ${move.date}` });
  }
  const checksumDifferences = dailyChecksums(entries, [...movesByRef.values()].flat()).filter((row) => row.expectedMinor !== row.actualMinor);
  return { ...period, entries: entries.length, inOdooDocuments, odooMoves: moves.length, differences, checksumDifferences, clean: differences.length === 0 && checksumDifferences.length === 0 };
}

/** Σ debit − credit per day, journal and account on both sides. */
export function dailyChecksums(entries: LedgerEntry[], moves: OdooMove[]): ChecksumRow[] {
  const rows = new Map<string, ChecksumRow>();
  const add = (date: string, journal: string, lines: BookedLine[], side: 'expectedMinor' | 'actualMinor') => {
    for (const [accountCode, balance] of byAccount(lines)) {
      const key = `${date}|${journal}|${accountCode}`;
      const row = rows.get(key) ?? { date, journal, accountCode, expectedMinor: 0, actualMinor: 0 };
      row[side] += balance;
      rows.set(key, row);
    }
  };
  for (const entry of entries) add(entry.accountingDate, entry.journal, entry.lines, 'expectedMinor');
  for (const move of moves) add(move.date, move.journal, move.lines, 'actualMinor');
  return [...rows.values()].sort((a, b) => a.date.localeCompare(b.date) || a.journal.localeCompare(b.journal) || a.accountCode.localeCompare(b.accountCode));
}

/** What the run did not compare: entries Odoo's own documents book. */
function skippedLine(result: Reconciliation): string[] {
  const counts = Object.entries(result.inOdooDocuments ?? {});
  if (counts.length === 0) return [];
  return [`not compared: ${counts.map(([document, count]) => `${count} booked by Odoo's ${document}s`).join(', ')} (Odoo's own documents, not moves of ours; not checked by this run)`];
}

/** The report an accountant reads. */
export function reportText(result: Reconciliation): string {
  const lines = [
    `Reconciliation ${result.from} .. ${result.to}: ${result.clean ? 'CLEAN' : `${result.differences.length} difference(s)`}`,
    `${result.entries} entries of ours, ${result.odooMoves} moves in Odoo`,
    ...skippedLine(result),
    ...result.differences.map((difference) => `${difference.kind.padEnd(18)} ${difference.detail}`),
  ];
  if (result.checksumDifferences.length > 0) {
    lines.push('Daily checksums that differ (date journal account: ours / Odoo):');
    for (const row of result.checksumDifferences) lines.push(`  ${row.date} ${row.journal} ${row.accountCode}: ${row.expectedMinor} / ${row.actualMinor}`);
  }
  return `${lines.join('\n')}\n`;
}

const csvCell = (value: string | number | null) => (value === null ? '' : /[",\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));

/** One row per difference, for a spreadsheet. */
export function reportCsv(result: Reconciliation): string {
  const header = 'kind,journal_entry_id,odoo_move_id,expected_minor,actual_minor,currency,detail';
  const rows = result.differences.map((d) => [d.kind, d.journalEntryId, d.odooMoveId, d.expectedMinor, d.actualMinor, d.currency, d.detail].map(csvCell).join(','));
  return `${[header, ...rows].join('\n')}\n`;
}
