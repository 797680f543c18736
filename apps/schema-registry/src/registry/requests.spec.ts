import { RegistryError } from './errors';
import { parseCompatibilityRequest, parseModeRequest, parseSchemaId, parseSchemaRequest, parseVersion, validateSubject } from './requests';

const codeOf = (work: () => unknown): number | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return (error as RegistryError).errorCode;
  }
};

describe('request parsing', () => {
  it.each([
    ['1', 1],
    ['2147483647', 2147483647],
    ['latest', 'latest'],
    ['-1', 'latest'],
  ])('reads version %s', (raw, expected) => {
    expect(parseVersion(raw)).toBe(expected);
  });

  it.each(['0', '-2', '2147483648', '1.5', 'LATEST', '', ' 1'])('refuses version %j with 42202', (raw) => {
    expect(codeOf(() => parseVersion(raw))).toBe(42202);
  });

  it.each(['0', 'x', '1e3', '-1'])('answers 40403 for schema id %j', (raw) => {
    expect(codeOf(() => parseSchemaId(raw))).toBe(40403);
  });

  it.each(['', '__GLOBAL', 'a\nb', 'tab\there'])('refuses subject %j with 42208', (subject) => {
    expect(codeOf(() => validateSubject(subject))).toBe(42208);
  });

  it('accepts the register body with or without schemaType and references', () => {
    expect(parseSchemaRequest({ schema: '"int"' })).toEqual({ schema: '"int"', schemaType: 'AVRO', references: [] });
    expect(parseSchemaRequest({ schema: '"int"', schemaType: 'avro', references: [{ name: 'a.B', subject: 's', version: 2 }] })).toEqual({
      schema: '"int"',
      schemaType: 'AVRO',
      references: [{ name: 'a.B', subject: 's', version: 2 }],
    });
  });

  it.each([
    [null],
    ['just a string'],
    [{ schema: '"int"', references: 'nope' }],
    [{ schema: '"int"', references: [{ name: 'x', subject: 's', version: 0 }] }],
    [{ schema: '"int"', schemaType: 'JSON' }],
    [{ schema: '"int"', id: -4 }],
  ])('refuses body %j with 42201', (body) => {
    expect(codeOf(() => parseSchemaRequest(body))).toBe(42201);
  });

  it('reads compatibility levels case-insensitively, from either key', () => {
    expect(parseCompatibilityRequest({ compatibility: 'backward_transitive' })).toBe('BACKWARD_TRANSITIVE');
    expect(parseCompatibilityRequest({ compatibilityLevel: 'NONE' })).toBe('NONE');
    expect(codeOf(() => parseCompatibilityRequest({ compatibility: 'TRANSITIVE' }))).toBe(42203);
    expect(codeOf(() => parseCompatibilityRequest(undefined))).toBe(42203);
  });

  it('reads modes', () => {
    expect(parseModeRequest({ mode: 'readonly' })).toBe('READONLY');
    expect(codeOf(() => parseModeRequest({ mode: 'OFF' }))).toBe(42204);
  });
});
