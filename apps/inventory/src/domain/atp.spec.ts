import { allocationShortLines, channelsWithBoundedAllocation, availableToPromise, ChannelHoldings, ChannelView, locationAvailable, PositionParts, ringFencesOfOthers } from './atp';

const position = (overrides: Partial<PositionParts>): PositionParts => ({
  locationId: 'wh-1',
  kind: 'warehouse',
  channels: ['web'],
  onHand: 10_000,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  ...overrides,
});
const channel = (overrides: Partial<ChannelView> = {}): ChannelView => ({
  channelId: 'web',
  allocation: { kind: 'shared', ringFenced: 0 },
  inTransit: false,
  kinds: ['warehouse', 'store', 'drop_ship'],
  othersRingFences: {},
  ...overrides,
});

describe('available to promise', () => {
  it('a location gives on hand minus reserved, committed, unavailable and safety stock', () => {
    expect(locationAvailable({ onHand: 10_000, reserved: 2_000, committed: 1_000, unavailable: 500, safetyStock: 1_500 })).toBe(5_000);
  });

  it('a location that owes more than it holds gives 0, never a negative figure', () => {
    expect(locationAvailable({ onHand: 1_000, reserved: 3_000, committed: 0, unavailable: 0, safetyStock: 0 })).toBe(0);
  });

  it('sums the locations serving the channel and skips the others', () => {
    const positions = [position({}), position({ locationId: 'st-1', kind: 'store', onHand: 3_000 }), position({ locationId: 'wh-2', channels: ['amazon'] })];
    expect(availableToPromise(positions, channel())).toBe(13_000);
  });

  it('a negative location does not eat into another location', () => {
    expect(availableToPromise([position({ onHand: -5_000 }), position({ locationId: 'wh-2', onHand: 4_000 })], channel())).toBe(4_000);
  });

  it('counts stock in transit only for a channel that allows it', () => {
    const positions = [position({}), position({ locationId: 'tr-1', kind: 'in_transit', onHand: 7_000 })];
    expect(availableToPromise(positions, channel())).toBe(10_000);
    expect(availableToPromise(positions, channel({ inTransit: true }))).toBe(17_000);
  });

  it('skips kinds the channel does not source from (e.g. stores for a marketplace)', () => {
    const positions = [position({}), position({ locationId: 'st-1', kind: 'store', onHand: 3_000 })];
    expect(availableToPromise(positions, channel({ kinds: ['warehouse'] }))).toBe(10_000);
  });

  it('a fixed cap limits the channel, a pool under the cap is given whole', () => {
    expect(availableToPromise([position({})], channel({ allocation: { kind: 'cap', quantity: 4_000 } }))).toBe(4_000);
    expect(availableToPromise([position({ onHand: 3_000 })], channel({ allocation: { kind: 'cap', quantity: 4_000 } }))).toBe(3_000);
  });

  it('a percentage gives that share, rounded down', () => {
    expect(availableToPromise([position({ onHand: 7_001 })], channel({ allocation: { kind: 'percentage', percent: 50 } }))).toBe(3_500);
  });

  it('a shared pool keeps the other channels\' ring-fenced minimums back, never below 0', () => {
    const allocations = {
      web: { kind: 'shared' as const, ringFenced: 0 },
      pos: { kind: 'shared' as const, ringFenced: 2_000 },
      app: { kind: 'shared' as const, ringFenced: 1_000 },
      amazon: { kind: 'percentage' as const, percent: 10 },
    };
    expect(ringFencesOfOthers('web', allocations)).toEqual({ pos: 2_000, app: 1_000 });
    expect(ringFencesOfOthers('pos', allocations)).toEqual({ app: 1_000 });
    expect(availableToPromise([position({})], channel({ othersRingFences: ringFencesOfOthers('web', allocations) }))).toBe(7_000);
    expect(availableToPromise([position({ onHand: 2_000 })], channel({ othersRingFences: { pos: 2_000, app: 1_000 } }))).toBe(0);
  });
});

