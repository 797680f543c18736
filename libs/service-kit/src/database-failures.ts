/**
 * What a database (or other TCP dependency) error says about retrying: one definition for the consumer
 * runtime (a partition waits while its database is down) and for HTTP (503 with Retry-After).
 */

// Network-level failures reaching PostgreSQL (or anything else): the database is not there right now.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNREACHABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i, // pg-pool: every pooled connection stayed busy
  /Client has encountered a connection error/i,
  /is not currently accepting connections/i, // SQLSTATE 55000 on connect: ALLOW_CONNECTIONS false
];

/** What a PostgreSQL SQLSTATE says about retrying (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export type SqlStateKind = 'transient' | 'permanent' | 'unavailable';

/**
 * A statement timeout (57014) is the query's own fault, not an outage: treating it as one would stall
 * a partition forever behind a poison query, so it is transient (retried, then dead-lettered).
 */
export function classifySqlState(code: string): SqlStateKind | undefined {
  if (code === '57014') return 'transient'; // query_canceled: statement_timeout, lock_timeout's cousin, pg_cancel_backend
  switch (code.slice(0, 2)) {
    case '08': // connection exception
    case '53': // insufficient resources (disk full, out of memory, too many connections)
    case '57': // operator intervention: admin/crash shutdown, cannot connect now
    case '58': // system error (I/O)
      return 'unavailable';
    case '40': // transaction rollback: serialization failure 40001, deadlock 40P01
    case '55': // object not in prerequisite state: lock_not_available 55P03
    case '25': // invalid transaction state: in_failed_sql_transaction 25P02 after a caught error
      return 'transient';
    case '22': // data exception: bad value, out of range, invalid text representation
    case '23': // integrity constraint violation: unique, foreign key, not null, check
      return 'permanent';
    default:
      // Syntax errors, missing tables or columns (42), …: a bug to fix and re-drive.
      return undefined;
  }
}

/** The SQLSTATE of a pg error, also when TypeORM wraps it (QueryFailedError.driverError) or it is a cause. */
export function sqlState(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  for (const candidate of [error, (error as { driverError?: unknown }).driverError, error.cause]) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The connection itself failed (refused, dropped, timed out, pool exhausted), whatever the query. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  for (const candidate of [error, (error as { driverError?: unknown }).driverError, error.cause]) {
    if (!(candidate instanceof Error)) continue;
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (UNREACHABLE_MESSAGES.some((pattern) => pattern.test(candidate.message))) return true;
  }
  return false;
}

/** The database (or another TCP dependency) is unreachable or saturated: come back later, nothing is wrong with the request. */
export function isDependencyDown(error: unknown): boolean {
  if (isConnectionFailure(error)) return true;
  const code = sqlState(error);
  return code !== undefined && classifySqlState(code) === 'unavailable';
}
