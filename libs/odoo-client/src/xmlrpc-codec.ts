/**
 * XML-RPC encoding for Odoo's `/xmlrpc/2/*` endpoints.
 *
 * We use @foxglove/xmlrpc (maintained, TypeScript, runs on Node 20) for the XML itself and only add
 * what Odoo needs on top:
 * - `undefined` members are dropped: the library would write an empty `<value/>`, which Python reads
 *   as the empty string and Odoo would store as such;
 * - `Date` values become Odoo's `YYYY-MM-DD HH:MM:SS` UTC strings: Odoo's ORM does not take
 *   XML-RPC `dateTime.iso8601` values for datetime fields (reference §3.2);
 * - a `<fault>` becomes a plain `{ fault }` result so error mapping stays in one place.
 */
import { Deserializer, serializeMethodCall, XmlRpcFault, XmlRpcValue } from '@foxglove/xmlrpc';

export type XmlRpcResponse = { ok: true; value: unknown } | { ok: false; faultCode: number | string | undefined; faultString: string };

export function encodeMethodCall(method: string, params: unknown[]): string {
  return serializeMethodCall(method, params.map(toXmlRpcValue));
}

export async function decodeMethodResponse(xml: string): Promise<XmlRpcResponse> {
  try {
    const value = await new Deserializer().deserializeMethodResponse(xml);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof XmlRpcFault) {
      return { ok: false, faultCode: error.faultCode ?? legacyFaultCode(xml), faultString: error.faultString ?? '' };
    }
    throw error;
  }
}

/** Odoo datetime text: UTC, no `T`, no zone, no fraction. */
export function toOdooDatetime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function toXmlRpcValue(value: unknown): XmlRpcValue {
  if (value === undefined || value === null) return null as unknown as XmlRpcValue;
  if (value instanceof Date) return toOdooDatetime(value);
  if (Buffer.isBuffer(value)) return value as unknown as XmlRpcValue;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toXmlRpcValue);
  if (typeof value === 'object') {
    const struct: Record<string, XmlRpcValue> = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      if (member !== undefined) struct[key] = toXmlRpcValue(member);
    }
    return struct;
  }
  return value as XmlRpcValue;
}

/**
 * The legacy `/xmlrpc/*` endpoints send string fault codes, which the library drops; recover them so
 * the mapping can still tell "warning -- MissingError" from a traceback.
 */
function legacyFaultCode(xml: string): string | undefined {
  const match = /<name>faultCode<\/name>\s*<value>\s*(?:<string>)?([\s\S]*?)(?:<\/string>)?\s*<\/value>/.exec(xml);
  return match ? decodeXmlText(match[1]) : undefined;
}

function decodeXmlText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
