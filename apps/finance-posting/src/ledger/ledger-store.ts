import type { EntityManager } from 'typeorm';
import { isUuid, uuidFromText } from '../domain/posting-id';
import type { DraftEntry, OrderFacts, StandardCosts } from '../domain/postings';
import type { LedgerEntry } from '../domain/reconciliation';

/** The SQL of the ledger and of the facts postings need; every function takes the caller's transaction. */

/** 'in_odoo_document': booked by Odoo's own invoice, credit note or payment; recorded, never sent. */
export type EntryStatus = 'draft' | 'posted' | 'failed' | 'held' | 'in_odoo_document';

/** An entry as the API shows it. */
export interface EntryView {
  id: string;
  companyId: string;
  posting: string;
  ruleVersion: string;
  journal: string;
  accountingDate: string;
  currency: string;
  reference: string;
  status: EntryStatus;
  source: { kind: string; id: string; orderId: string | null };
  sourceEvents: Array<{ eventId: string; type: string }>;
  commandId: string | null;
  odooMoveId: number | null;
  odooMoveName: string | null;
  failure: string | null;
  /** Why the entry was moved to another period or is held. */
  periodNote: string | null;
  /** The Odoo document that books this entry (status in_odoo_document). */
  odooDocument: string | null;
  lines: Array<{ lineNumber: number; accountCode: string; label: string; debitMinor: number; creditMinor: number }>;
}

/** The rows of a statement with RETURNING: TypeORM gives `[rows, affected]` for UPDATE and DELETE, the rows for INSERT. */
async function returning<T>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const result = await manager.query(sql, parameters);
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}

/** Stores a new entry and its lines; false when the entry exists already (a replay), whose events then name this one too. */
export async function insertEntry(
  manager: EntityManager,
  entry: DraftEntry,
  event: { id: string; type: string; occurredAt: Date },
  commandId: string,
  period: { status: 'draft' | 'held' | 'in_odoo_document'; note: string | null },
): Promise<boolean> {
  const sourceEvents = JSON.stringify([{ eventId: event.id, type: event.type }]);
  const inserted = await returning(manager,
    `INSERT INTO journal_entries (id, source_event_id, posting_rule, journal, entry_date, currency, company_id, rule_version, reference, source, source_events, occurred_at, command_id, status, period_note, odoo_document)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT DO NOTHING RETURNING id`,
    [entry.id, asUuid(event.id), entry.posting, entry.journal, entry.accountingDate, entry.currency, entry.companyId, entry.ruleVersion, entry.reference, JSON.stringify(entry.source), sourceEvents, event.occurredAt, commandId, period.status, period.note, entry.odooDocument ?? null],
  );
  if (inserted.length === 0) {
    await manager.query(`UPDATE journal_entries SET source_events = source_events || $2::jsonb WHERE id = $1 AND NOT source_events @> $2::jsonb`, [entry.id, sourceEvents]);
    return false;
  }
  const values = entry.lines.map((_, index) => `($1, $${index * 5 + 2}, $${index * 5 + 3}, $${index * 5 + 4}, $${index * 5 + 5}, $${index * 5 + 6})`);
  await manager.query(
    `INSERT INTO journal_entry_lines (entry_id, line_no, account_code, label, debit_minor, credit_minor) VALUES ${values.join(', ')}`,
    [entry.id, ...entry.lines.flatMap((line) => [line.lineNumber, line.accountCode, line.label, line.debitMinor, line.creditMinor])],
  );
  return true;
}

/** The inbox keys are UUIDv7; anything else (a hand-made test event) is turned into a stable UUID. */
const asUuid = (id: string): string => (isUuid(id) ? id : uuidFromText(`omnibus-finance-event|${id}`));

const ENTRY_COLUMNS = `e.id, e.company_id, e.posting_rule, e.rule_version, e.journal, to_char(e.entry_date, 'YYYY-MM-DD') AS entry_date, e.currency, e.reference, e.status, e.source,
  e.source_events, e.command_id, e.odoo_move_id, e.odoo_move_name, e.failure, e.period_note, e.odoo_document,
  (SELECT coalesce(json_agg(json_build_object('lineNumber', l.line_no, 'accountCode', l.account_code, 'label', l.label, 'debitMinor', l.debit_minor, 'creditMinor', l.credit_minor) ORDER BY l.line_no), '[]')
     FROM journal_entry_lines l WHERE l.entry_id = e.id) AS lines`;

