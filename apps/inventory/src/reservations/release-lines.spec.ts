import { releaseLines } from './reservation-service';

const part = (lineId: string, sku: string, locationId: string, quantity: number) => ({ lineId, sku, locationId, quantity, kind: 'warehouse' as const });

describe('releasing some lines of an order', () => {
  it('takes only the asked line and SKU, up to the quantity, across locations; the rest stays held', () => {
    const held = [{ id: 'r1', lines: [part('1', 'A', 'wh-1', 2000), part('2', 'B', 'wh-1', 1000), part('2', 'B', 'wh-2', 2000)] }];
    const released = releaseLines(held, [{ lineId: '2', sku: 'B', quantity: { milli: 2500 } }]);
    expect(released).toEqual([{ reservation: held[0], parts: [part('2', 'B', 'wh-1', 1000), part('2', 'B', 'wh-2', 1500)] }]);
    expect(held[0].lines).toEqual([part('1', 'A', 'wh-1', 2000), part('2', 'B', 'wh-2', 500)]);
  });

  it('tells a substitute (same line, other SKU) from the original, and releases nothing it does not hold', () => {
    const held = [{ id: 'r1', lines: [part('2', 'B', 'wh-1', 1000)] }, { id: 'r2', lines: [part('2', 'C', 'wh-1', 3000)] }];
    const released = releaseLines(held, [{ lineId: '2', sku: 'C', quantity: { milli: 3000 } }]);
    expect(released.map((entry) => entry.reservation.id)).toEqual(['r2']);
    expect(held[1].lines).toEqual([]);
    expect(held[0].lines).toEqual([part('2', 'B', 'wh-1', 1000)]);
    expect(releaseLines(held, [{ lineId: '9', sku: 'Z', quantity: { milli: 1 } }])).toEqual([]);
  });
});
