/** The Odoo server version, as `common.version()` or `GET /web/version` report it. */
export interface OdooServerVersion {
  /** 16, 17, 18, 19… (SaaS `saas~17.4` counts as 17; the dialect follows the major). */
  major: number;
  minor: number;
  /** The text Odoo sent, e.g. "17.0", "17.0+e", "saas~18.3". */
  label: string;
}

export const SUPPORTED_MAJOR_VERSIONS = [16, 17, 18, 19] as const;

/**
 * Accepts either `common.version()`'s struct (`server_version_info`, `server_version`) or
 * `/web/version`'s (`version_info`, `version`). Parses defensively: SaaS builds, enterprise suffixes.
 */
export function parseServerVersion(reply: unknown): OdooServerVersion {
  const body = (reply ?? {}) as Record<string, unknown>;
  const info = (body.server_version_info ?? body.version_info) as unknown;
  const label = String(body.server_version ?? body.version ?? body.server_serie ?? '');
  if (Array.isArray(info) && typeof info[0] === 'number') {
    return { major: info[0], minor: typeof info[1] === 'number' ? info[1] : 0, label: label || `${info[0]}.${info[1] ?? 0}` };
  }
  if (Array.isArray(info) && typeof info[0] === 'string') {
    const parsed = parseLabel(info[0]);
    if (parsed) return { ...parsed, label: label || info[0] };
  }
  const parsed = parseLabel(label);
  if (parsed) return { ...parsed, label };
  throw new Error(`cannot read the Odoo version from ${JSON.stringify(reply)}`);
}

function parseLabel(label: string): { major: number; minor: number } | undefined {
  const match = /(\d+)\.(\d+)/.exec(label);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}