type EntryRow = Record<string, any>;
const toView = (row: EntryRow): EntryView => ({
  id: row.id,
  companyId: row.company_id,
  posting: row.posting_rule,
  ruleVersion: row.rule_version,
  journal: row.journal,
  accountingDate: row.entry_date,
  currency: row.currency,
  reference: row.reference,
  status: row.status,
  source: row.source,
  sourceEvents: row.source_events,
  commandId: row.command_id,
  odooMoveId: row.odoo_move_id,
  odooMoveName: row.odoo_move_name,
  failure: row.failure,
  periodNote: row.period_note,
  odooDocument: row.odoo_document,
  lines: (row.lines as EntryView['lines']).map((line) => ({ ...line, debitMinor: Number(line.debitMinor), creditMinor: Number(line.creditMinor) })),
});

export async function findEntry(manager: EntityManager, id: string, lock = false): Promise<EntryView | undefined> {
  const [row] = await manager.query(`SELECT ${ENTRY_COLUMNS} FROM journal_entries e WHERE e.id = $1${lock ? ' FOR UPDATE OF e' : ''}`, [id]);
  return row ? toView(row) : undefined;
}

export async function listEntries(manager: EntityManager, filter: { orderId?: string; status?: EntryStatus; limit: number }): Promise<EntryView[]> {
  const rows = await manager.query(
    `SELECT ${ENTRY_COLUMNS} FROM journal_entries e
      WHERE ($1::text IS NULL OR e.source->>'orderId' = $1) AND ($2::text IS NULL OR e.status = $2)
      ORDER BY e.created_at, e.id LIMIT $3`,
    [filter.orderId ?? null, filter.status ?? null, filter.limit],
  );
  return rows.map(toView);
}

/** The period's entries as reconciliation compares them. */
export async function entriesInPeriod(manager: EntityManager, from: string, to: string): Promise<LedgerEntry[]> {
  const rows = await manager.query(`SELECT ${ENTRY_COLUMNS} FROM journal_entries e WHERE e.entry_date BETWEEN $1 AND $2 AND e.status <> 'held' ORDER BY e.entry_date, e.id`, [from, to]);
  return rows.map(toView).map((view: EntryView) => ({ id: view.id, companyId: view.companyId, journal: view.journal, accountingDate: view.accountingDate, currency: view.currency, status: view.status, source: view.source, lines: view.lines, odooDocument: view.odooDocument }));
}

/** Odoo confirmed the entry; undefined when it was posted already (a repeated answer). */
export async function markPosted(manager: EntityManager, id: string, move: { id: number; name: string | null }): Promise<EntryView | undefined> {
  const updated = await returning(manager,
    `UPDATE journal_entries SET status = 'posted', odoo_move_id = $2, odoo_move_name = $3, posted_at = now(), failure = NULL, failure_kind = NULL
      WHERE id = $1 AND status <> 'posted' RETURNING id`,
    [id, move.id, move.name],
  );
  return updated.length > 0 ? findEntry(manager, id) : undefined;
}

/** Odoo refused the entry's current command; undefined for an older command's answer or an entry posted meanwhile. */
export async function markRefused(manager: EntityManager, id: string, commandId: string, failure: { kind: string; message: string }): Promise<EntryView | undefined> {
  const updated = await returning(manager,
    `UPDATE journal_entries SET status = 'failed', failure = $3, failure_kind = $4 WHERE id = $1 AND status = 'draft' AND command_id = $2 RETURNING id`,
    [id, commandId, failure.message, failure.kind],
  );
  return updated.length > 0 ? findEntry(manager, id) : undefined;
}

/** A refused or held entry goes (again) under a new command id, on the accounting date it now gets. */
export async function markReposted(manager: EntityManager, id: string, commandId: string, period: { accountingDate: string; note: string | null }): Promise<void> {
  await manager.query(`UPDATE journal_entries SET status = 'draft', command_id = $2, version = version + 1, entry_date = $3, period_note = coalesce($4, period_note) WHERE id = $1`, [
    id,
    commandId,
    period.accountingDate,
    period.note,
  ]);
}

