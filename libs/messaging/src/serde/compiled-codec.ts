/**
 * A specialised Avro binary codec, compiled from one schema into straight-line JavaScript.
 *
 * Why: on a typical 10-line OrderPlaced, avsc's generic writers and native string calls
 * (Buffer.byteLength, utf8Slice) dominate; JSON.stringify/parse is barely slower. This codec
 * writes ASCII strings with a JS loop, reads short ones without a native call, inlines every
 * field, and checks array counts against the bytes left (a corrupt count cannot make it loop or
 * allocate for long). It covers exactly what Omnibus schemas use — records, enums, arrays, maps,
 * ["null", T] unions, null/boolean/int/long/string/bytes and timestamp-millis (as Date) — and
 * `compileCodec` returns undefined for anything else, where the serde stays on avsc.
 * Its output is byte-for-byte avsc's (property tests compare them on random values of every contract).
 */

/** The body is not valid Avro for the schema: truncated, trailing bytes, or an impossible value. */
export class CorruptBodyError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CorruptBodyError';
  }
}

/** The value does not fit the schema (which field is for avsc's explainInvalid to say, off the hot path). */
export class InvalidValueError extends Error {
  constructor() {
    super('value does not match the schema');
    this.name = 'InvalidValueError';
  }
}

export interface CompiledCodec {
  /** A new buffer: `headerSize` bytes left for the caller (not initialised), then the Avro body. */
  encode(value: unknown, headerSize: number): Buffer;
  /** Reads the body that starts at `start` and must end exactly at the end of `input`. */
  decode(input: Buffer, start: number): unknown;
}

type Schema = string | Schema[] | { type: Schema; [key: string]: unknown };

class Unsupported extends Error {}

const PRIMITIVE_MIN_BYTES: Record<string, number> = { null: 0, boolean: 1, int: 1, long: 1, string: 1, bytes: 1 };

