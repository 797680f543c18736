import { createHash } from 'node:crypto';

/**
 * A stable hash of an event's content (keys sorted, volatile fields left out by the caller), so that a
 * record read again — by the overlap window, a webhook and a poll, or a full re-sync — yields no new event
 * unless something a consumer sees has changed.
 */
export function contentHash(content: unknown): string {
  return createHash('sha256').update(stableJson(content)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${stableJson(member)}`).join(',')}}`;
}
