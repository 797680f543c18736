import { PyFloat, pyFloatRepr } from './py-values';

/**
 * XML-RPC as Odoo speaks it: requests parsed like Python's xmlrpc.client.loads, responses written byte for
 * byte like xmlrpc.client.dumps(..., methodresponse=1, allow_none=False) through Odoo's marshaller.
 */

export class XmlRpcParseError extends Error {}

/** Raised while marshalling a response; the transport turns it into fault 1 (the call already committed). */
export class MarshalError extends Error {
  constructor(
    readonly pythonClass: 'TypeError' | 'OverflowError',
    message: string,
  ) {
    super(message);
  }
}

export interface MethodCall {
  methodName: string;
  params: unknown[];
}

interface XmlElement {
  name: string;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(code);
    }
    const char = ENTITIES[ref];
    if (char === undefined) throw new XmlRpcParseError(`undefined entity &${ref};`);
    return char;
  });
}

/** A small, strict XML reader: enough for XML-RPC documents (no DTDs, no namespaces). */
function parseXml(source: string): XmlElement {
  let pos = 0;
  const root: XmlElement = { name: '#root', children: [] };
  const stack: XmlElement[] = [root];
  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    if (lt < 0) {
      stack[stack.length - 1].children.push(decodeEntities(source.slice(pos)));
      break;
    }
    if (lt > pos) stack[stack.length - 1].children.push(decodeEntities(source.slice(pos, lt)));
    if (source.startsWith('<?', lt)) {
      const end = source.indexOf('?>', lt);
      if (end < 0) throw new XmlRpcParseError('unclosed processing instruction');
      pos = end + 2;
    } else if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt);
      if (end < 0) throw new XmlRpcParseError('unclosed comment');
      pos = end + 3;
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt);
      if (end < 0) throw new XmlRpcParseError('unclosed CDATA section');
      stack[stack.length - 1].children.push(source.slice(lt + 9, end));
      pos = end + 3;
    } else if (source.startsWith('<!', lt)) {
      throw new XmlRpcParseError('DTDs are not accepted');
    } else {
      const gt = source.indexOf('>', lt);
      if (gt < 0) throw new XmlRpcParseError('unclosed tag');
      const raw = source.slice(lt + 1, gt);
      pos = gt + 1;
      if (raw.startsWith('/')) {
        const name = raw.slice(1).trim();
        const open = stack.pop();
        if (!open || open.name !== name || stack.length === 0) throw new XmlRpcParseError(`mismatched tag: ${name}`);
      } else {
        const selfClosing = raw.endsWith('/');
        const name = (selfClosing ? raw.slice(0, -1) : raw).trim().split(/\s+/)[0];
        if (!name) throw new XmlRpcParseError('empty tag name');
        const element: XmlElement = { name, children: [] };
        stack[stack.length - 1].children.push(element);
        if (!selfClosing) stack.push(element);
      }
    }
  }
  if (stack.length !== 1) throw new XmlRpcParseError('no element found');
  const elements = root.children.filter((c): c is XmlElement => typeof c !== 'string');
  if (elements.length !== 1) throw new XmlRpcParseError('junk after document element');
  return elements[0];
}

function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

function textOf(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === 'string').join('');
}

function decodeValue(valueEl: XmlElement): unknown {
  const typed = childElements(valueEl);
  if (typed.length === 0) return textOf(valueEl); // untyped value = string
  const el = typed[0];
  const text = textOf(el);
  switch (el.name) {
    case 'int':
    case 'i4':
    case 'i8':
    case 'i1':
    case 'i2':
    case 'biginteger': {
      if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new XmlRpcParseError(`invalid literal for int(): '${text}'`);
      return parseInt(text, 10);
    }
    case 'boolean':
      if (text === '0') return false;
      if (text === '1') return true;
      throw new XmlRpcParseError('bad boolean value');
    case 'double':
    case 'float':
      return parseFloat(text);
    case 'string':
      return text;
    case 'nil':
      return null;
    case 'base64':
      return Buffer.from(text, 'base64').toString('utf8');
    case 'dateTime.iso8601': {
      // Python returns an xmlrpc DateTime; Odoo's fields accept its string form "YYYY-MM-DD HH:MM:SS".
      const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})/.exec(text.trim());
      if (!m) throw new XmlRpcParseError(`bad dateTime value: ${text}`);
      return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
    }
    case 'array': {
      const data = childElements(el).find((c) => c.name === 'data');
      if (!data) throw new XmlRpcParseError('array without data');
      return childElements(data).map((v) => decodeValue(v));
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const member of childElements(el)) {
        const name = childElements(member).find((c) => c.name === 'name');
        const value = childElements(member).find((c) => c.name === 'value');
        if (!name || !value) throw new XmlRpcParseError('bad struct member');
        out[textOf(name)] = decodeValue(value);
      }
      return out;
    }
    default:
      throw new XmlRpcParseError(`unknown tag ${el.name}`);
  }
}