/** Compiles a self-contained schema (named types defined before use); undefined when it uses anything outside the subset. */
export function compileCodec(schema: object): CompiledCodec | undefined {
  try {
    return new Compiler().compile(schema as Schema);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

interface Named {
  kind: 'record' | 'enum';
  id: number;
  schema: { [key: string]: unknown };
  minBytes: number;
}

class Compiler {
  private readonly named = new Map<string, Named>();
  private readonly functions: string[] = [];
  private readonly constants: unknown[] = [];
  private counter = 0;

  compile(root: Schema): CompiledCodec {
    const write = this.writeStatement(root, 'value', '');
    const read = this.readExpression(root, '');
    const source = `${RUNTIME}
${this.functions.join('\n')}
return {
  encode(value, headerSize) {
    pos = headerSize;
    ${write}
    const out = Buffer.allocUnsafe(pos);
    buf.copy(out, 0, 0, pos);
    return out;
  },
  decode(input, start) {
    rbuf = input; rpos = start; rend = input.length;
    try {
      const value = ${read};
      if (rpos > rend) corrupt('truncated Avro body');
      if (rpos < rend) corrupt((rend - rpos) + ' trailing bytes after the Avro body');
      return value;
    } finally {
      rbuf = EMPTY;
    }
  },
};`;
    const factory = new Function('CONSTANTS', 'CorruptBodyError', 'InvalidValueError', source) as (
      constants: unknown[],
      corrupt: typeof CorruptBodyError,
      invalid: typeof InvalidValueError,
    ) => CompiledCodec;
    return factory(this.constants, CorruptBodyError, InvalidValueError);
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `CONSTANTS[${this.constants.length - 1}]`;
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** Defines a named type (record or enum) the first time it is seen; returns its entry. */
  private define(schema: { [key: string]: unknown }, namespace: string): Named {
    const rawName = String(schema.name);
    const ns = rawName.includes('.') ? rawName.slice(0, rawName.lastIndexOf('.')) : typeof schema.namespace === 'string' ? schema.namespace : namespace;
    const fullName = rawName.includes('.') ? rawName : ns ? `${ns}.${rawName}` : rawName;
    if (this.named.has(fullName)) throw new Unsupported(`${fullName} defined twice`);
    const entry: Named = { kind: schema.type === 'enum' ? 'enum' : 'record', id: this.counter++, schema, minBytes: 1 };
    this.named.set(fullName, entry);
    if (entry.kind === 'enum') return entry;
    if (schema.type !== 'record') throw new Unsupported(String(schema.type));
    const fields = schema.fields as { name: string; type: Schema }[];
    for (const field of fields) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field.name)) throw new Unsupported(`field name ${field.name}`);
    }
    // Recursive records are not in the subset: a record cannot use itself.
    const writes = fields.map((field) => this.writeStatement(field.type, `v.${field.name}`, ns)).join('\n  ');
    const reads = fields.map((field) => `${field.name}: ${this.readExpression(field.type, ns)}`).join(',\n    ');
    entry.minBytes = fields.reduce((sum, field) => sum + this.minBytes(field.type, ns), 0);
    this.functions.push(`function w${entry.id}(v) {\n  ${writes}\n}`);
    this.functions.push(`function r${entry.id}() {\n  return {\n    ${reads}\n  };\n}`);
    return entry;
  }

  private resolveNamed(name: string, namespace: string): Named {
    const entry = this.named.get(name.includes('.') ? name : `${namespace}.${name}`) ?? this.named.get(name);
    if (!entry) throw new Unsupported(`undefined type ${name}`);
    return entry;
  }

  private namespaceOf(schema: { [key: string]: unknown }, enclosing: string): string {
    const name = String(schema.name);
    if (name.includes('.')) return name.slice(0, name.lastIndexOf('.'));
    return typeof schema.namespace === 'string' ? schema.namespace : enclosing;
  }

  private minBytes(schema: Schema, namespace: string): number {
    if (typeof schema === 'string') return PRIMITIVE_MIN_BYTES[schema] ?? this.resolveNamed(schema, namespace).minBytes;
    if (Array.isArray(schema)) return 1;
    if (schema.type === 'record' || schema.type === 'enum') return this.resolveNamed(String(schema.name), this.namespaceOf(schema, namespace)).minBytes;
    if (schema.type === 'array' || schema.type === 'map') return 1;
    return this.minBytes(schema.type, namespace);
  }

  private writeStatement(schema: Schema, x: string, namespace: string): string {
    if (typeof schema === 'string') {
      switch (schema) {
        case 'null':
          return `if (${x} !== null) invalid();`;
        case 'boolean':
          return `if (typeof ${x} !== 'boolean') invalid(); ensure(1); buf[pos++] = ${x} ? 1 : 0;`;
        case 'int':
          return `if (typeof ${x} !== 'number' || (${x} | 0) !== ${x}) invalid(); ensure(5); wLong(${x});`;
        case 'long':
          // avsc's bounds: a long must survive the trip through a double exactly.
          return `if (typeof ${x} !== 'number' || ${x} % 1 !== 0 || ${x} > 9007199254740990 || ${x} < -9007199254740990) invalid(); ensure(10); wLong(${x});`;
        case 'string':
          return `if (typeof ${x} !== 'string') invalid(); wString(${x});`;
        case 'bytes':
          return `if (!Buffer.isBuffer(${x})) invalid(); ensure(10 + ${x}.length); wLong(${x}.length); ${x}.copy(buf, pos); pos += ${x}.length;`;
        default: {
          const entry = this.resolveNamed(schema, namespace);
          return entry.kind === 'enum' ? this.writeEnum(entry, x) : `if (${x} === null || typeof ${x} !== 'object') invalid(); w${entry.id}(${x});`;
        }
      }
    }
    if (Array.isArray(schema)) {
      if (schema.length !== 2 || schema[0] !== 'null') throw new Unsupported('union other than ["null", T]');
      const inner = this.writeStatement(schema[1], x, namespace);
      return `if (${x} === null || ${x} === undefined) { ensure(1); buf[pos++] = 0; } else { ensure(1); buf[pos++] = 2; ${inner} }`;
    }
    switch (schema.type) {
      case 'record':
      case 'enum': {
        const entry = this.define(schema, this.namespaceOf(schema, namespace));
        return entry.kind === 'enum' ? this.writeEnum(entry, x) : `if (${x} === null || typeof ${x} !== 'object') invalid(); w${entry.id}(${x});`;
      }
      case 'array': {
        const items = this.fresh('items');
        const i = this.fresh('i');
        const item = this.writeStatement(schema.items as Schema, `${items}[${i}]`, namespace);
        return `{ const ${items} = ${x}; if (!Array.isArray(${items})) invalid();
  if (${items}.length > 0) { ensure(10); wLong(${items}.length); for (let ${i} = 0; ${i} < ${items}.length; ${i}++) { ${item} } }
  ensure(1); buf[pos++] = 0; }`;
      }
      case 'map': {
        const map = this.fresh('map');
        const keys = this.fresh('keys');
        const i = this.fresh('i');
        const value = this.writeStatement(schema.values as Schema, `${map}[${keys}[${i}]]`, namespace);
        return `{ const ${map} = ${x}; if (${map} === null || typeof ${map} !== 'object' || Array.isArray(${map})) invalid();
  const ${keys} = Object.keys(${map});
  if (${keys}.length > 0) { ensure(10); wLong(${keys}.length); for (let ${i} = 0; ${i} < ${keys}.length; ${i}++) { wString(${keys}[${i}]); ${value} } }
  ensure(1); buf[pos++] = 0; }`;
      }
      default:
        if (typeof schema.logicalType === 'string') {
          if (schema.logicalType === 'timestamp-millis' && schema.type === 'long') {
            const millis = this.fresh('millis');
            return `if (!(${x} instanceof Date)) invalid(); { const ${millis} = ${x}.getTime(); if (${millis} !== ${millis}) invalid(); ensure(10); wLong(${millis}); }`;
          }
          throw new Unsupported(`logical type ${schema.logicalType}`);
        }
        if (typeof schema.type === 'string' && schema.type in PRIMITIVE_MIN_BYTES) return this.writeStatement(schema.type, x, namespace);
        throw new Unsupported(String(schema.type));
    }
  }

  private writeEnum(entry: Named, x: string): string {
    const indexes = Object.create(null) as Record<string, number>;
    (entry.schema.symbols as string[]).forEach((symbol, index) => (indexes[symbol] = index));
    const table = this.constant(indexes);
    const index = this.fresh('index');
    return `{ const ${index} = typeof ${x} === 'string' ? ${table}[${x}] : undefined; if (${index} === undefined) invalid(); ensure(5); wLong(${index}); }`;
  }

  private readExpression(schema: Schema, namespace: string): string {
    if (typeof schema === 'string') {
      switch (schema) {
        case 'null':
          return 'null';
        case 'boolean':
          return 'rBoolean()';
        case 'int':
        case 'long':
          return 'rLong()';
        case 'string':
          return 'rString()';
        case 'bytes':
          return 'rBytes()';
        default: {
          const entry = this.resolveNamed(schema, namespace);
          return entry.kind === 'enum' ? `rEnum(${this.constant(entry.schema.symbols)})` : `r${entry.id}()`;
        }
      }
    }
    if (Array.isArray(schema)) {
      if (schema.length !== 2 || schema[0] !== 'null') throw new Unsupported('union other than ["null", T]');
      return `(rUnionIndex() === 0 ? null : ${this.readExpression(schema[1], namespace)})`;
    }
    switch (schema.type) {
      case 'record':
      case 'enum': {
        const entry = this.resolveNamed(String(schema.name), this.namespaceOf(schema, namespace));
        return entry.kind === 'enum' ? `rEnum(${this.constant(entry.schema.symbols)})` : `r${entry.id}()`;
      }
      case 'array': {
        const fn = this.fresh('readArray');
        const min = Math.max(this.minBytes(schema.items as Schema, namespace), 0);
        const item = this.readExpression(schema.items as Schema, namespace);
        this.functions.push(`function ${fn}() {
  const out = [];
  let n;
  while ((n = rLong()) !== 0) {
    if (n < 0) { n = -n; rLong(); }
    checkCount(n, ${min});
    for (let i = 0; i < n; i++) out.push(${item});
  }
  return out;
}`);
        return `${fn}()`;
      }
      case 'map': {
        const fn = this.fresh('readMap');
        const value = this.readExpression(schema.values as Schema, namespace);
        this.functions.push(`function ${fn}() {
  const out = {};
  let n;
  while ((n = rLong()) !== 0) {
    if (n < 0) { n = -n; rLong(); }
    checkCount(n, 1);
    for (let i = 0; i < n; i++) { const key = rString(); setEntry(out, key, ${value}); }
  }
  return out;
}`);
        return `${fn}()`;
      }
      default:
        if (schema.logicalType === 'timestamp-millis' && schema.type === 'long') return 'new Date(rLong())';
        if (typeof schema.type === 'string' && schema.type in PRIMITIVE_MIN_BYTES) return this.readExpression(schema.type, namespace);
        throw new Unsupported(String(schema.type));
    }
  }
}

