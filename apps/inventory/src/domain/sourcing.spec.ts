import type { SourcingRule } from './network';
import { allocate, Candidate } from './sourcing';

const web: SourcingRule = { preference: ['warehouse', 'store', 'drop_ship', 'in_transit'], shipFromStore: true, dropShip: true, split: true, inTransit: false };
const storeFirst: SourcingRule = { ...web, preference: ['store', 'warehouse'] };
const noSplit: SourcingRule = { ...web, split: false };
const noStore: SourcingRule = { ...web, shipFromStore: false };
const noDropShip: SourcingRule = { ...web, dropShip: false };
const withTransit: SourcingRule = { ...web, inTransit: true };
const warehouseOnly: SourcingRule = { preference: ['warehouse'], shipFromStore: false, dropShip: false, split: false, inTransit: false };

const distances: Record<string, number> = { 'north|west': 1, 'west|north': 1, 'north|south': 2, 'south|north': 2, 'west|south': 1, 'south|west': 1 };
const distance = (a: string, b: string) => (a === b ? 0 : (distances[`${a}|${b}`] ?? 100));

const at = (locationId: string, kind: Candidate['kind'], region: string, available: number, sku = 'A', channels = ['web']): Candidate => ({
  locationId,
  kind,
  region,
  channels,
  sku,
  available: available * 1000,
});
const line = (quantity: number, sku = 'A', lineId = '1') => ({ lineId, sku, quantity: quantity * 1000 });

interface Case {
  name: string;
  rule: SourcingRule;
  region?: string;
  lines: ReturnType<typeof line>[];
  candidates: Candidate[];
  /** "location:qty" per part, in order, or "rejected:REASON". */
  expected: string[] | string;
}

