import * as avro from 'avsc';
import { checkReaderWriter } from './compatibility';
import * as S from './test-schemas';

type Pair = [name: string, reader: unknown, writer: unknown];
const pair = (reader: keyof typeof S, writer: keyof typeof S): Pair => [`${reader} reads ${writer}`, S[reader], S[writer]];

const record = (name: string, fields: object[], extra: object = {}) => ({ type: 'record', name, fields, ...extra });

describe('checkReaderWriter: pairs Avro resolution accepts', () => {
  const compatible: Pair[] = [
    // same primitives and the promotions int→long/float/double, long→float/double, float→double, string↔bytes
    pair('NULL', 'NULL'),
    pair('BOOLEAN', 'BOOLEAN'),
    pair('INT', 'INT'),
    pair('LONG', 'INT'),
    pair('LONG', 'LONG'),
    pair('FLOAT', 'INT'),
    pair('FLOAT', 'LONG'),
    pair('FLOAT', 'FLOAT'),
    pair('DOUBLE', 'INT'),
    pair('DOUBLE', 'LONG'),
    pair('DOUBLE', 'FLOAT'),
    pair('DOUBLE', 'DOUBLE'),
    pair('STRING', 'STRING'),
    pair('BYTES', 'BYTES'),
    pair('STRING', 'BYTES'),
    pair('BYTES', 'STRING'),
    // arrays and maps resolve their items / values
    pair('INT_ARRAY', 'INT_ARRAY'),
    pair('LONG_ARRAY', 'INT_ARRAY'),
    pair('INT_MAP', 'INT_MAP'),
    pair('LONG_MAP', 'INT_MAP'),
    pair('STRING_MAP', 'STRING_MAP'),
    // enums: the reader knows every writer symbol, or declares an enum default
    pair('ENUM1_AB', 'ENUM1_AB'),
    pair('ENUM1_ABC', 'ENUM1_AB'),
    pair('ENUM_AB_ENUM_DEFAULT_A', 'ENUM_ABC_ENUM_DEFAULT_A'),
    pair('ENUM_AB_ENUM_DEFAULT_A', 'ENUM_ABC'),
    pair('ENUM_AB_ENUM_DEFAULT_A_RECORD', 'ENUM_ABC_ENUM_DEFAULT_A_RECORD'),
    pair('ENUM_AB_FIELD_DEFAULT_A_ENUM_DEFAULT_B_RECORD', 'ENUM_ABC_FIELD_DEFAULT_B_ENUM_DEFAULT_A_RECORD'),
    // unions
    pair('INT_UNION', 'INT_UNION'),
    pair('INT_LONG_UNION', 'INT_UNION'),
    pair('INT_STRING_UNION', 'STRING_INT_UNION'),
    pair('INT_LONG_FLOAT_DOUBLE_UNION', 'INT_UNION'),
    pair('LONG_UNION', 'INT_UNION'),
    pair('FLOAT_UNION', 'INT_UNION'),
    pair('DOUBLE_UNION', 'INT_UNION'),
    pair('FLOAT_UNION', 'LONG_UNION'),
    pair('DOUBLE_UNION', 'LONG_UNION'),
    pair('DOUBLE_UNION', 'FLOAT_UNION'),
    pair('STRING_UNION', 'BYTES_UNION'),
    pair('BYTES_UNION', 'STRING_UNION'),
    pair('DOUBLE_UNION', 'INT_FLOAT_UNION'),
    pair('FLOAT_UNION', 'INT_LONG_UNION'),
    pair('NULL_INT_ARRAY_UNION', 'NULL_INT_ARRAY_UNION'),
    // empty unions (Java's cases): a writer `[]` produces no values, so any reader reads it
    pair('EMPTY_UNION', 'EMPTY_UNION'),
    pair('INT_UNION', 'EMPTY_UNION'),
    pair('LONG_UNION', 'EMPTY_UNION'),
    pair('FLOAT_UNION', 'EMPTY_UNION'),
    pair('STRING_UNION', 'EMPTY_UNION'),
    pair('BYTES_UNION', 'EMPTY_UNION'),
    pair('INT', 'EMPTY_UNION'),
    pair('A_INT_RECORD1', 'EMPTY_UNION'),
    pair('INT_ARRAY', 'EMPTY_UNION_ARRAY'), // only empty arrays were written
    pair('EMPTY_UNION_ARRAY', 'EMPTY_UNION_ARRAY'),
    pair('A_INT_RECORD1', 'A_EMPTY_UNION_RECORD1'),
    pair('EMPTY_RECORD1', 'A_EMPTY_UNION_RECORD1'),
    pair('NULL_INT_MAP_UNION', 'NULL_INT_MAP_UNION'),
    pair('INT', 'INT_UNION'), // plain reader, writer union whose only branch it reads
    pair('LONG', 'INT_LONG_UNION'),
    pair('DOUBLE', 'INT_LONG_FLOAT_DOUBLE_UNION'),
    pair('INT_UNION', 'INT'), // reader union, plain writer
    pair('UNION_INT_NULL', 'NULL'),
    pair('UNION_INT_DOUBLE', 'LONG'),
    pair('STRING_INT_UNION', 'BYTES'),
    // records
    pair('EMPTY_RECORD1', 'EMPTY_RECORD1'),
    pair('EMPTY_RECORD1', 'A_INT_RECORD1'), // writer-only fields are skipped
    pair('A_INT_RECORD1', 'A_INT_RECORD1'),
    pair('A_DINT_RECORD1', 'A_INT_RECORD1'),
    pair('A_DINT_RECORD1', 'A_DINT_RECORD1'),
    pair('A_INT_RECORD1', 'A_DINT_RECORD1'),
    pair('A_LONG_RECORD1', 'A_INT_RECORD1'),
    pair('A_INT_RECORD1', 'A_INT_B_INT_RECORD1'),
    pair('A_DINT_RECORD1', 'A_INT_B_INT_RECORD1'),
    pair('A_INT_B_DINT_RECORD1', 'A_INT_RECORD1'), // reader-only field with a default
    pair('A_DINT_B_DINT_RECORD1', 'EMPTY_RECORD1'),
    pair('A_DINT_B_DINT_RECORD1', 'A_INT_RECORD1'),
    pair('A_INT_B_INT_RECORD1', 'A_DINT_B_DINT_RECORD1'),
    pair('A_DINT_B_DINT_STRING_UNION_RECORD1', 'A_DINT_B_DINT_UNION_RECORD1'),
    pair('RECORD1_WITH_ENUM_ABC', 'RECORD1_WITH_ENUM_AB'),
    pair('UNION_INT_RECORD1', 'UNION_INT_RECORD1'),
    pair('FIXED_4_BYTES', 'FIXED_4_BYTES'),
    // recursive records
    pair('INT_LIST_RECORD', 'INT_LIST_RECORD'),
    pair('LONG_LIST_RECORD', 'LONG_LIST_RECORD'),
    pair('LONG_LIST_RECORD', 'INT_LIST_RECORD'),
    pair('LONG_OPTIONAL_LIST_RECORD', 'INT_OPTIONAL_LIST_RECORD'),
    // named types are compared by unqualified name, as current Java does
    pair('NS_RECORD1', 'NS_RECORD2'),
  ];

  it.each(compatible)('%s', (_name, reader, writer) => {
    const result = checkReaderWriter(reader as object, writer as object);
    expect(result.incompatibilities).toEqual([]);
    expect(result.compatible).toBe(true);
  });
});

