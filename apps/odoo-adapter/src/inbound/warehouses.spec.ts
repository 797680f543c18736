import { discoveredLocationId } from './warehouses';
import { snapshotParts } from './stock-snapshot';

describe('Odoo warehouses as locations', () => {
  it('a discovered warehouse is named from its code', () => {
    expect(discoveredLocationId('odoo-', { id: 7, code: 'NDC' })).toBe('odoo-ndc');
    expect(discoveredLocationId('odoo-', { id: 7, code: 'ST 01' })).toBe('odoo-st-01');
    expect(discoveredLocationId('', { id: 7, code: false })).toBe('wh7');
  });
});

describe('a stock snapshot in parts', () => {
  const position = (i: number) => ({ sku: `SKU-${i}`, locationId: 'wh', onHand: { milli: i }, odooUpdatedAt: new Date(0) });
  const takenAt = new Date('2026-12-02T12:00:00Z');

  it('is cut into parts that together hold every position once, numbered from 1', () => {
    const parts = snapshotParts('s1', { takenAt, locationIds: ['wh'], positions: Array.from({ length: 5 }, (_, i) => position(i)) }, takenAt, 2);
    expect(parts.map((part) => [part.part, part.parts, part.positions.length])).toEqual([
      [1, 3, 2],
      [2, 3, 2],
      [3, 3, 1],
    ]);
    expect(parts.every((part) => part.snapshotId === 's1' && part.takenAt === takenAt && part.error === null)).toBe(true);
  });

  it('an empty snapshot is still one part (Odoo has nothing there)', () => {
    expect(snapshotParts('s2', { takenAt, locationIds: ['wh'], positions: [] }, takenAt)).toMatchObject([{ part: 1, parts: 1, positions: [] }]);
  });
});
