/**
 * One ORM call, described once and laid out per transport: XML-RPC/JSON-RPC take positional `args`
 * (ids first for record methods) plus `kwargs`; JSON-2 takes only named parameters (reference §1.3, §1.7).
 */
export interface OdooCall {
  model: string;
  method: string;
  /** Record ids for record methods (read, write, action_confirm…); absent for model methods (search, create). */
  ids?: number[];
  /** Named parameters, as in the Python signature (JSON-2 binds by these names). */
  params?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/**
 * Leading parameters sent positionally over XML-RPC/JSON-RPC. `create` must be: Odoo reads `args[0]`
 * to decide between int and list results and crashes when the values come as kwargs (§1.3 gotcha).
 */
const POSITIONAL: Record<string, string[]> = {
  create: ['vals_list'],
  search: ['domain'],
  search_read: ['domain'],
  search_count: ['domain'],
  name_search: ['name'],
  read: ['fields'],
  write: ['vals'],
};

/** Methods that change nothing: repeating them after an unknown outcome is harmless. */
export const READ_ONLY_METHODS = new Set([
  'search',
  'search_read',
  'search_count',
  'read',
  'fields_get',
  'name_search',
  'default_get',
  'read_group',
  'formatted_read_group',
  'context_get',
  'check_access_rights',
  'has_group',
  'web_search_read',
]);

export function isReadOnly(call: Pick<OdooCall, 'method'>): boolean {
  return READ_ONLY_METHODS.has(call.method);
}

/** `name_search`'s domain parameter is `args` up to 18 and `domain` from 19 on (§3.1). */
function renameForVersion(method: string, params: Record<string, unknown>, major: number): Record<string, unknown> {
  if (method !== 'name_search' || !('domain' in params) || major >= 19) return params;
  const { domain, ...rest } = params;
  return { ...rest, args: domain };
}

export function rpcArguments(call: OdooCall, major: number): { args: unknown[]; kwargs: Record<string, unknown> } {
  const params = renameForVersion(call.method, { ...(call.params ?? {}) }, major);
  const args: unknown[] = call.ids ? [call.ids] : [];
  for (const name of POSITIONAL[call.method] ?? []) {
    if (!(name in params)) break;
    args.push(params[name]);
    delete params[name];
  }
  const kwargs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined) kwargs[key] = value;
  if (call.context) kwargs.context = call.context;
  return { args, kwargs };
}

export function json2Body(call: OdooCall, major: number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (call.ids) body.ids = call.ids;
  for (const [key, value] of Object.entries(renameForVersion(call.method, call.params ?? {}, major))) {
    if (value !== undefined) body[key] = value;
  }
  if (call.context) body.context = call.context;
  return body;
}