describe('checkReaderWriter: pairs Avro resolution rejects, with the rule and where', () => {
  type Case = [name: string, reader: unknown, writer: unknown, type: string, location: string, path: string];
  const reject = (
    reader: keyof typeof S,
    writer: keyof typeof S,
    type: string,
    location: string,
    path: string,
  ): Case => [`${reader} cannot read ${writer}`, S[reader], S[writer], type, location, path];

  const incompatible: Case[] = [
    // TYPE_MISMATCH: nothing narrows, and unrelated types never match
    reject('NULL', 'INT', 'TYPE_MISMATCH', '/', 'null'),
    reject('NULL', 'LONG', 'TYPE_MISMATCH', '/', 'null'),
    reject('BOOLEAN', 'INT', 'TYPE_MISMATCH', '/', 'boolean'),
    reject('INT', 'NULL', 'TYPE_MISMATCH', '/', 'int'),
    reject('INT', 'BOOLEAN', 'TYPE_MISMATCH', '/', 'int'),
    reject('INT', 'LONG', 'TYPE_MISMATCH', '/', 'int'),
    reject('INT', 'FLOAT', 'TYPE_MISMATCH', '/', 'int'),
    reject('INT', 'DOUBLE', 'TYPE_MISMATCH', '/', 'int'),
    reject('LONG', 'FLOAT', 'TYPE_MISMATCH', '/', 'long'),
    reject('LONG', 'DOUBLE', 'TYPE_MISMATCH', '/', 'long'),
    reject('FLOAT', 'DOUBLE', 'TYPE_MISMATCH', '/', 'float'),
    reject('DOUBLE', 'STRING', 'TYPE_MISMATCH', '/', 'double'),
    reject('FIXED_4_BYTES', 'STRING', 'TYPE_MISMATCH', '/', 'Fixed'),
    reject('STRING', 'BOOLEAN', 'TYPE_MISMATCH', '/', 'string'),
    reject('STRING', 'INT', 'TYPE_MISMATCH', '/', 'string'),
    reject('BYTES', 'NULL', 'TYPE_MISMATCH', '/', 'bytes'),
    reject('BYTES', 'INT', 'TYPE_MISMATCH', '/', 'bytes'),
    reject('A_INT_RECORD1', 'INT', 'TYPE_MISMATCH', '/', 'Record1'),
    reject('INT_ARRAY', 'LONG_ARRAY', 'TYPE_MISMATCH', '/items', 'array[]'),
    reject('INT_MAP', 'INT_ARRAY', 'TYPE_MISMATCH', '/', 'map'),
    reject('INT_ARRAY', 'INT_MAP', 'TYPE_MISMATCH', '/', 'array'),
    reject('INT_MAP', 'LONG_MAP', 'TYPE_MISMATCH', '/values', 'map{}'),
    reject('INT', 'ENUM2_AB', 'TYPE_MISMATCH', '/', 'int'),
    reject('ENUM2_AB', 'INT', 'TYPE_MISMATCH', '/', 'Enum2'),
    reject('FLOAT', 'INT_LONG_FLOAT_DOUBLE_UNION', 'TYPE_MISMATCH', '/', 'float'),
    reject('LONG', 'INT_FLOAT_UNION', 'TYPE_MISMATCH', '/', 'long'),
    reject('INT', 'INT_FLOAT_UNION', 'TYPE_MISMATCH', '/', 'int'),
    reject('INT_LIST_RECORD', 'LONG_LIST_RECORD', 'TYPE_MISMATCH', '/fields/0/type', 'List.head'),
    reject('A_INT_RECORD1', 'A_LONG_RECORD1', 'TYPE_MISMATCH', '/fields/0/type', 'Record1.a'),
    // NAME_MISMATCH
    reject('ENUM1_AB', 'ENUM2_AB', 'NAME_MISMATCH', '/name', 'Enum1'),
    reject('EMPTY_RECORD2', 'EMPTY_RECORD1', 'NAME_MISMATCH', '/name', 'Record2'),
    reject('FIXED_4_BYTES', 'FIXED_4_ANOTHER_NAME', 'NAME_MISMATCH', '/name', 'Fixed'),
    reject('A_DINT_B_DENUM_1_RECORD1', 'A_DINT_B_DENUM_2_RECORD1', 'NAME_MISMATCH', '/fields/1/type/name', 'Record1.b'),
    // FIXED_SIZE_MISMATCH
    reject('FIXED_4_BYTES', 'FIXED_8_BYTES', 'FIXED_SIZE_MISMATCH', '/size', 'Fixed'),
    reject('FIXED_8_BYTES', 'FIXED_4_BYTES', 'FIXED_SIZE_MISMATCH', '/size', 'Fixed'),
    reject('A_DINT_B_DFIXED_8_BYTES_RECORD1', 'A_DINT_B_DFIXED_4_BYTES_RECORD1', 'FIXED_SIZE_MISMATCH', '/fields/1/type/size', 'Record1.b'),
    reject('A_DINT_B_DFIXED_4_BYTES_RECORD1', 'A_DINT_B_DFIXED_8_BYTES_RECORD1', 'FIXED_SIZE_MISMATCH', '/fields/1/type/size', 'Record1.b'),
    // MISSING_ENUM_SYMBOLS: only an enum-level default stands in, never the field's default
    reject('ENUM1_AB', 'ENUM1_ABC', 'MISSING_ENUM_SYMBOLS', '/symbols', 'Enum1'),
    reject('ENUM1_BC', 'ENUM1_ABC', 'MISSING_ENUM_SYMBOLS', '/symbols', 'Enum1'),
    reject('RECORD1_WITH_ENUM_AB', 'RECORD1_WITH_ENUM_ABC', 'MISSING_ENUM_SYMBOLS', '/fields/0/type/symbols', 'Record1.field1'),
    reject('ENUM_AB_FIELD_DEFAULT_A_RECORD', 'ENUM_ABC_FIELD_DEFAULT_A_RECORD', 'MISSING_ENUM_SYMBOLS', '/fields/0/type/symbols', 'Record.Field'),
    reject('ENUM_AB', 'ENUM_ABC_ENUM_DEFAULT_A', 'MISSING_ENUM_SYMBOLS', '/symbols', 'Enum'),
    // READER_FIELD_MISSING_DEFAULT_VALUE
    reject('A_INT_RECORD1', 'EMPTY_RECORD1', 'READER_FIELD_MISSING_DEFAULT_VALUE', '/fields/0', 'Record1.a'),
    reject('A_INT_B_DINT_RECORD1', 'EMPTY_RECORD1', 'READER_FIELD_MISSING_DEFAULT_VALUE', '/fields/0', 'Record1.a'),
    reject('A_INT_B_INT_RECORD1', 'A_INT_RECORD1', 'READER_FIELD_MISSING_DEFAULT_VALUE', '/fields/1', 'Record1.b'),
    // MISSING_UNION_BRANCH: a writer union needs every branch readable; a reader union some branch
    reject('INT_UNION', 'INT_STRING_UNION', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('STRING_UNION', 'INT_STRING_UNION', 'MISSING_UNION_BRANCH', '/0', 'union'),
    reject('INT_UNION', 'UNION_INT_RECORD1', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('INT_UNION', 'UNION_INT_ENUM1_AB', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('INT_UNION', 'UNION_INT_FIXED_4_BYTES', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('INT_UNION', 'UNION_INT_BOOLEAN', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('LONG_UNION', 'UNION_INT_ARRAY_INT', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('FLOAT_UNION', 'UNION_INT_MAP_INT', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('INT_UNION', 'UNION_INT_NULL', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('FLOAT_UNION', 'UNION_INT_DOUBLE', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('UNION_INT_RECORD1', 'UNION_INT_RECORD2', 'MISSING_UNION_BRANCH', '/1', 'union'),
    reject('NULL_UNION', 'INT', 'MISSING_UNION_BRANCH', '/', 'union'),
    // a reader `[]` reads nothing: every writer that has a value is missing from it
    reject('EMPTY_UNION', 'INT', 'MISSING_UNION_BRANCH', '/', 'union'),
    reject('EMPTY_UNION', 'NULL', 'MISSING_UNION_BRANCH', '/', 'union'),
    reject('EMPTY_UNION', 'A_INT_RECORD1', 'MISSING_UNION_BRANCH', '/', 'union'),
    reject('EMPTY_UNION', 'INT_UNION', 'MISSING_UNION_BRANCH', '/0', 'union'),
    reject('EMPTY_UNION_ARRAY', 'INT_ARRAY', 'MISSING_UNION_BRANCH', '/items', 'array[]'),
    reject('A_EMPTY_UNION_RECORD1', 'A_INT_RECORD1', 'MISSING_UNION_BRANCH', '/fields/0/type', 'Record1.a'),
    reject('A_EMPTY_UNION_RECORD1', 'EMPTY_RECORD1', 'READER_FIELD_MISSING_DEFAULT_VALUE', '/fields/0', 'Record1.a'),
    reject('INT_UNION', 'LONG', 'MISSING_UNION_BRANCH', '/', 'union'),
    reject('A_DINT_B_DINT_UNION_RECORD1', 'A_DINT_B_DINT_STRING_UNION_RECORD1', 'MISSING_UNION_BRANCH', '/fields/1/type/1', 'Record1.b'),
  ];

  it.each(incompatible)('%s', (_name, reader, writer, type, location, path) => {
    const result = checkReaderWriter(reader as object, writer as object);
    expect(result.compatible).toBe(false);
    expect(result.incompatibilities).toHaveLength(1);
    const [found] = result.incompatibilities;
    expect({ type: found.type, location: found.location, path: found.path }).toEqual({ type, location, path });
    expect(found.message).toContain(`'${path}'`);
    expect(found.message).toContain(`(${type})`);
  });
});

describe('checkReaderWriter: messages', () => {
  const orderPlacedV1 = record(
    'OrderPlaced',
    [
      { name: 'orderId', type: 'string' },
      { name: 'quantity', type: 'long' },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    ],
    { namespace: 'retail.orders' },
  );
  const orderPlacedV2 = record(
    'OrderPlaced',
    [
      { name: 'orderId', type: 'string' },
      { name: 'quantity', type: 'int' },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
      { name: 'loyaltyTier', type: 'string' },
    ],
    { namespace: 'retail.orders' },
  );

  it('lists every incompatibility, each naming the field path and the rule', () => {
    const messages = checkReaderWriter(orderPlacedV2, orderPlacedV1).incompatibilities.map((i) => i.message);
    expect(messages).toEqual([
      "at 'OrderPlaced.quantity' the reader type int cannot read the writer type long (TYPE_MISMATCH)",
      "at 'OrderPlaced.status' the reader enum 'retail.orders.Status' lacks the writer's symbols [SHIPPED] and declares no default symbol (MISSING_ENUM_SYMBOLS)",
      "reader field 'OrderPlaced.loyaltyTier' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)",
    ]);
  });

  it('names paths through arrays, maps and optional records', () => {
    const line = (skuType: string) =>
      record('OrderLine', [
        { name: 'sku', type: skuType },
        { name: 'attributes', type: { type: 'map', values: skuType } },
      ]);
    const order = (skuType: string) =>
      record('Order', [
        { name: 'lines', type: { type: 'array', items: line(skuType) } },
        { name: 'gift', type: ['null', record('Gift', [{ name: 'note', type: skuType }])], default: null },
      ]);
    const paths = checkReaderWriter(order('int'), order('string')).incompatibilities.map((i) => i.path);
    expect(paths).toEqual(['Order.lines[].sku', 'Order.lines[].attributes{}', 'Order.gift']);
  });

  it('explains a missing union branch by the branch of the same name', () => {
    const customer = (fields: object[]) => ['null', record('Customer', fields)];
    const reader = record('OrderPlaced', [{ name: 'customer', type: customer([{ name: 'id', type: 'string' }, { name: 'tier', type: 'int' }]), default: null }]);
    const writer = record('OrderPlaced', [{ name: 'customer', type: customer([{ name: 'id', type: 'string' }]), default: null }]);
    const [found] = checkReaderWriter(reader, writer).incompatibilities;
    expect(found.type).toBe('MISSING_UNION_BRANCH');
    expect(found.causes?.map((c) => c.message)).toEqual([
      "reader field 'OrderPlaced.customer.tier' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)",
    ]);
    expect(found.message).toContain("reader field 'OrderPlaced.customer.tier' has no default");
  });

  it('reports each unreadable branch of a writer union read by a plain reader', () => {
    const result = checkReaderWriter('int', ['null', 'int', 'string']);
    expect(result.incompatibilities.map((i) => i.message)).toEqual([
      "at 'int' the reader type int cannot read the writer type null (TYPE_MISMATCH)",
      "at 'int' the reader type int cannot read the writer type string (TYPE_MISMATCH)",
    ]);
  });
});

describe('checkReaderWriter: aliases and namespaces', () => {
  it('matches a renamed record through a reader alias (full name of the writer)', () => {
    const writer = record('Client', [{ name: 'id', type: 'string' }], { namespace: 'retail' });
    const reader = record('Customer', [{ name: 'id', type: 'string' }], { namespace: 'retail', aliases: ['Client'] });
    expect(checkReaderWriter(reader, writer).compatible).toBe(true);
    // a writer alias does not help: only the reader's aliases rename the writer's names
    expect(checkReaderWriter(writer, reader).incompatibilities.map((i) => i.type)).toEqual(['NAME_MISMATCH']);
  });

  it('resolves an unqualified alias against the reader namespace, as Java does', () => {
    const writer = record('Client', [], { namespace: 'legacy' });
    const reader = record('Customer', [], { namespace: 'retail', aliases: ['Client'] });
    expect(checkReaderWriter(reader, writer).compatible).toBe(false);
    const qualified = record('Customer', [], { namespace: 'retail', aliases: ['legacy.Client'] });
    expect(checkReaderWriter(qualified, writer).compatible).toBe(true);
  });

  it('matches renamed enums and fixed types through aliases', () => {
    const writerEnum = { type: 'enum', name: 'Colour', symbols: ['RED'] };
    const readerEnum = { type: 'enum', name: 'Color', symbols: ['RED'], aliases: ['Colour'] };
    expect(checkReaderWriter(readerEnum, writerEnum).compatible).toBe(true);
    const writerFixed = { type: 'fixed', name: 'Md5', size: 16 };
    const readerFixed = { type: 'fixed', name: 'Digest', size: 16, aliases: ['Md5'] };
    expect(checkReaderWriter(readerFixed, writerFixed).compatible).toBe(true);
  });

  it('matches a renamed field through a reader field alias', () => {
    const writer = record('Order', [{ name: 'total', type: 'long' }]);
    const reader = record('Order', [{ name: 'totalMinor', type: 'long', aliases: ['total'] }]);
    expect(checkReaderWriter(reader, writer).compatible).toBe(true);
    expect(checkReaderWriter(writer, reader).incompatibilities.map((i) => i.message)).toEqual([
      "reader field 'Order.total' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)",
    ]);
  });

  it('reports a reader field whose name and alias match two writer fields', () => {
    const writer = record('Order', [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }]);
    const reader = record('Order', [{ name: 'a', type: 'int', aliases: ['b'] }]);
    const [found] = checkReaderWriter(reader, writer).incompatibilities;
    expect(found.type).toBe('NAME_MISMATCH');
    expect(found.message).toContain("reader field 'Order.a' matches several writer fields (a, b)");
  });

  it.each([
    ['top-level record', record('OrderPlaced', [], { namespace: 'v1' }), record('OrderPlaced', [], { namespace: 'v2' })],
    ['enum', { type: 'enum', name: 'v1.Status', symbols: ['A'] }, { type: 'enum', name: 'v2.Status', symbols: ['A'] }],
    ['fixed', { type: 'fixed', name: 'v1.Id', size: 4 }, { type: 'fixed', name: 'v2.Id', size: 4 }],
    ['record without namespace vs with', record('Record', []), record('ns.Record', [])],
  ])('ignores namespace-only differences: %s', (_name, reader, writer) => {
    expect(checkReaderWriter(reader, writer).compatible).toBe(true);
    expect(checkReaderWriter(writer, reader).compatible).toBe(true);
  });
});

describe('checkReaderWriter: logical types', () => {
  const decimal = (precision: number, scale: number) => ({ type: 'bytes', logicalType: 'decimal', precision, scale });
  const fixedDecimal = (precision: number, scale: number) => ({ type: 'fixed', name: 'Amount', size: 8, logicalType: 'decimal', precision, scale });

  it.each([
    ['same decimal', decimal(9, 2), decimal(9, 2), true],
    ['other scale', decimal(9, 3), decimal(9, 2), false],
    ['other precision', decimal(12, 2), decimal(9, 2), false],
    ['fixed decimals with other scales', fixedDecimal(9, 3), fixedDecimal(9, 2), false],
    ['fixed decimals alike', fixedDecimal(9, 2), fixedDecimal(9, 2), true],
    ['plain bytes reads a decimal', 'bytes', decimal(9, 2), true],
    ['decimal reads plain bytes', decimal(9, 2), 'bytes', true],
    ['decimal reads a string (bytes promotion)', decimal(9, 2), 'string', true],
    ['invalid decimal (scale > precision) is plain bytes', { type: 'bytes', logicalType: 'decimal', precision: 2, scale: 3 }, decimal(9, 2), true],
    ['timestamp-millis reads date (long reads int)', { type: 'long', logicalType: 'timestamp-millis' }, { type: 'int', logicalType: 'date' }, true],
    ['date cannot read timestamp-millis (int cannot read long)', { type: 'int', logicalType: 'date' }, { type: 'long', logicalType: 'timestamp-millis' }, false],
    ['uuid string reads plain string', { type: 'string', logicalType: 'uuid' }, 'string', true],
  ])('%s', (_name, reader, writer, compatible) => {
    const result = checkReaderWriter(reader as object, writer as object);
    expect(result.compatible).toBe(compatible);
  });

  it('says why two decimals do not match', () => {
    const [found] = checkReaderWriter(record('Line', [{ name: 'qty', type: decimal(9, 3) }]), record('Line', [{ name: 'qty', type: decimal(9, 2) }])).incompatibilities;
    expect(found.message).toBe(
      "at 'Line.qty' the reader decimal(9,3) bytes cannot read the writer decimal(9,2) bytes: decimals must agree on precision and scale (TYPE_MISMATCH)",
    );
  });
});

describe('checkReaderWriter: recursive records', () => {
  const tree = (valueType: string, extraField?: object) =>
    record('Category', [
      { name: 'name', type: valueType },
      { name: 'children', type: { type: 'array', items: 'Category' } },
      { name: 'parent', type: ['null', 'Category'], default: null },
      ...(extraField ? [extraField] : []),
    ]);

  it('terminates and accepts a compatible recursive evolution', () => {
    expect(checkReaderWriter(tree('bytes', { name: 'rank', type: 'int', default: 0 }), tree('string')).compatible).toBe(true);
  });

  it('finds an incompatibility below the recursion once, at its first path', () => {
    const result = checkReaderWriter(tree('int'), tree('string'));
    expect(result.incompatibilities.map((i) => i.path)).toEqual(['Category.name']);
  });

  it('handles mutually recursive records', () => {
    const schema = (idType: string) =>
      record('Person', [
        { name: 'id', type: idType },
        { name: 'employer', type: ['null', record('Company', [{ name: 'owner', type: ['null', 'Person'], default: null }])], default: null },
      ]);
    expect(checkReaderWriter(schema('long'), schema('int')).compatible).toBe(true);
    expect(checkReaderWriter(schema('int'), schema('long')).compatible).toBe(false);
  });
});

describe('checkReaderWriter agrees with avsc resolution on every pair of the Java-modelled schemas', () => {
  // avsc decides resolution eagerly in createResolver; with ignoreNamespaces it follows current Java.
  // avsc cannot build a type with an empty union; those pairs are Java's cases above.
  const corpus = Object.entries(S).filter(([name]) => !name.includes('EMPTY_UNION'));
  const cases = corpus.flatMap(([readerName, reader]) => corpus.map(([writerName, writer]) => [readerName, writerName, reader, writer] as const));

  it(`${cases.length} pairs`, () => {
    const disagreements: string[] = [];
    for (const [readerName, writerName, reader, writer] of cases) {
      const readerType = avro.Type.forSchema(reader as avro.Schema);
      const writerType = avro.Type.forSchema(writer as avro.Schema);
      let avscCompatible = true;
      try {
        readerType.createResolver(writerType, { ignoreNamespaces: true } as never);
      } catch {
        avscCompatible = false;
      }
      const ours = checkReaderWriter(reader as object, writer as object).compatible;
      if (ours !== avscCompatible) disagreements.push(`${readerName} <- ${writerName}: ours ${ours}, avsc ${avscCompatible}`);
    }
    expect(disagreements).toEqual([]);
  });
});
