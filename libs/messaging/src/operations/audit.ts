import os from 'node:os';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { describeError } from '../consumer/failures';

/** Who is acting: OMNIBUS_OPERATOR when set (shared accounts, automation), else the OS user. */
export function currentOperator(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OMNIBUS_OPERATOR?.trim()) return env.OMNIBUS_OPERATOR.trim();
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'unknown';
  }
}

export type AuditOutcome = 'succeeded' | 'failed' | 'refused' | 'cancelled';

/** How an operator action ended, as the action itself reports it. */
export interface ActionReport<T = unknown> {
  outcome: Exclude<AuditOutcome, 'failed'>;
  /** One line for the audit list, e.g. "re-drove 3 dead letters to inventory.retry". */
  summary: string;
  /** What the action did, in detail (stored as JSON). */
  result?: unknown;
  value: T;
}

export interface AuditEntry {
  id: string;
  operator: string;
  host: string;
  action: string;
  parameters: Record<string, unknown>;
  outcome: AuditOutcome;
  summary: string;
  result: unknown;
  startedAt: Date;
  finishedAt: Date;
}

export interface AuditFilter {
  since?: Date;
  action?: string;
  operator?: string;
  limit?: number;
}

/**
 * The audit trail of operator actions: a row in `operator_audit` of the operations database and a
 * JSON line in the log, for every action whatever its outcome (a failed or refused action is
 * recorded as such, with the reason).
 */
export class AuditTrail {
  constructor(
    private readonly dataSource: DataSource,
    readonly operator: string,
    private readonly writeLogLine: (line: string) => void = () => undefined,
  ) {}

  async run<T>(action: string, parameters: Record<string, unknown>, work: () => Promise<ActionReport<T>>): Promise<ActionReport<T>> {
    const startedAt = new Date();
    let report: ActionReport<T> | undefined;
    try {
      report = await work();
      return report;
    } catch (error) {
      const { errorClass, message } = describeError(error);
      await this.write(action, parameters, 'failed', `${errorClass}: ${message}`, null, startedAt);
      throw error;
    } finally {
      if (report) await this.write(action, parameters, report.outcome, report.summary, report.result ?? null, startedAt);
    }
  }

  async list({ since, action, operator, limit = 50 }: AuditFilter = {}): Promise<AuditEntry[]> {
    const rows: Array<{
      id: string;
      operator: string;
      host: string;
      action: string;
      parameters: Record<string, unknown>;
      outcome: AuditOutcome;
      summary: string;
      result: unknown;
      started_at: Date;
      finished_at: Date;
    }> = await this.dataSource.query(
      `SELECT * FROM operator_audit
       WHERE ($1::timestamptz IS NULL OR started_at >= $1)
         AND ($2::text IS NULL OR action = $2)
         AND ($3::text IS NULL OR operator = $3)
       ORDER BY id DESC LIMIT $4`,
      [since ?? null, action ?? null, operator ?? null, limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      operator: row.operator,
      host: row.host,
      action: row.action,
      parameters: row.parameters,
      outcome: row.outcome,
      summary: row.summary,
      result: row.result,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    }));
  }

  private async write(
    action: string,
    parameters: Record<string, unknown>,
    outcome: AuditOutcome,
    summary: string,
    result: unknown,
    startedAt: Date,
  ): Promise<void> {
    const finishedAt = new Date();
    const host = os.hostname();
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO operator_audit (operator, host, action, parameters, outcome, summary, result, started_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [this.operator, host, action, JSON.stringify(parameters), outcome, summary, JSON.stringify(result), startedAt, finishedAt],
    );
    this.writeLogLine(
      JSON.stringify({
        time: finishedAt.toISOString(),
        audit: rows[0].id,
        operator: this.operator,
        host,
        action,
        parameters,
        outcome,
        summary,
        startedAt: startedAt.toISOString(),
      }),
    );
  }
}

/**
 * Creates `operator_audit`, for the operations database and for a service that audits the actions
 * taken through its own API in its own database (in the transaction of the action itself).
 */
export async function createOperatorAuditTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
      CREATE TABLE operator_audit (
        id          bigserial   PRIMARY KEY,
        operator    text        NOT NULL,
        host        text        NOT NULL,
        action      text        NOT NULL,
        parameters  jsonb       NOT NULL,
        outcome     text        NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'refused', 'cancelled')),
        summary     text        NOT NULL,
        result      jsonb,
        started_at  timestamptz NOT NULL,
        finished_at timestamptz NOT NULL
      )`);
  await queryRunner.query(`CREATE INDEX operator_audit_started_at ON operator_audit (started_at)`);
}

/** One operator action taken through a service's API, as AuditTrail writes and reads it. */
export interface OperatorActionRecord {
  operator: string;
  action: string;
  parameters: Record<string, unknown>;
  outcome: 'succeeded' | 'refused' | 'failed';
  summary: string;
  result?: unknown;
  startedAt: Date;
}

/** Writes one action to `operator_audit` in the caller's transaction, so the action and its record commit together. */
export async function recordOperatorAction(manager: EntityManager, record: OperatorActionRecord): Promise<void> {
  await manager.query(
    `INSERT INTO operator_audit (operator, host, action, parameters, outcome, summary, result, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [record.operator, os.hostname(), record.action, JSON.stringify(record.parameters), record.outcome, record.summary, JSON.stringify(record.result ?? null), record.startedAt, new Date()],
  );
}
