import * as avro from 'avsc';
import { InvalidSchemaError, ParsedSchema, RecordSchema, canonicalForm, parseSchema, validateSchema } from './schema';

const money = {
  type: 'record',
  name: 'Money',
  namespace: 'retail.common',
  fields: [
    { name: 'amountMinor', type: 'long' },
    { name: 'currency', type: { type: 'string', logicalType: 'iso-4217' } },
  ],
};

describe('parseSchema: validation', () => {
  it.each([
    ['text that is not JSON', '{"type": "record",', /not valid JSON/],
    ['an empty union inside a union (a nested union)', ['int', []], /nested/],
    ['a default for a field whose type is an empty union (it has no values)', { type: 'record', name: 'R', fields: [{ name: 'x', type: [], default: null }] }, /R\.x.*empty union/],
    ['a default that reaches an empty union inside a record', {
      type: 'record',
      name: 'R',
      fields: [{ name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'never', type: [] }] }, default: { never: null } }],
    }, /R\.inner.*empty union/],
    ['an array default with items of an empty union', { type: 'record', name: 'R', fields: [{ name: 'xs', type: { type: 'array', items: [] }, default: [null] } ] }, /R\.xs/],
    ['an unknown type name', { type: 'record', name: 'R', fields: [{ name: 'x', type: 'Unknown' }] }, /undefined type name: Unknown/],
    ['a default that does not fit the field', { type: 'record', name: 'R', fields: [{ name: 'x', type: 'int', default: 'one' }] }, /incompatible field default/],
    ['a union default that does not fit the first branch', { type: 'record', name: 'R', fields: [{ name: 'x', type: ['null', 'int'], default: 1 }] }, /first branch/],
    ['a duplicate field', { type: 'record', name: 'R', fields: [{ name: 'x', type: 'int' }, { name: 'x', type: 'long' }] }, /duplicate field name/],
    ['a duplicate enum symbol', { type: 'enum', name: 'E', symbols: ['A', 'A'] }, /duplicate/],
    ['an enum default that is not a symbol', { type: 'enum', name: 'E', symbols: ['A'], default: 'B' }, /default/],
    ['a duplicate union branch', ['int', 'int'], /duplicate union branch/],
    ['a nested union', ['int', ['string']], /nested/],
    ['an invalid name', { type: 'record', name: '1Order', fields: [] }, /invalid name/],
    ['a negative fixed size', { type: 'fixed', name: 'F', size: -1 }, /size/],
    ['a record without fields', { type: 'record', name: 'R' }, /fields/],
    ['a type redefined', { type: 'record', name: 'R', fields: [{ name: 'x', type: { type: 'record', name: 'R', fields: [] } }] }, /duplicate type name/],
    ['an unknown type', { type: 'decimal' }, /unknown type/],
  ])('rejects %s', (_name, input, error) => {
    expect(() => parseSchema(input)).toThrow(InvalidSchemaError);
    expect(() => parseSchema(input)).toThrow(error);
    const result = validateSchema(input);
    expect(result.valid).toBe(false);
  });

  it.each([
    ['a primitive as JSON text', '"string"'],
    ['an empty union (Java parses it as a type with no values)', '[]'],
    ['a field of an empty union without a default', { type: 'record', name: 'R', fields: [{ name: 'never', type: [] }] }],
    ['an array of an empty union with an empty default', { type: 'record', name: 'R', fields: [{ name: 'xs', type: { type: 'array', items: [] }, default: [] }] }],
    ['a map of an empty union', { type: 'map', values: [] }],
    ['a bare primitive name', 'long'],
    ['a primitive object with a logical type', { type: 'int', logicalType: 'date' }],
    ['a recursive record', { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }] }],
    ['an error record', { type: 'error', name: 'Failure', fields: [{ name: 'reason', type: 'string' }] }],
    ['an enum with a default', { type: 'enum', name: 'Tier', symbols: ['GOLD', 'UNKNOWN'], default: 'UNKNOWN' }],
    ['a record using the types of a previous field by short name', {
      type: 'record',
      name: 'Order',
      namespace: 'retail',
      fields: [
        { name: 'total', type: money },
        { name: 'tax', type: 'retail.common.Money' },
      ],
    }],
  ])('accepts %s', (_name, input) => {
    expect(validateSchema(input)).toMatchObject({ valid: true });
  });

  it('returns a ParsedSchema unchanged', () => {
    const parsed = parseSchema(money);
    expect(parseSchema(parsed)).toBe(parsed);
  });

  it('resolves names and namespaces as the specification says', () => {
    const parsed = parseSchema({
      type: 'record',
      name: 'Order',
      namespace: 'retail',
      aliases: ['LegacyOrder', 'old.Order'],
      fields: [
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW'] } },
        { name: 'id', type: { type: 'fixed', name: 'ids.Id', size: 16 } },
        { name: 'root', type: { type: 'record', name: 'Global', namespace: '', fields: [] } },
      ],
    });
    expect(parsed.fullName).toBe('retail.Order');
    expect([...parsed.definedTypes.keys()]).toEqual(['retail.Order', 'retail.Status', 'ids.Id', 'Global']);
    const root = parsed.root as RecordSchema;
    expect(root.aliases).toEqual(['retail.LegacyOrder', 'old.Order']);
  });
});

