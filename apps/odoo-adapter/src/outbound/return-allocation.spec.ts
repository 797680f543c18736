import { allocateReturn, milliBySku } from './return-allocation';

describe('allocateReturn', () => {
  // Order of 3 × product 7 shipped as 1 (delivery 10, move 100) then 2 (delivery 11, move 110), plus 1 × product 8 in delivery 11.
  const moves = [
    { moveId: 110, deliveryId: 11, productId: 7, returnableMilli: 2000 },
    { moveId: 100, deliveryId: 10, productId: 7, returnableMilli: 1000 },
    { moveId: 111, deliveryId: 11, productId: 8, returnableMilli: 1000 },
  ];

  it('takes from the deliveries in order, so a return spanning both shipments is split per delivery', () => {
    const { byDelivery, short } = allocateReturn(moves, new Map([[7, 2000], [8, 1000]]));
    expect([...byDelivery].map(([delivery, perMove]) => [delivery, [...perMove]])).toEqual([
      [10, [[100, 1000]]],
      [11, [[110, 1000], [111, 1000]]],
    ]);
    expect(short.size).toBe(0);
  });

  it('counts only what is still returnable and says what is short', () => {
    const { byDelivery, short } = allocateReturn([{ ...moves[1], returnableMilli: 0 }, moves[0]], new Map([[7, 2500]]));
    expect([...byDelivery].map(([delivery, perMove]) => [delivery, [...perMove]])).toEqual([[11, [[110, 2000]]]]);
    expect([...short]).toEqual([[7, 500]]);
  });

  it('a product the order never delivered is short by all of it', () => {
    expect([...allocateReturn(moves, new Map([[9, 1000]])).short]).toEqual([[9, 1000]]);
  });

  it('sums lines per SKU', () => {
    const line = (sku: string, milli: number) => ({ lineId: `${sku}-${milli}`, sku, quantity: { milli } });
    expect([...milliBySku([line('A', 1000), line('B', 500), line('A', 2000)])]).toEqual([['A', 3000], ['B', 500]]);
  });
});
