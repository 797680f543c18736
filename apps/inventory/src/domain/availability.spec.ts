import { projectSku, promiseKey } from './availability';
import { Network, networkSchema } from './network';

const network = new Network(
  networkSchema.parse({
    locations: [
      { id: 'wh-1', kind: 'warehouse', region: 'north', brand: 'b', channels: ['web', 'market'] },
      { id: 'store-1', kind: 'store', region: 'north', brand: 'b', channels: ['web'], safetyStock: '1' },
      { id: 'transit-1', kind: 'in_transit', region: 'north', brand: 'b', channels: ['web'], expectedArrival: '2026-12-10T08:00:00Z' },
    ],
    channels: {
      web: {
        sourcing: {
          default: { preference: ['warehouse', 'store', 'in_transit'], shipFromStore: true, dropShip: false, split: true, inTransit: false },
          south: { preference: ['warehouse', 'store', 'in_transit'], shipFromStore: true, dropShip: false, split: true, inTransit: true },
        },
        reservationExpirySeconds: 60,
      },
      market: {
        sourcing: { default: { preference: ['warehouse'], shipFromStore: false, dropShip: false, split: false, inTransit: false } },
        reservationExpirySeconds: 60,
        allocation: { kind: 'percentage', percent: 50 },
      },
    },
  }),
);
const row = (locationId: string, onHand: number, extra: Partial<{ reserved: number; committed: number; unavailable: number; inbound: number }> = {}) => ({
  locationId,
  onHand,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  inbound: 0,
  ...extra,
});

describe('the availability projection of a SKU', () => {
  const projected = projectSku(network, [row('wh-1', 10_000, { reserved: 2_000, unavailable: 1_000 }), row('transit-1', 5_000), row('store-1', 3_000), row('gone', 9_000)]);

  it('holds each location of the network (by id) with its parts formatted, in transit with its arrival', () => {
    expect(projected.locations.map((location) => location.locationId)).toEqual(['store-1', 'transit-1', 'wh-1']);
    expect(projected.locations[2]).toEqual({
      locationId: 'wh-1',
      kind: 'warehouse',
      region: 'north',
      onHand: '10',
      reserved: '2',
      committed: '0',
      unavailable: '1',
      safetyStock: '0',
      inbound: '0',
      available: '7',
    });
    expect(projected.locations[0]).toMatchObject({ safetyStock: '1', available: '2' });
    expect(projected.locations[1]).toMatchObject({ expectedArrival: '2026-12-10T08:00:00Z' });
  });

  it('holds available to promise per channel, and per region with its own sourcing rule', () => {
    // web: wh-1 7 + store-1 2 (in transit not counted); in the south it is: + 5; market: half of wh-1.
    expect(projected.promise).toEqual({ web: '9', 'web@south': '14', market: '3.5' });
    expect(promiseKey(network, 'web', 'south')).toBe('web@south');
    expect(promiseKey(network, 'web', 'north')).toBe('web');
    expect(promiseKey(network, 'market', 'south')).toBe('market');
  });

  it("draws each channel's allocation down by what it holds: market's 2 held of wh-1's reserved 2 leave it half of 9, less 2", () => {
    expect(projectSku(network, [row('wh-1', 10_000, { reserved: 2_000, unavailable: 1_000 })], { market: 2_000 }).promise).toMatchObject({ web: '7', market: '2.5' });
  });

  it('a SKU without positions promises 0 everywhere', () => {
    expect(projectSku(network, [])).toEqual({ locations: [], promise: { web: '0', 'web@south': '0', market: '0' } });
  });
});
