import { COMPATIBILITY_LEVELS, CompatibilityLevel, checkCompatibility, isCompatibilityLevel } from './levels';

const order = (fields: object[]) => ({ type: 'record', name: 'OrderPlaced', namespace: 'retail.orders', fields });
const orderId = { name: 'orderId', type: 'string' };
const channel = (extra: object = {}) => ({ name: 'channel', type: 'string', ...extra });
const note = (extra: object = {}) => ({ name: 'note', type: 'string', ...extra });

// v1 → v2 adds `channel` with a default; v3 drops it and adds `note` without a default.
const v1 = order([orderId]);
const v2 = order([orderId, channel({ default: 'web' })]);
const v3 = order([orderId, note()]);

describe('checkCompatibility by level', () => {
  type Case = [level: CompatibilityLevel, candidate: object, previous: object[], compatible: boolean];
  const cases: Case[] = [
    // a field added with a default: readable both ways
    ['BACKWARD', v2, [v1], true],
    ['FORWARD', v2, [v1], true],
    ['FULL', v2, [v1], true],
    // a field added without a default: new readers cannot read old data, old readers ignore it
    ['BACKWARD', order([orderId, channel()]), [v1], false],
    ['FORWARD', order([orderId, channel()]), [v1], true],
    ['FULL', order([orderId, channel()]), [v1], false],
    // a field without default removed: new readers skip it, old readers miss it
    ['BACKWARD', v1, [order([orderId, channel()])], true],
    ['FORWARD', v1, [order([orderId, channel()])], false],
    ['FULL', v1, [order([orderId, channel()])], false],
    // the non-transitive levels look at the latest only; v3 vs v2: new reader lacks `note`
    ['BACKWARD', v3, [v1, v2], false],
    ['NONE', v3, [v1, v2], true],
    // a chain that is fine step by step but not across: v1 → v2' (note with default) → v3' (note without default, channel gone)
    ['BACKWARD', order([orderId, note()]), [order([orderId, channel()]), order([orderId, note({ default: '' })])], true],
    ['BACKWARD_TRANSITIVE', order([orderId, note()]), [order([orderId, channel()]), order([orderId, note({ default: '' })])], false],
    ['FORWARD', order([orderId]), [order([orderId, note()]), order([orderId, note({ default: '' })])], true],
    ['FORWARD_TRANSITIVE', order([orderId]), [order([orderId, note()]), order([orderId, note({ default: '' })])], false],
    ['FULL', order([orderId, channel({ default: '' })]), [order([orderId, note()]), order([orderId, note({ default: '' })])], true],
    ['FULL_TRANSITIVE', order([orderId, channel({ default: '' })]), [order([orderId, note()]), order([orderId, note({ default: '' })])], false],
    // the first version of a subject is always accepted
    ...COMPATIBILITY_LEVELS.map((level): Case => [level, v3, [], true]),
  ];

  it.each(cases)('%s: candidate vs %#', (level, candidate, previous, compatible) => {
    const report = checkCompatibility(level, candidate, previous);
    expect(report.compatible).toBe(compatible);
    expect(report.incompatibilities.length === 0).toBe(compatible);
    expect(report.messages).toHaveLength(report.incompatibilities.length);
  });

  it('says which previous schema and which direction failed, naming the field', () => {
    const report = checkCompatibility('FULL_TRANSITIVE', order([orderId, channel()]), [v1, v2], {
      describePrevious: (index) => `version ${index + 1}`,
    });
    expect(report.messages).toEqual([
      "BACKWARD: the new schema cannot read data written with version 1: reader field 'OrderPlaced.channel' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)",
    ]);
    expect(report.incompatibilities[0]).toMatchObject({ direction: 'BACKWARD', previousIndex: 0, path: 'OrderPlaced.channel' });
  });

  it('reports FORWARD problems with the previous schema as the reader', () => {
    const report = checkCompatibility('FORWARD', v1, [order([orderId, channel()])]);
    expect(report.messages).toEqual([
      "FORWARD: previous schema #1 cannot read data written with the new schema: reader field 'OrderPlaced.channel' has no default and the writer does not have it (READER_FIELD_MISSING_DEFAULT_VALUE)",
    ]);
  });

  it('rejects an unknown level', () => {
    expect(isCompatibilityLevel('BACKWARDS')).toBe(false);
    expect(isCompatibilityLevel('FULL_TRANSITIVE')).toBe(true);
    expect(() => checkCompatibility('BACKWARDS' as CompatibilityLevel, v1, [])).toThrow(/unknown compatibility level/);
  });
});