export async function heldEntryIds(manager: EntityManager): Promise<string[]> {
  return (await manager.query(`SELECT id FROM journal_entries WHERE status = 'held' ORDER BY created_at, id`)).map((row: { id: string }) => row.id);
}

export async function occurredAt(manager: EntityManager, id: string): Promise<Date | null> {
  const [row] = await manager.query(`SELECT occurred_at FROM journal_entries WHERE id = $1`, [id]);
  return row?.occurred_at ?? null;
}

// ------------------------------------------------------------------------------------------- facts

/** Key space of finance's advisory locks (two-key form: this, hashtext(order id)). */
const ORDER_LOCK_SPACE = 7301;

/**
 * One order's facts one at a time, until this transaction ends: OrderPlaced and a fact parked for it
 * may be handled at once (other topics, other partitions); without the lock the fact could be parked
 * just after the order looked for what was parked, and wait forever.
 */
export async function lockOrder(manager: EntityManager, orderId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ORDER_LOCK_SPACE, orderId]);
}

export async function saveOrderFacts(manager: EntityManager, facts: OrderFacts): Promise<void> {
  await manager.query(`INSERT INTO order_facts (order_id, facts) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING`, [facts.orderId, JSON.stringify(facts)]);
}

export async function replaceOrderFacts(manager: EntityManager, facts: OrderFacts): Promise<void> {
  await manager.query(`UPDATE order_facts SET facts = $2 WHERE order_id = $1`, [facts.orderId, JSON.stringify(facts)]);
}

export async function orderFacts(manager: EntityManager, orderId: string): Promise<OrderFacts | undefined> {
  const [row] = await manager.query(`SELECT facts FROM order_facts WHERE order_id = $1`, [orderId]);
  return row?.facts;
}

/** Quantity (milli) per order line shipped by the order's other shipments. */
export async function shippedBefore(manager: EntityManager, orderId: string, shipmentId: string): Promise<Map<string, number>> {
  const rows: Array<{ line_id: string; milli: string }> = await manager.query(
    `SELECT line->>'lineId' AS line_id, sum((line->>'milli')::bigint) AS milli
       FROM order_shipments, jsonb_array_elements(lines) AS line
      WHERE order_id = $1 AND shipment_id <> $2 GROUP BY 1`,
    [orderId, shipmentId],
  );
  return new Map(rows.map((row) => [row.line_id, Number(row.milli)]));
}

