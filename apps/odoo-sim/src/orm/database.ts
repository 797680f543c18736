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

  rollback(): void {
    const txn = this.requireTxn();
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
    this.table(model).set(row.id, row);
    this.txn?.changes.push({ model, id: row.id, kind: 'create' });
  }

  update(model: string, id: number, patch: Record<string, unknown>): void {
    const current = this.table(model).get(id);
    if (!current) return;
    this.remember(model, id);
    this.table(model).set(id, { ...current, ...patch });
  }

  remove(model: string, id: number): void {
    if (!this.table(model).has(id)) return;
    this.remember(model, id);
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

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

export function cloneRow(row: Row): Row {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) copy[k] = Array.isArray(v) ? [...v] : v;
  return copy as Row;
}
