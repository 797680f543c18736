import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNetwork } from './network';

const write = (text: string) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'network-')), 'network.yaml');
  writeFileSync(file, text);
  return file;
};

describe('stock network configuration', () => {
  it('loads the shipped network: four kinds of location, quantities in thousandths, rules per channel', () => {
    const network = loadNetwork(path.join(__dirname, '..', '..', 'config', 'network.yaml'));
    expect(new Set([...network.locations.values()].map((location) => location.kind))).toEqual(new Set(['store', 'warehouse', 'drop_ship', 'in_transit']));
    expect(network.safetyStock('store-berlin-01')).toBe(1000);
    expect(network.sourcingRule('amazon-de', 'eu-north')).toMatchObject({ preference: ['warehouse'], split: false });
    expect(network.distance('eu-north', 'eu-west')).toBe(1);
    expect(network.distance('eu-west', 'eu-north')).toBe(1);
    expect(network.distance('eu-north', 'us-east')).toBe(100);
  });

  it('a region key overrides the channel default', () => {
    const network = loadNetwork(
      write(`
locations:
  - { id: wh-1, kind: warehouse, region: r1, brand: b, channels: [web] }
channels:
  web:
    sourcing:
      default: { preference: [warehouse], shipFromStore: false, dropShip: false, split: false, inTransit: false }
      r2: { preference: [warehouse], shipFromStore: false, dropShip: false, split: true, inTransit: false }
    reservationExpirySeconds: 60
`),
    );
    expect(network.sourcingRule('web', 'r1')?.split).toBe(false);
    expect(network.sourcingRule('web', 'r2')?.split).toBe(true);
    expect(network.channel('web')?.allocation).toEqual({ kind: 'shared', ringFenced: 0 });
  });

  it('a bad file stops the start naming every field that is wrong', () => {
    const file = write(`
locations:
  - { id: wh-1, kind: depot, region: r1, brand: b, channels: [web] }
  - { id: wh-1, kind: warehouse, region: r1, brand: b, channels: [nowhere], safetyStock: "1.23456" }
  - { id: tr-1, kind: in_transit, region: r1, brand: b, channels: [web] }
channels:
  web:
    sourcing:
      default: { preference: [warehouse], shipFromStore: false, dropShip: false, split: false, inTransit: false }
    reservationExpirySeconds: 0
`);
    expect(() => loadNetwork(file)).toThrow(
      new RegExp(
        [
          'locations.0.kind: Invalid enum value',
          'locations.1.safetyStock: must be a decimal quantity',
          'locations.2.expectedArrival: an in_transit location needs expectedArrival',
          'channels.web.reservationExpirySeconds: Number must be greater than 0',
        ]
          .map((part) => part.replace(/\./g, '\\.'))
          .join('.*'),
      ),
    );
  });

  it('duplicate locations and unknown channels are refused', () => {
    const file = write(`
locations:
  - { id: wh-1, kind: warehouse, region: r1, brand: b, channels: [web] }
  - { id: wh-1, kind: warehouse, region: r1, brand: b, channels: [nowhere] }
channels:
  web:
    sourcing:
      default: { preference: [warehouse], shipFromStore: false, dropShip: false, split: false, inTransit: false }
    reservationExpirySeconds: 60
`);
    expect(() => loadNetwork(file)).toThrow(/locations\.1\.id: duplicate location wh-1; locations\.1\.channels\.0: unknown channel nowhere/);
  });
});
