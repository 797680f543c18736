import type { EntityManager } from 'typeorm';

/**
 * The rows an UPDATE … RETURNING gave back. TypeORM's postgres driver answers UPDATE and DELETE with
 * `[rows, affectedCount]` but INSERT and SELECT with the rows alone.
 */
export async function changedRows(manager: EntityManager, sql: string, parameters: unknown[]): Promise<any[]> {
  const result = await manager.query(sql, parameters);
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}