describe('reservations draw the allocation down', () => {
  const cap = channel({ allocation: { kind: 'cap', quantity: 4_000 } });
  const half = channel({ allocation: { kind: 'percentage', percent: 50 } });
  const shared = channel({ othersRingFences: { pos: 2_000 } });
  // Positions already net of every reservation: `reserved` is what all channels hold at the location.
  const cases: Array<[string, ChannelView, Partial<PositionParts>, ChannelHoldings, number]> = [
    ['cap, nothing held: the cap', cap, {}, {}, 4_000],
    ['cap partly used: the cap less what the channel holds', cap, { reserved: 1_500 }, { web: 1_500 }, 2_500],
    ['cap partly used by a commit: committed counts too', cap, { committed: 1_000 }, { web: 1_000 }, 3_000],
    ['cap exhausted: 0 while stock remains for others', cap, { reserved: 4_000 }, { web: 4_000 }, 0],
    ['cap over-used (the cap was lowered): 0, never negative', cap, { reserved: 5_000 }, { web: 5_000 }, 0],
    ['cap: another channel\'s holdings do not draw it down', cap, { reserved: 3_000 }, { app: 3_000 }, 4_000],
    ['cap: the pool still limits', cap, { reserved: 8_000 }, { app: 8_000 }, 2_000],
    ['cap: a release gives the allocation back', cap, { reserved: 0 }, { web: 0 }, 4_000],
    ['percentage, nothing held: the share of the pool', half, {}, {}, 5_000],
    ['percentage partly used: the share of the pool before its holdings, less them', half, { reserved: 3_000 }, { web: 3_000 }, 2_000],
    ['percentage exhausted', half, { reserved: 5_000 }, { web: 5_000 }, 0],
    ['percentage: others\' holdings shrink the pool it shares', half, { reserved: 4_000 }, { app: 4_000 }, 3_000],
    ['shared: the other channel\'s minimum is kept back', shared, {}, {}, 8_000],
    ['shared: what the other channel holds covers part of its minimum', shared, { reserved: 1_500 }, { pos: 1_500 }, 8_000],
    ['shared: a minimum fully held is not kept back twice', shared, { reserved: 3_000 }, { pos: 3_000 }, 7_000],
    ['shared: own holdings do not release the others\' minimum', shared, { reserved: 5_000 }, { web: 5_000 }, 3_000],
    ['shared: the pool under the minimum gives 0', shared, { onHand: 1_000 }, {}, 0],
  ];
  it.each(cases)('%s', (_name, view, parts, holdings, expected) => {
    expect(availableToPromise([position(parts)], view, holdings)).toBe(expected);
  });

  it('an order whose lines of one SKU exceed what the allocation allows is short on those lines', () => {
    const limits = new Map([
      ['A', { pool: 10_000, headroom: 2_500 }],
      ['B', { pool: 10_000, headroom: 10_000 }],
    ]);
    expect(
      allocationShortLines(
        [
          { lineId: '1', sku: 'A', quantity: 2_000 },
          { lineId: '2', sku: 'B', quantity: 9_000 },
          { lineId: '3', sku: 'A', quantity: 1_000 },
        ],
        limits,
      ),
    ).toEqual([
      { lineId: '1', sku: 'A', requested: 2_000, available: 2_500 },
      { lineId: '3', sku: 'A', requested: 1_000, available: 2_500 },
    ]);
    expect(allocationShortLines([{ lineId: '1', sku: 'A', quantity: 2_500 }], limits)).toEqual([]);
  });

  it('only capped, percentage and ring-fencing channels have holdings that matter', () => {
    expect(
      channelsWithBoundedAllocation({ web: { kind: 'shared', ringFenced: 0 }, pos: { kind: 'shared', ringFenced: 2_000 }, outlet: { kind: 'cap', quantity: 1 }, amazon: { kind: 'percentage', percent: 10 } }),
    ).toEqual(['amazon', 'outlet', 'pos']);
  });

  it('where the locations and not the allocation limit, sourcing names the short lines', () => {
    expect(allocationShortLines([{ lineId: '1', sku: 'A', quantity: 5_000 }], new Map([['A', { pool: 3_000, headroom: 3_000 }]]))).toEqual([]);
  });
});