const cases: Case[] = [
  { name: 'warehouse preferred over a store with enough stock', rule: web, lines: [line(2)], candidates: [at('st-1', 'store', 'north', 5), at('wh-1', 'warehouse', 'north', 5)], expected: ['wh-1:2'] },
  { name: 'store preferred when the channel ranks stores first', rule: storeFirst, lines: [line(2)], candidates: [at('st-1', 'store', 'north', 5), at('wh-1', 'warehouse', 'north', 5)], expected: ['st-1:2'] },
  { name: 'kind preference beats a nearer region', rule: web, region: 'north', lines: [line(1)], candidates: [at('st-1', 'store', 'north', 5), at('wh-far', 'warehouse', 'south', 5)], expected: ['wh-far:1'] },
  { name: 'nearest region among locations of the same kind', rule: web, region: 'north', lines: [line(1)], candidates: [at('wh-s', 'warehouse', 'south', 5), at('wh-w', 'warehouse', 'west', 5)], expected: ['wh-w:1'] },
  { name: 'same kind and distance: lowest location id (deterministic)', rule: web, lines: [line(1)], candidates: [at('wh-b', 'warehouse', 'north', 5), at('wh-a', 'warehouse', 'north', 5)], expected: ['wh-a:1'] },
  { name: 'falls back to a store when no warehouse covers the line', rule: web, lines: [line(3)], candidates: [at('wh-1', 'warehouse', 'north', 2), at('st-1', 'store', 'north', 3)], expected: ['st-1:3'] },
  { name: 'ship-from-store off: a store is never used', rule: noStore, lines: [line(3)], candidates: [at('wh-1', 'warehouse', 'north', 2), at('st-1', 'store', 'north', 10)], expected: 'rejected:INSUFFICIENT_STOCK' },
  { name: 'ship-from-store off and only stores hold it: no eligible location', rule: noStore, lines: [line(1)], candidates: [at('st-1', 'store', 'north', 10)], expected: 'rejected:NO_ELIGIBLE_LOCATION' },
  { name: 'drop-ship partner used when allowed and nothing else has it', rule: web, lines: [line(4)], candidates: [at('ds-acme', 'drop_ship', 'west', 10)], expected: ['ds-acme:4'] },
  { name: 'drop-ship not allowed: the partner is not used', rule: noDropShip, lines: [line(4)], candidates: [at('ds-acme', 'drop_ship', 'west', 10)], expected: 'rejected:NO_ELIGIBLE_LOCATION' },
  { name: 'split allowed: fewest locations that cover the line', rule: web, lines: [line(6)], candidates: [at('wh-1', 'warehouse', 'north', 2), at('wh-2', 'warehouse', 'north', 2), at('wh-3', 'warehouse', 'west', 5)], expected: ['wh-1:1', 'wh-3:5'] },
  { name: 'split allowed: parts listed by preference rank', rule: web, lines: [line(5)], candidates: [at('st-1', 'store', 'north', 4), at('wh-1', 'warehouse', 'north', 1)], expected: ['wh-1:1', 'st-1:4'] },
  { name: 'split not allowed: a line no single location covers is rejected', rule: noSplit, lines: [line(5)], candidates: [at('wh-1', 'warehouse', 'north', 3), at('wh-2', 'warehouse', 'north', 3)], expected: 'rejected:INSUFFICIENT_STOCK' },
  { name: 'split not allowed but one location covers: no split needed', rule: noSplit, lines: [line(3)], candidates: [at('wh-1', 'warehouse', 'north', 2), at('st-1', 'store', 'north', 3)], expected: ['st-1:3'] },
  { name: 'a location that may not serve the channel is skipped', rule: web, lines: [line(1)], candidates: [at('wh-1', 'warehouse', 'north', 10, 'A', ['amazon']), at('st-1', 'store', 'north', 1)], expected: ['st-1:1'] },
  { name: 'only locations of other channels hold it: no eligible location', rule: web, lines: [line(1)], candidates: [at('wh-1', 'warehouse', 'north', 10, 'A', ['amazon'])], expected: 'rejected:NO_ELIGIBLE_LOCATION' },
  { name: 'in-transit stock not reserved by a channel that does not allow it', rule: web, lines: [line(2)], candidates: [at('tr-1', 'in_transit', 'north', 10)], expected: 'rejected:NO_ELIGIBLE_LOCATION' },
  { name: 'in-transit stock reserved by a channel that allows it, after on-hand kinds', rule: withTransit, lines: [line(2)], candidates: [at('tr-1', 'in_transit', 'north', 10), at('wh-1', 'warehouse', 'north', 1)], expected: ['tr-1:2'] },
  { name: 'in-transit allowed: warehouse still preferred when it covers', rule: withTransit, lines: [line(1)], candidates: [at('tr-1', 'in_transit', 'north', 10), at('wh-1', 'warehouse', 'north', 1)], expected: ['wh-1:1'] },
  { name: 'unknown SKU: no location holds it', rule: web, lines: [line(1, 'B')], candidates: [at('wh-1', 'warehouse', 'north', 10)], expected: 'rejected:UNKNOWN_SKU' },
  { name: 'zero or negative availability counts as nothing', rule: web, lines: [line(1)], candidates: [at('wh-1', 'warehouse', 'north', -3), at('wh-2', 'warehouse', 'north', 0)], expected: 'rejected:INSUFFICIENT_STOCK' },
  { name: 'two lines of one SKU cannot both use the same units', rule: noSplit, lines: [line(3, 'A', '1'), line(3, 'A', '2')], candidates: [at('wh-1', 'warehouse', 'north', 4), at('st-1', 'store', 'north', 3)], expected: ['wh-1:3', 'st-1:3'] },
  { name: 'one short line rejects the whole order (nothing allocated)', rule: web, lines: [line(1, 'A', '1'), line(9, 'B', '2')], candidates: [at('wh-1', 'warehouse', 'north', 5), at('wh-1', 'warehouse', 'north', 2, 'B')], expected: 'rejected:INSUFFICIENT_STOCK' },
  { name: 'warehouse-only marketplace rule ignores stores and drop-ship', rule: warehouseOnly, lines: [line(2)], candidates: [at('st-1', 'store', 'north', 9), at('ds-1', 'drop_ship', 'north', 9), at('wh-1', 'warehouse', 'south', 2)], expected: ['wh-1:2'] },
  { name: 'fractional quantities split exactly', rule: web, lines: [{ lineId: '1', sku: 'A', quantity: 2500 }], candidates: [{ ...at('wh-1', 'warehouse', 'north', 0), available: 1250 }, { ...at('wh-2', 'warehouse', 'north', 0), available: 1250 }], expected: ['wh-1:1.25', 'wh-2:1.25'] },
];

describe('sourcing rules', () => {
  it.each(cases)('$name', ({ rule, region = 'north', lines, candidates, expected }) => {
    const result = allocate({ channelId: 'web', region, rule, lines, candidates, distance });
    const got = result.ok ? result.parts.map((part) => `${part.locationId}:${part.quantity / 1000}`) : `rejected:${result.reason}`;
    expect(got).toEqual(expected);
  });

  it('names every short line with what was requested and what was available', () => {
    const result = allocate({
      channelId: 'web',
      region: 'north',
      rule: noSplit,
      lines: [line(5, 'A', '1'), line(1, 'C', '2')],
      candidates: [at('wh-1', 'warehouse', 'north', 3), at('wh-2', 'warehouse', 'north', 3)],
      distance,
    });
    expect(result).toEqual({
      ok: false,
      reason: 'INSUFFICIENT_STOCK',
      parts: [],
      shortLines: [
        { lineId: '1', sku: 'A', requested: 5000, available: 6000, reason: 'INSUFFICIENT_STOCK' },
        { lineId: '2', sku: 'C', requested: 1000, available: 0, reason: 'UNKNOWN_SKU' },
      ],
    });
  });
});