export async function recordShipment(manager: EntityManager, shipment: { shipmentId: string; orderId: string; lines: Array<{ lineId: string; quantity: { milli: number } }> }): Promise<void> {
  const lines = shipment.lines.map((line) => ({ lineId: line.lineId, milli: line.quantity.milli }));
  await manager.query(`INSERT INTO order_shipments (shipment_id, order_id, lines) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [shipment.shipmentId, shipment.orderId, JSON.stringify(lines)]);
}

export async function standardCosts(manager: EntityManager, skus: string[]): Promise<StandardCosts> {
  const rows: Array<{ sku: string; amount_minor: string; currency: string }> = await manager.query(`SELECT sku, amount_minor, currency FROM standard_costs WHERE sku = ANY($1)`, [skus]);
  return new Map(rows.map((row) => [row.sku, { amountMinor: Number(row.amount_minor), currency: row.currency }]));
}

/** Keeps a product's standard cost; an older update than the one kept is ignored. */
export async function saveStandardCost(manager: EntityManager, sku: string, cost: { amountMinor: number; currency: string }, sourceUpdatedAt: Date): Promise<void> {
  await manager.query(
    `INSERT INTO standard_costs (sku, amount_minor, currency, source_updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (sku) DO UPDATE SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, source_updated_at = EXCLUDED.source_updated_at
     WHERE standard_costs.source_updated_at <= EXCLUDED.source_updated_at`,
    [sku, cost.amountMinor, cost.currency, sourceUpdatedAt],
  );
}

export async function park(manager: EntityManager, event: { id: string; orderId: string; type: string; payload: unknown }): Promise<void> {
  await manager.query(`INSERT INTO parked_facts (event_id, order_id, event_type, payload) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [event.id, event.orderId, event.type, JSON.stringify(event.payload)]);
}

/** The facts parked for an order, taken out (oldest first). */
export async function unpark(manager: EntityManager, orderId: string): Promise<Array<{ id: string; type: string; payload: any }>> {
  const rows: Array<{ event_id: string; event_type: string; payload: any }> = await manager.query(
    `WITH taken AS (DELETE FROM parked_facts WHERE order_id = $1 RETURNING event_id, event_type, payload, parked_at)
     SELECT event_id, event_type, payload FROM taken ORDER BY parked_at, event_id`,
    [orderId],
  );
  return rows.map((row) => ({ id: row.event_id, type: row.event_type, payload: row.payload }));
}

// --------------------------------------------------------------------------------------- exceptions

export interface ExceptionView {
  id: string;
  kind: string;
  companyId: string;
  journalEntryId: string | null;
  detail: string;
  status: 'open' | 'resolved';
  raisedAt: string;
  resolvedBy: string | null;
}

/** Raises an exception once per id; true when it is new. */
export async function raiseException(manager: EntityManager, exception: { id: string; kind: string; companyId: string; journalEntryId: string | null; detail: string }): Promise<boolean> {
  const inserted = await returning(manager,
    `INSERT INTO finance_exceptions (id, kind, company_id, journal_entry_id, detail) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
    [exception.id, exception.kind, exception.companyId, exception.journalEntryId, exception.detail],
  );
  return inserted.length > 0;
}

export async function resolveExceptions(manager: EntityManager, journalEntryId: string, kind: string, by: string): Promise<void> {
  await manager.query(`UPDATE finance_exceptions SET status = 'resolved', resolved_at = now(), resolved_by = $3 WHERE journal_entry_id = $1 AND kind = $2 AND status = 'open'`, [journalEntryId, kind, by]);
}

/** An accountant closes an exception (fixed in Odoo, or accepted); undefined when it is not open. */
export async function resolveException(manager: EntityManager, id: string, by: string): Promise<ExceptionView | undefined> {
  const [row] = await returning<Record<string, any>>(
    manager,
    `UPDATE finance_exceptions SET status = 'resolved', resolved_at = now(), resolved_by = $2 WHERE id = $1 AND status = 'open'
     RETURNING id, kind, company_id, journal_entry_id, detail, status, raised_at, resolved_by`,
    [id, by],
  );
  return row ? exceptionView(row) : undefined;
}

const exceptionView = (row: Record<string, any>): ExceptionView => ({
  id: row.id,
  kind: row.kind,
  companyId: row.company_id,
  journalEntryId: row.journal_entry_id,
  detail: row.detail,
  status: row.status,
  raisedAt: row.raised_at.toISOString(),
  resolvedBy: row.resolved_by,
});

export async function listExceptions(manager: EntityManager, filter: { status?: 'open' | 'resolved'; kind?: string; limit: number }): Promise<ExceptionView[]> {
  const rows = await manager.query(
    `SELECT id, kind, company_id, journal_entry_id, detail, status, raised_at, resolved_by FROM finance_exceptions
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY raised_at, id LIMIT $3`,
    [filter.status ?? null, filter.kind ?? null, filter.limit],
  );
  return rows.map(exceptionView);
}

/** Open exceptions per kind with the age of the oldest, for the gauges. */
export async function openExceptionsByKind(manager: EntityManager): Promise<Array<{ kind: string; count: number; oldestSeconds: number }>> {
  const rows: Array<{ kind: string; count: string; oldest: number }> = await manager.query(
    `SELECT kind, count(*) AS count, extract(epoch FROM now() - min(raised_at))::float8 AS oldest FROM finance_exceptions WHERE status = 'open' GROUP BY kind`,
  );
  return rows.map((row) => ({ kind: row.kind, count: Number(row.count), oldestSeconds: row.oldest }));
}

export async function parkedFacts(manager: EntityManager): Promise<{ count: number; oldestSeconds: number }> {
  const [row] = await manager.query(`SELECT count(*) AS count, coalesce(extract(epoch FROM now() - min(parked_at)), 0)::float8 AS oldest FROM parked_facts`);
  return { count: Number(row.count), oldestSeconds: row.oldest };
}

export async function audit(manager: EntityManager, entry: { principal: string; action: string; journalEntryId: string | null; detail: Record<string, unknown> }): Promise<void> {
  await manager.query(`INSERT INTO finance_audit (principal, action, journal_entry_id, detail) VALUES ($1, $2, $3, $4)`, [entry.principal, entry.action, entry.journalEntryId, JSON.stringify(entry.detail)]);
}
