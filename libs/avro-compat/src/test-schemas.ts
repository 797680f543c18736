// Schemas for the unit tests, modelled on Avro's own `TestSchemas` (lang/java) so that the
// pairs in the tests read like the Java suite's cases.

const record = (name: string, fields: object[], extra: object = {}) => ({ type: 'record', name, fields, ...extra });
const field = (name: string, type: unknown, extra: object = {}) => ({ name, type, ...extra });
const enumOf = (name: string, symbols: string[], extra: object = {}) => ({ type: 'enum', name, symbols, ...extra });

export const NULL = 'null';
export const BOOLEAN = 'boolean';
export const INT = 'int';
export const LONG = 'long';
export const FLOAT = 'float';
export const DOUBLE = 'double';
export const STRING = 'string';
export const BYTES = 'bytes';

export const INT_ARRAY = { type: 'array', items: 'int' };
export const LONG_ARRAY = { type: 'array', items: 'long' };
export const STRING_ARRAY = { type: 'array', items: 'string' };
export const INT_MAP = { type: 'map', values: 'int' };
export const LONG_MAP = { type: 'map', values: 'long' };
export const STRING_MAP = { type: 'map', values: 'string' };

export const ENUM1_AB = enumOf('Enum1', ['A', 'B']);
export const ENUM1_ABC = enumOf('Enum1', ['A', 'B', 'C']);
export const ENUM1_BC = enumOf('Enum1', ['B', 'C']);
export const ENUM2_AB = enumOf('Enum2', ['A', 'B']);
export const ENUM_ABC_ENUM_DEFAULT_A = enumOf('Enum', ['A', 'B', 'C'], { default: 'A' });
export const ENUM_AB_ENUM_DEFAULT_A = enumOf('Enum', ['A', 'B'], { default: 'A' });
export const ENUM_AB = enumOf('Enum', ['A', 'B']);
export const ENUM_ABC = enumOf('Enum', ['A', 'B', 'C']);
export const ENUM_AB_ENUM_DEFAULT_A_RECORD = record('Record', [field('Field', ENUM_AB_ENUM_DEFAULT_A)]);
export const ENUM_ABC_ENUM_DEFAULT_A_RECORD = record('Record', [field('Field', ENUM_ABC_ENUM_DEFAULT_A)]);
export const ENUM_AB_FIELD_DEFAULT_A_RECORD = record('Record', [field('Field', ENUM_AB, { default: 'A' })]);
export const ENUM_ABC_FIELD_DEFAULT_A_RECORD = record('Record', [field('Field', ENUM_ABC, { default: 'A' })]);
export const ENUM_AB_FIELD_DEFAULT_A_ENUM_DEFAULT_B_RECORD = record('Record', [
  field('Field', enumOf('Enum', ['A', 'B'], { default: 'B' }), { default: 'A' }),
]);
export const ENUM_ABC_FIELD_DEFAULT_B_ENUM_DEFAULT_A_RECORD = record('Record', [
  field('Field', enumOf('Enum', ['A', 'B', 'C'], { default: 'A' }), { default: 'B' }),
]);

// Java parses `[]`: a union with no branches, a type with no values.
export const EMPTY_UNION: unknown[] = [];
export const EMPTY_UNION_ARRAY = { type: 'array', items: [] };
export const A_EMPTY_UNION_RECORD1 = record('Record1', [field('a', [])]);
export const NULL_UNION = ['null'];
export const INT_UNION = ['int'];
export const LONG_UNION = ['long'];
export const FLOAT_UNION = ['float'];
export const DOUBLE_UNION = ['double'];
export const STRING_UNION = ['string'];
export const BYTES_UNION = ['bytes'];
export const INT_STRING_UNION = ['int', 'string'];
export const STRING_INT_UNION = ['string', 'int'];
export const INT_FLOAT_UNION = ['int', 'float'];
export const INT_LONG_UNION = ['int', 'long'];
export const INT_LONG_FLOAT_DOUBLE_UNION = ['int', 'long', 'float', 'double'];
export const NULL_INT_ARRAY_UNION = ['null', INT_ARRAY];
export const NULL_INT_MAP_UNION = ['null', INT_MAP];

export const FIXED_4_BYTES = { type: 'fixed', name: 'Fixed', size: 4 };
export const FIXED_8_BYTES = { type: 'fixed', name: 'Fixed', size: 8 };
export const FIXED_4_ANOTHER_NAME = { type: 'fixed', name: 'AnotherName', size: 4 };

