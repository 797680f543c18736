import { createHash } from 'node:crypto';

/**
 * The posting id of an entry: a UUID (version 8, RFC 9562 custom) from a SHA-256 of the company, the
 * posting and the source document the operational events name. The same facts replayed (whatever
 * their envelope ids) give the same id, which is also Odoo's `ref` of the move: nothing posts twice.
 */
export function postingId(companyId: string, posting: string, source: { kind: string; id: string }): string {
  const hash = createHash('sha256').update(`omnibus-finance|${companyId}|${posting}|${source.kind}|${source.id}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x80;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
