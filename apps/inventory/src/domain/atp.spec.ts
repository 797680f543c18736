import { availableToPromise, ChannelView, locationAvailable, PositionParts, ringFencedByOthers } from './atp';

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
  othersRingFenced: 0,
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
    expect(ringFencedByOthers('web', allocations)).toBe(3_000);
    expect(ringFencedByOthers('pos', allocations)).toBe(1_000);
    expect(availableToPromise([position({})], channel({ othersRingFenced: ringFencedByOthers('web', allocations) }))).toBe(7_000);
    expect(availableToPromise([position({ onHand: 2_000 })], channel({ othersRingFenced: 3_000 }))).toBe(0);
  });
});