describe('canonical form (identity)', () => {
  const base = {
    type: 'record',
    name: 'OrderPlaced',
    namespace: 'retail.orders',
    doc: 'An order a channel placed',
    fields: [
      { name: 'orderId', type: 'string' },
      { name: 'channel', type: 'string', default: 'web' },
    ],
  };

  it('ignores whitespace, key order and the long form of primitives', () => {
    const reordered = {
      fields: [
        { type: { type: 'string' }, name: 'orderId' },
        { default: 'web', name: 'channel', type: 'string' },
      ],
      doc: 'An order a channel placed',
      namespace: 'retail.orders',
      name: 'OrderPlaced',
      type: 'record',
    };
    expect(canonicalForm(JSON.stringify(reordered, null, 4))).toBe(canonicalForm(base));
  });

  it('treats a dotted name and name + namespace alike', () => {
    const dotted = { ...base, name: 'retail.orders.OrderPlaced', namespace: undefined };
    expect(canonicalForm(JSON.parse(JSON.stringify(dotted)))).toBe(canonicalForm(base));
  });

  it.each([
    ['a changed default', { ...base, fields: [base.fields[0], { ...base.fields[1], default: 'store' }] }],
    ['a removed default', { ...base, fields: [base.fields[0], { name: 'channel', type: 'string' }] }],
    ['an added alias', { ...base, aliases: ['OrderCreated'] }],
    ['an added field alias', { ...base, fields: [{ ...base.fields[0], aliases: ['id'] }, base.fields[1]] }],
    ['a changed doc', { ...base, doc: 'Placed order' }],
    ['a field doc', { ...base, fields: [{ ...base.fields[0], doc: 'UUIDv7' }, base.fields[1]] }],
    ['a custom property', { ...base, 'x-owner': 'orders-team' }],
    ['a sort order', { ...base, fields: [{ ...base.fields[0], order: 'descending' }, base.fields[1]] }],
    ['swapped fields', { ...base, fields: [base.fields[1], base.fields[0]] }],
    ['another namespace', { ...base, namespace: 'retail.sales' }],
  ])('keeps %s (it matters for resolution or tooling)', (_name, changed) => {
    expect(canonicalForm(changed)).not.toBe(canonicalForm(base));
  });

  const roundTrips: Array<[string, unknown]> = [
    ['nested namespaces', {
      type: 'record',
      name: 'Order',
      namespace: 'retail',
      fields: [
        { name: 'a', type: { type: 'record', name: 'Inner', namespace: 'other', fields: [{ name: 'x', type: ['null', 'retail.Order'], default: null }] } },
        { name: 'b', type: 'other.Inner' },
        { name: 'c', type: { type: 'record', name: 'Global', namespace: '', fields: [] } },
        { name: 'd', type: '.Global' },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'], default: 'A', aliases: ['retail.OldE', 'x.E'] } },
      ],
    }],
    ['logical types and props', {
      type: 'record',
      name: 'Line',
      fields: [
        { name: 'qty', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 3 } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros', 'x-note': { b: 1, a: [2] } } },
        { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 32, doc: 'sha-256' } },
        { name: 'tags', type: { type: 'map', values: { type: 'array', items: 'string' } }, default: {} },
        { name: 'meta', type: ['null', 'string'], default: null },
      ],
    }],
    ['a recursive record', { type: 'record', name: 'Node', fields: [{ name: 'children', type: { type: 'array', items: 'Node' } }] }],
  ];

  it.each(roundTrips)('is valid Avro that parses back to itself: %s', (_name, schema) => {
    const canonical = canonicalForm(schema as object);
    expect(canonicalForm(canonical)).toBe(canonical);
    const original = avro.Type.forSchema(schema as avro.Schema);
    const reparsed = avro.Type.forSchema(JSON.parse(canonical));
    expect(reparsed.fingerprint().equals(original.fingerprint())).toBe(true);
  });

  it('writes a type taken from a reference by name instead of inlining it', () => {
    const moneySchema = parseSchema(money);
    const order = parseSchema(
      { type: 'record', name: 'Order', namespace: 'retail.orders', fields: [{ name: 'total', type: 'retail.common.Money' }] },
      { references: [moneySchema] },
    );
    expect(order.canonical).toBe(
      '{"type":"record","name":"Order","namespace":"retail.orders","fields":[{"name":"total","type":"retail.common.Money"}]}',
    );
    expect(order.equals(parseSchema(order.canonical, { references: [moneySchema] }))).toBe(true);
    expect(() => parseSchema(order.canonical)).toThrow(/undefined type name/);
  });

  it('is exposed on ParsedSchema with equals()', () => {
    const a = parseSchema(base);
    const b = parseSchema(JSON.stringify(base));
    expect(a).toBeInstanceOf(ParsedSchema);
    expect(a.equals(b)).toBe(true);
    expect(String(a)).toBe(a.canonical);
  });
});

describe('parseSchema: empty unions (valid Avro that avsc cannot use)', () => {
  it('keeps an empty union in the graph and the canonical form, and says avsc cannot use it', () => {
    const parsed = parseSchema('{"type":"record","name":"R","fields":[{"type":[],"name":"never"},{"name":"id","type":"string"}]}');
    expect((parsed.root as RecordSchema).fields[0].type).toEqual({ type: 'union', branches: [] });
    expect(parsed.canonical).toBe('{"type":"record","name":"R","fields":[{"name":"never","type":[]},{"name":"id","type":"string"}]}');
    expect(canonicalForm(parsed.canonical)).toBe(parsed.canonical);
    expect(parsed.hasEmptyUnion).toBe(true);
    expect(parseSchema('[]').canonical).toBe('[]');
    expect(parseSchema(money).hasEmptyUnion).toBe(false);
  });

  it('marks a schema whose reference has an empty union', () => {
    const withEmpty = parseSchema({ type: 'record', name: 'Never', namespace: 'x', fields: [{ name: 'n', type: [] }] });
    const user = parseSchema({ type: 'record', name: 'User', fields: [{ name: 'n', type: ['null', 'x.Never'], default: null }] }, { references: [withEmpty] });
    expect(user.hasEmptyUnion).toBe(true);
  });
});
