import type { Row } from './types';

/**
 * In-memory tables with an undo log. A call runs synchronously inside one transaction, so isolation is
 * free; atomicity comes from rolling the undo log back on error. Like PostgreSQL sequences, ids and
 * sequence numbers consumed by a rolled-back call are not given back.
 */
export class Database {
  private readonly tables = new Map<string, Map<number, Row>>();
  private readonly nextIds = new Map<string, number>();
  private readonly sequences = new Map<string, number>();
  private txn: Transaction | null = null;
  /**
   * Ids by the value of one field, per (model, field): built on first use, kept by every change. What
   * PostgreSQL's btree indexes are to Odoo's lookups by foreign key or reference; without them every
   * lookup scans the table, and a benchmark measures the simulator's table size instead of Odoo's workers.
   */
  private readonly indexes = new Map<string, Map<string, Map<unknown, Set<number>>>>();

  table(model: string): Map<number, Row> {
    let table = this.tables.get(model);
    if (!table) {
      table = new Map();
      this.tables.set(model, table);
    }
    return table;
  }

  get(model: string, id: number): Row | undefined {
    return this.tables.get(model)?.get(id);
  }

  allocateId(model: string): number {
    const next = this.nextIds.get(model) ?? 1;
    this.nextIds.set(model, next + 1);
    return next;
  }

  /** Makes the next allocated id at least `id` (seed data uses fixed ids like Odoo's base data). */
  reserveIdsUpTo(model: string, id: number): void {
    if ((this.nextIds.get(model) ?? 1) <= id) this.nextIds.set(model, id + 1);
  }

  nextSequence(code: string): number {
    const next = (this.sequences.get(code) ?? 0) + 1;
    this.sequences.set(code, next);
    return next;
  }

  get inTransaction(): Transaction | null {
    return this.txn;
  }

  begin(now: string): Transaction {
    if (this.txn) throw new Error('transaction already open');
    this.txn = new Transaction(now);
    return this.txn;
  }

  commit(): Transaction {
    const txn = this.requireTxn();
    this.txn = null;
    return txn;
  }

  /** The rows of `model` whose `field` holds `value`, in id order (index-backed). */
  rowsWhere(model: string, field: string, value: unknown): Row[] {
    const ids = this.indexOf(model, field).get(value);
    if (!ids || ids.size === 0) return [];
    const table = this.table(model);
    return [...ids].sort((a, b) => a - b).map((id) => table.get(id) as Row);
  }

  private indexOf(model: string, field: string): Map<unknown, Set<number>> {
    let byField = this.indexes.get(model);
    if (!byField) this.indexes.set(model, (byField = new Map()));
    let index = byField.get(field);
    if (!index) {
      index = new Map();
      for (const row of this.table(model).values()) addTo(index, (row as Record<string, unknown>)[field], row.id);
      byField.set(field, index);
    }
    return index;
  }

  private reindex(model: string, before: Row | undefined, after: Row | undefined): void {
    const byField = this.indexes.get(model);
    if (!byField) return;
    for (const [field, index] of byField) {
      const old = before ? (before as Record<string, unknown>)[field] : undefined;
      const now = after ? (after as Record<string, unknown>)[field] : undefined;
      if (before && after && old === now) continue;
      if (before) index.get(old)?.delete(before.id);
      if (after) addTo(index, now, after.id);
    }
  }

  rollback(): void {
    const txn = this.requireTxn();
    // Indexes of the models the call touched are rebuilt on next use (a rollback is rare).
    for (const key of txn.undo.keys()) this.indexes.delete(splitKey(key)[0]);
    for (const undo of [...txn.onRollback].reverse()) undo();
    for (const [key, before] of [...txn.undo.entries()].reverse()) {
      const [model, id] = splitKey(key);
      const table = this.table(model);
      if (before === null) table.delete(id);
      else table.set(id, before);
    }
    this.txn = null;
  }

  insert(model: string, row: Row): void {
    this.remember(model, row.id);
    this.reindex(model, this.table(model).get(row.id), row);
    this.table(model).set(row.id, row);
    this.txn?.changes.push({ model, id: row.id, kind: 'create' });
  }

  update(model: string, id: number, patch: Record<string, unknown>): void {
    const current = this.table(model).get(id);
    if (!current) return;
    this.remember(model, id);
    const next = { ...current, ...patch };
    this.reindex(model, current, next);
    this.table(model).set(id, next);
  }

  remove(model: string, id: number): void {
    const current = this.table(model).get(id);
    if (!current) return;
    this.remember(model, id);
    this.reindex(model, current, undefined);
    this.table(model).delete(id);
    this.txn?.changes.push({ model, id, kind: 'unlink' });
  }

  private remember(model: string, id: number): void {
    const txn = this.txn;
    if (!txn) return;
    const key = `${model}:${id}`;
    if (txn.undo.has(key)) return;
    const current = this.table(model).get(id);
    txn.undo.set(key, current ? cloneRow(current) : null);
  }

  private requireTxn(): Transaction {
    if (!this.txn) throw new Error('no open transaction');
    return this.txn;
  }
}

export interface ChangeRecord {
  model: string;
  id: number;
  kind: 'create' | 'write' | 'unlink';
}

export class Transaction {
  readonly undo = new Map<string, Row | null>();
  readonly changes: ChangeRecord[] = [];
  /** Work that only happens if the transaction commits (webhook POSTs). */
  readonly postCommit: Array<() => void> = [];
  /** Undoes what lives outside the tables (custom models and fields in the registry). */
  readonly onRollback: Array<() => void> = [];
  constructor(readonly now: string) {}
}

function addTo(index: Map<unknown, Set<number>>, value: unknown, id: number): void {
  let ids = index.get(value);
  if (!ids) index.set(value, (ids = new Set()));
  ids.add(id);
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

export function cloneRow(row: Row): Row {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) copy[k] = Array.isArray(v) ? [...v] : v;
  return copy as Row;
}