/** The helpers every compiled codec shares; `buf`/`pos` for writing, `rbuf`/`rpos`/`rend` for reading. */
const RUNTIME = `
'use strict';
const EMPTY = Buffer.alloc(0);
let buf = Buffer.allocUnsafe(16 * 1024);
let pos = 0;
let rbuf = EMPTY;
let rpos = 0;
let rend = 0;
// Buffer#utf8Slice skips toString's argument handling; V8 inlines the .call.
const utf8SliceOf = typeof Buffer.prototype.utf8Slice === 'function'
  ? Buffer.prototype.utf8Slice
  : function (start, end) { return this.toString('utf8', start, end); };

function invalid() { throw new InvalidValueError(); }
function corrupt(reason) { throw new CorruptBodyError(reason); }

function ensure(bytes) {
  if (pos + bytes <= buf.length) return;
  let size = buf.length * 2;
  while (pos + bytes > size) size *= 2;
  const next = Buffer.allocUnsafe(size);
  buf.copy(next, 0, 0, pos);
  buf = next;
}

// Zig-zag varint, as avsc writes it (integer arithmetic while it cannot overflow).
function wLong(n) {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) { buf[pos++] = (m & 0x7f) | 0x80; m >>>= 7; }
    buf[pos++] = m;
  } else {
    let f = n >= 0 ? n * 2 : -n * 2 - 1;
    while (f >= 128) { buf[pos++] = (f % 128) | 0x80; f = Math.floor(f / 128); }
    buf[pos++] = f;
  }
}

function wString(s) {
  const n = s.length;
  ensure(n + 5);
  const start = pos;
  if (n < 64) {
    // Common case: short ASCII, length in one byte, characters copied by a JS loop (no native call).
    let p = pos + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[p++] = c;
    }
    if (i === n) { buf[start] = n << 1; pos = p; return; }
  }
  const bytes = Buffer.byteLength(s);
  ensure(bytes + 10);
  wLong(bytes);
  pos += buf.utf8Write(s, pos, bytes);
}

function rLong() {
  let b = rbuf[rpos++];
  let n = b & 0x7f;
  let shift = 7;
  while (b & 0x80 && shift < 28) { b = rbuf[rpos++]; n |= (b & 0x7f) << shift; shift += 7; }
  if (b & 0x80) {
    let f = n;
    let scale = 268435456;
    do { b = rbuf[rpos++]; f += (b & 0x7f) * scale; scale *= 128; } while (b & 0x80 && scale < 1e20);
    if (b & 0x80) corrupt('varint too long');
    const value = (f % 2 ? -(f + 1) : f) / 2;
    if (value > 9007199254740990 || value < -9007199254740990) corrupt('long beyond the precision of a JS number');
    return value;
  }
  return (n >>> 1) ^ -(n & 1);
}

function rBoolean() { return rbuf[rpos++] !== 0; }

// Very short strings (currency codes, line ids) repeat in every message: interned by their bytes.
const shortStrings = new Map();
function rString() {
  const len = rLong();
  if (len < 0) corrupt('negative string length');
  const start = rpos;
  const end = start + len;
  if (end > rend) corrupt('truncated Avro body');
  rpos = end;
  if (len <= 3) {
    let key = len;
    for (let i = start; i < end; i++) key = key * 256 + rbuf[i];
    let interned = shortStrings.get(key);
    if (interned === undefined) {
      interned = utf8SliceOf.call(rbuf, start, end);
      if (shortStrings.size < 4096) shortStrings.set(key, interned);
    }
    return interned;
  }
  if (len <= 12) {
    let out = '';
    for (let i = start; i < end; i++) {
      const c = rbuf[i];
      if (c > 0x7f) return utf8SliceOf.call(rbuf, start, end);
      out += String.fromCharCode(c);
    }
    return out;
  }
  return utf8SliceOf.call(rbuf, start, end);
}

function rBytes() {
  const len = rLong();
  if (len < 0) corrupt('negative bytes length');
  if (rpos + len > rend) corrupt('truncated Avro body');
  const out = Buffer.from(rbuf.subarray(rpos, rpos + len));
  rpos += len;
  return out;
}

function rEnum(symbols) {
  const symbol = symbols[rLong()];
  if (symbol === undefined) corrupt('enum index out of range');
  return symbol;
}

function rUnionIndex() {
  const index = rLong();
  if (index !== 0 && index !== 1) corrupt('union index ' + index + ' out of range');
  return index;
}

// Every item takes at least minBytes, so a count beyond the bytes left is corrupt data, not a reason to loop.
function checkCount(n, minBytes) {
  const limit = minBytes > 0 ? (rend - rpos) / minBytes : 1048576;
  if (n > limit) corrupt('array or map block count ' + n + ' exceeds the body');
}

function setEntry(map, key, value) {
  if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}
`;
