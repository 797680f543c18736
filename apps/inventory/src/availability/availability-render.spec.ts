import { channelView } from '../domain/channel-view';
import { projectSku } from '../domain/availability';
import { Network, networkSchema } from '../domain/network';
import { ProjectionRow, renderAvailability } from './availability.controller';

const network = new Network(
  networkSchema.parse({
    locations: [
      { id: 'wh-far', kind: 'warehouse', region: 'south', brand: 'b', channels: ['web'] },
      { id: 'wh-near', kind: 'warehouse', region: 'north', brand: 'b', channels: ['web'] },
      { id: 'store-1', kind: 'store', region: 'north', brand: 'b', channels: ['web'], safetyStock: '1' },
      { id: 'transit-1', kind: 'in_transit', region: 'north', brand: 'b', channels: ['web'], expectedArrival: '2026-12-10T08:00:00Z' },
    ],
    regions: { distances: [{ between: ['north', 'south'], distance: 5 }] },
    channels: {
      web: {
        sourcing: { default: { preference: ['warehouse', 'store', 'in_transit'], shipFromStore: true, dropShip: false, split: true, inTransit: false } },
        reservationExpirySeconds: 60,
      },
    },
  }),
);
const position = (locationId: string, onHand: number) => ({ locationId, onHand: onHand * 1000, reserved: 0, committed: 0, unavailable: 0, inbound: 0 });

/** A projection row as PROJECTION_READ returns it: each location's stored JSON text without its closing brace. */
function row(sku: string, positions: ReturnType<typeof position>[]): ProjectionRow {
  const { locations, promise } = projectSku(network, positions);
  return { sku, parts: locations.map((location) => [location.locationId, JSON.stringify(location).slice(0, -1)]), atp: promise.web, freshness: null };
}

describe('renderAvailability', () => {
  const now = Date.parse('2026-12-02T12:00:10Z');
  const view = channelView(network, 'web', 'north')!;

  it('splices what depends on the caller into the stored parts: nearest locations first, channel counting, sources with their age', () => {
    const rows = [
      row('A"1', [position('wh-far', 5), position('wh-near', 2), position('store-1', 3), position('transit-1', 4)]),
      { sku: null, parts: null, atp: null, freshness: [['wh-near', 'wms', Date.parse('2026-12-02T12:00:00Z')], ['wh-near', 'pos', Date.parse('2026-12-02T11:59:00Z')]] as Array<[string, string, number]> },
    ];
    const answer = JSON.parse(renderAvailability(network, { skus: ['A"1', 'NONE'], channel: 'web', region: 'north' }, view, rows, now));
    expect(answer).toEqual({
      channel: 'web',
      region: 'north',
      skus: [
        {
          sku: 'A"1',
          availableToPromise: '9',
          locations: [
            { locationId: 'store-1', kind: 'store', region: 'north', onHand: '3', reserved: '0', committed: '0', unavailable: '0', safetyStock: '1', inbound: '0', available: '2', countsForChannel: true, sources: [] },
            { locationId: 'transit-1', kind: 'in_transit', region: 'north', onHand: '4', reserved: '0', committed: '0', unavailable: '0', safetyStock: '0', inbound: '0', available: '4', expectedArrival: '2026-12-10T08:00:00Z', countsForChannel: false, sources: [] },
            {
              locationId: 'wh-near', kind: 'warehouse', region: 'north', onHand: '2', reserved: '0', committed: '0', unavailable: '0', safetyStock: '0', inbound: '0', available: '2', countsForChannel: true,
              sources: [{ source: 'wms', observedAt: '2026-12-02T12:00:00.000Z', ageSeconds: 10 }, { source: 'pos', observedAt: '2026-12-02T11:59:00.000Z', ageSeconds: 70 }],
            },
            { locationId: 'wh-far', kind: 'warehouse', region: 'south', onHand: '5', reserved: '0', committed: '0', unavailable: '0', safetyStock: '0', inbound: '0', available: '5', countsForChannel: true, sources: [] },
          ],
        },
        { sku: 'NONE', availableToPromise: '0', locations: [] },
      ],
    });
  });

  it('leaves out locations that are no longer in the stock network', () => {
    const stale: ProjectionRow = { sku: 'B', parts: [['gone', '{"locationId":"gone","kind":"store"'], ...row('B', [position('wh-near', 1)]).parts!], atp: '1', freshness: null };
    const answer = JSON.parse(renderAvailability(network, { skus: ['B'], channel: 'web', region: 'north' }, view, [stale], now));
    expect(answer.skus[0].locations.map((location: { locationId: string }) => location.locationId)).toEqual(['wh-near']);
  });
});