export function parseMethodCall(xml: string): MethodCall {
  const root = parseXml(xml);
  if (root.name !== 'methodCall') throw new XmlRpcParseError('not a methodCall');
  const nameEl = childElements(root).find((c) => c.name === 'methodName');
  const paramsEl = childElements(root).find((c) => c.name === 'params');
  const params = paramsEl
    ? childElements(paramsEl).map((param) => {
        const value = childElements(param).find((c) => c.name === 'value');
        if (!value) throw new XmlRpcParseError('param without value');
        return decodeValue(value);
      })
    : [];
  return { methodName: nameEl ? textOf(nameEl).trim() : '', params };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const MAXINT = 2 ** 31 - 1;
const MININT = -(2 ** 31);
// Odoo strips ASCII control characters other than tab, LF and CR: they are not valid XML 1.0.
const XML_INVALID = /[\x00-\x08\x0b\x0c\x0e-\x1f]/g;

function dumpValue(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    throw new MarshalError('TypeError', 'cannot marshal None unless allow_none is enabled');
  }
  if (typeof value === 'boolean') {
    out.push(`<value><boolean>${value ? 1 : 0}</boolean></value>\n`);
  } else if (value instanceof PyFloat) {
    out.push(`<value><double>${pyFloatRepr(value.value)}</double></value>\n`);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      if (value > MAXINT || value < MININT) throw new MarshalError('OverflowError', 'int exceeds XML-RPC limits');
      out.push(`<value><int>${value}</int></value>\n`);
    } else {
      out.push(`<value><double>${pyFloatRepr(value)}</double></value>\n`);
    }
  } else if (typeof value === 'string') {
    out.push(`<value><string>${escapeXml(value.replace(XML_INVALID, ''))}</string></value>\n`);
  } else if (Array.isArray(value)) {
    out.push('<value><array><data>\n');
    for (const item of value) dumpValue(item, out);
    out.push('</data></array></value>\n');
  } else if (typeof value === 'object') {
    out.push('<value><struct>\n');
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined) continue;
      out.push('<member>\n');
      out.push(`<name>${escapeXml(key)}</name>\n`);
      dumpValue(item, out);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
  } else {
    throw new MarshalError('TypeError', `cannot marshal ${typeof value} objects`);
  }
}

const XML_HEADER = "<?xml version='1.0'?>\n";

/** A successful methodResponse. Throws MarshalError for values Python would refuse (None, big ints). */
export function dumpResponse(result: unknown): string {
  const out: string[] = [];
  dumpValue(result, out);
  return `${XML_HEADER}<methodResponse>\n<params>\n<param>\n${out.join('')}</param>\n</params>\n</methodResponse>\n`;
}

export function dumpFault(faultCode: number | string, faultString: string): string {
  const out: string[] = [];
  dumpValue({ faultCode, faultString }, out);
  return `${XML_HEADER}<methodResponse>\n<fault>\n${out.join('')}</fault>\n</methodResponse>\n`;
}

/** Client side helpers (used by the sim's own tests and by callers that want a raw XML-RPC request). */
export function dumpMethodCall(methodName: string, params: unknown[]): string {
  const out: string[] = [];
  for (const param of params) {
    out.push('<param>\n');
    dumpValue(param, out);
    out.push('</param>\n');
  }
  return `${XML_HEADER}<methodCall>\n<methodName>${escapeXml(methodName)}</methodName>\n<params>\n${out.join('')}</params>\n</methodCall>\n`;
}

export type XmlRpcResponse = { ok: true; value: unknown } | { ok: false; faultCode: unknown; faultString: string };

export function parseResponse(xml: string): XmlRpcResponse {
  const root = parseXml(xml);
  if (root.name !== 'methodResponse') throw new XmlRpcParseError('not a methodResponse');
  const first = childElements(root)[0];
  if (first?.name === 'fault') {
    const fault = decodeValue(childElements(first)[0]) as { faultCode: unknown; faultString: string };
    return { ok: false, faultCode: fault.faultCode, faultString: fault.faultString };
  }
  const param = childElements(first)[0];
  return { ok: true, value: decodeValue(childElements(param)[0]) };
}
