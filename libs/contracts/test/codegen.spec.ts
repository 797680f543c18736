import { generateContracts, loadRepository, tsType } from '../src/tooling';
import { TIMESTAMP, parcelWeighed, sourceWith } from './fixtures';

describe('contract code generation', () => {
  it.each<[unknown, string]>([
    ['string', 'string'],
    ['long', 'number'],
    ['int', 'number'],
    ['boolean', 'boolean'],
    ['bytes', 'Buffer'],
    [TIMESTAMP, 'Date'],
    [['null', 'string'], 'string | null'],
    [['null', TIMESTAMP], 'Date | null'],
    [{ type: 'array', items: 'com.omnibus.common.Money' }, 'Money[]'],
    [{ type: 'array', items: ['null', 'string'] }, 'Array<string | null>'],
    [{ type: 'map', values: 'long' }, 'Record<string, number>'],
  ])('maps %j to %s', (schema, typescript) => {
    expect(tsType(schema)).toBe(typescript);
  });

  it('generates an interface, a contract and catalogue entries for an event', () => {
    const files = generateContracts(loadRepository(sourceWith(parcelWeighed())));
    const events = files.get('events.ts')!;
    expect(events).toContain('export interface ParcelWeighed {\n  /** Parcel id. */\n  parcelId: string;');
    expect(events).toContain(
      "export const ParcelWeighed: EventContract<ParcelWeighed, 'com.omnibus.shipment.ParcelWeighed'> = defineContract(",
    );
    expect(files.get('types.ts')).toContain("export type ParcelSize = 'SMALL' | 'LARGE' | 'OTHER';");
    expect(files.get('catalogue.ts')).toContain("subject: 'retail.parcels-com.omnibus.shipment.ParcelWeighed',");
    expect(files.get('catalogue.ts')).toContain("export const topics = {\n  retailParcels: 'retail.parcels',\n} as const;");
  });

  it('marks deprecated fields with @deprecated so editors strike them through', () => {
    const files = generateContracts(
      loadRepository(sourceWith(parcelWeighed([{ name: 'label', type: 'string', doc: 'Label.', default: '', deprecated: 'use labelUrl' }]))),
    );
    expect(files.get('events.ts')).toContain('  /**\n   * Label.\n   * @deprecated use labelUrl\n   */\n  label: string;');
  });
});
