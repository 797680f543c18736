import { consumeReservations, HoldingLine } from './shipping';

const line = (overrides: Partial<HoldingLine>): HoldingLine => ({ reservationId: 'r1', committed: true, lineId: '1', sku: 'A', locationId: 'wh-1', quantity: 5_000, ...overrides });

describe('consumeReservations (what a parcel takes out of the order\'s reservation lines)', () => {
  it('a partial parcel takes its quantity out of the line of its SKU at the parcel\'s location', () => {
    expect(consumeReservations([line({})], 'wh-1', [{ lineId: '1', sku: 'A', quantity: 2_000 }])).toEqual({
      takes: [{ reservationId: 'r1', committed: true, lineId: '1', sku: 'A', locationId: 'wh-1', quantity: 2_000 }],
      unreserved: [],
    });
  });

  it('never takes from another location or another SKU: all of it is unreserved', () => {
    const lines = [line({ locationId: 'wh-2' }), line({ sku: 'B' })];
    expect(consumeReservations(lines, 'wh-1', [{ lineId: '1', sku: 'A', quantity: 1_000 }])).toEqual({ takes: [], unreserved: [{ lineId: '1', sku: 'A', quantity: 1_000 }] });
  });

  it('more than is held there: takes what is held, the rest is unreserved', () => {
    expect(consumeReservations([line({ quantity: 3_000 })], 'wh-1', [{ lineId: '1', sku: 'A', quantity: 4_500 }])).toEqual({
      takes: [expect.objectContaining({ quantity: 3_000 })],
      unreserved: [{ lineId: '1', sku: 'A', quantity: 1_500 }],
    });
  });

  it('committed lines before held ones, the same order line before others, then by reservation and line id', () => {
    const lines = [
      line({ reservationId: 'r0', committed: false, lineId: '1', quantity: 9_000 }),
      line({ reservationId: 'r2', lineId: '2', quantity: 1_000 }),
      line({ reservationId: 'r1', lineId: '3', quantity: 1_000 }),
      line({ reservationId: 'r3', lineId: '1', quantity: 1_000 }),
    ];
    const { takes } = consumeReservations(lines, 'wh-1', [{ lineId: '1', sku: 'A', quantity: 4_000 }]);
    expect(takes.map((take) => [take.reservationId, take.lineId, take.quantity])).toEqual([
      ['r3', '1', 1_000],
      ['r1', '3', 1_000],
      ['r2', '2', 1_000],
      ['r0', '1', 1_000],
    ]);
  });

  it('two parcel lines of one SKU never take the same units twice', () => {
    const result = consumeReservations([line({ quantity: 3_000 })], 'wh-1', [
      { lineId: '1', sku: 'A', quantity: 2_000 },
      { lineId: '2', sku: 'A', quantity: 2_000 },
    ]);
    expect(result.takes.map((take) => take.quantity)).toEqual([2_000, 1_000]);
    expect(result.unreserved).toEqual([{ lineId: '2', sku: 'A', quantity: 1_000 }]);
  });

  it('leaves the lines it was given as they were (it works on copies)', () => {
    const lines = [line({})];
    consumeReservations(lines, 'wh-1', [{ lineId: '1', sku: 'A', quantity: 5_000 }]);
    expect(lines[0].quantity).toBe(5_000);
  });
});
