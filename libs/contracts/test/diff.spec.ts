import { diffSchemas, diffSubject, formatDiff, loadRepository } from '../src/tooling';
import { parcelWeighed, sourceWith } from './fixtures';

const messages = (before: object, after: object) => diffSchemas(before as never, after as never).map((change) => change.message);

describe('omnibus schemas diff', () => {
  it('lists added and removed fields with their types and defaults', () => {
    const before = parcelWeighed([{ name: 'label', type: 'string', doc: 'Label.' }]);
    const after = parcelWeighed([{ name: 'carrierCode', type: ['null', 'string'], default: null, doc: 'Carrier.' }]);
    expect(messages(before, after)).toEqual([
      'field ParcelWeighed.carrierCode added: string?, default null',
      'field ParcelWeighed.label removed (was string, no default)',
    ]);
  });

  it('names type, default, optionality and deprecation changes', () => {
    const before = parcelWeighed([
      { name: 'label', type: 'string', doc: 'Label.', default: '' },
      { name: 'count', type: 'int', doc: 'Count.' },
      { name: 'note', type: 'string', doc: 'Note.' },
    ]);
    const after = parcelWeighed([
      { name: 'label', type: 'string', doc: 'Label.', default: 'none', deprecated: 'use labelUrl' },
      { name: 'count', type: 'long', doc: 'Count.' },
      { name: 'note', type: ['null', 'string'], doc: 'Note.', default: null },
    ]);
    expect(messages(before, after)).toEqual([
      'field ParcelWeighed.label: default "" → default "none"',
      'field ParcelWeighed.label deprecated: use labelUrl',
      'ParcelWeighed.count changed type: int → long',
      'ParcelWeighed.note became optional (string → string?)',
      'field ParcelWeighed.note: no default → default null',
    ]);
  });

  it('lists enum symbols added and removed, once per named type', () => {
    expect(messages(parcelWeighed(), parcelWeighed([], ['SMALL', 'MEDIUM', 'OTHER']))).toEqual([
      'enum ParcelSize: symbol MEDIUM added',
      'enum ParcelSize: symbol LARGE removed',
    ]);
  });

  it('compares released versions with the working copy by subject or event name', () => {
    const v1 = parcelWeighed();
    const v2 = parcelWeighed([{ name: 'label', type: ['null', 'string'], default: null, doc: 'Label.' }]);
    const repository = loadRepository(sourceWith(v2, [v1]));
    const diff = diffSubject(repository, 'ParcelWeighed');
    expect(formatDiff(diff)).toBe(
      ['retail.parcels-com.omnibus.shipment.ParcelWeighed: v1 → current', '  + field ParcelWeighed.label added: string?, default null'].join('\n'),
    );
    expect(diffSubject(repository, 'retail.parcels-com.omnibus.shipment.ParcelWeighed', '1', '1').changes).toEqual([]);
    expect(() => diffSubject(repository, 'ParcelWeighed', '7')).toThrow(/no released version 7 \(released: 1\)/);
    expect(() => diffSubject(repository, 'NoSuchEvent')).toThrow(/unknown subject or event type/);
  });
});
