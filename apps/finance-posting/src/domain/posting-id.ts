import { createHash } from 'node:crypto';

/** A UUID (version 8, RFC 9562 custom) from a SHA-256 of `text`: the same text, the same id. */
export function uuidFromText(text: string): string {
  const hash = createHash('sha256').update(text).digest();
  hash[6] = (hash[6] & 0x0f) | 0x80;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const isUuid = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/**
 * The posting id of an entry, from the company, the posting and the source document the operational
 * events name. The same facts replayed (whatever their envelope ids) give the same id, which is also
 * Odoo's `ref` of the move: nothing posts twice.
 */
export function postingId(companyId: string, posting: string, source: { kind: string; id: string }): string {
  return uuidFromText(`omnibus-finance|${companyId}|${posting}|${source.kind}|${source.id}`);
}