export const EMPTY_RECORD1 = record('Record1', []);
export const EMPTY_RECORD2 = record('Record2', []);
export const A_INT_RECORD1 = record('Record1', [field('a', 'int')]);
export const A_LONG_RECORD1 = record('Record1', [field('a', 'long')]);
export const A_INT_B_INT_RECORD1 = record('Record1', [field('a', 'int'), field('b', 'int')]);
export const A_DINT_RECORD1 = record('Record1', [field('a', 'int', { default: 0 })]);
export const A_INT_B_DINT_RECORD1 = record('Record1', [field('a', 'int'), field('b', 'int', { default: 0 })]);
export const A_DINT_B_DINT_RECORD1 = record('Record1', [field('a', 'int', { default: 0 }), field('b', 'int', { default: 0 })]);
export const A_DINT_B_DFIXED_4_BYTES_RECORD1 = record('Record1', [
  field('a', 'int', { default: 0 }),
  field('b', FIXED_4_BYTES, { default: '\u0000\u0000\u0000\u0000' }),
]);
export const A_DINT_B_DFIXED_8_BYTES_RECORD1 = record('Record1', [
  field('a', 'int', { default: 0 }),
  field('b', FIXED_8_BYTES, { default: '\u0000'.repeat(8) }),
]);
export const A_DINT_B_DINT_STRING_UNION_RECORD1 = record('Record1', [
  field('a', 'int', { default: 0 }),
  field('b', INT_STRING_UNION, { default: 0 }),
]);
export const A_DINT_B_DINT_UNION_RECORD1 = record('Record1', [
  field('a', 'int', { default: 0 }),
  field('b', INT_UNION, { default: 0 }),
]);
export const A_DINT_B_DENUM_1_RECORD1 = record('Record1', [
  field('a', 'int', { default: 0 }),
  field('b', ENUM1_AB, { default: 'A' }),
]);
export const A_DINT_B_DENUM_2_RECORD1 = record('Record1', [
  field('a', 'int', { default: 0 }),
  field('b', ENUM2_AB, { default: 'A' }),
]);
export const RECORD1_WITH_ENUM_AB = record('Record1', [field('field1', ENUM1_AB)]);
export const RECORD1_WITH_ENUM_ABC = record('Record1', [field('field1', ENUM1_ABC)]);

export const UNION_INT_RECORD1 = ['int', record('Record1', [field('field1', 'int')])];
export const UNION_INT_RECORD2 = ['int', record('Record2', [field('field1', 'int')])];
export const UNION_INT_ENUM1_AB = ['int', ENUM1_AB];
export const UNION_INT_FIXED_4_BYTES = ['int', FIXED_4_BYTES];
export const UNION_INT_BOOLEAN = ['int', 'boolean'];
export const UNION_INT_ARRAY_INT = ['int', INT_ARRAY];
export const UNION_INT_MAP_INT = ['int', INT_MAP];
export const UNION_INT_NULL = ['int', 'null'];
export const UNION_INT_FLOAT = ['int', 'float'];
export const UNION_INT_DOUBLE = ['int', 'double'];
export const UNION_INT_LONG = ['int', 'long'];

/** A linked list of ints and one of longs: recursive records. */
export const INT_LIST_RECORD = record('List', [field('head', 'int'), field('tail', 'List')]);
export const LONG_LIST_RECORD = record('List', [field('head', 'long'), field('tail', 'List')]);
/** The usual, finite linked list: the tail is optional. */
export const INT_OPTIONAL_LIST_RECORD = record('List', [field('head', 'int'), field('tail', ['null', 'List'], { default: null })]);
export const LONG_OPTIONAL_LIST_RECORD = record('List', [field('head', 'long'), field('tail', ['null', 'List'], { default: null })]);

/** Same names, different namespaces everywhere (Java's NS_RECORD1/NS_RECORD2 case). */
export const NS_RECORD1 = record(
  'Record1',
  [
    field('f1', ['null', { type: 'array', items: record('InnerRecord1', [field('a', 'int')], { namespace: 'ns1' }) }]),
  ],
);
export const NS_RECORD2 = record(
  'Record1',
  [
    field('f1', ['null', { type: 'array', items: record('InnerRecord1', [field('a', 'int')], { namespace: 'ns2' }) }]),
  ],
);
