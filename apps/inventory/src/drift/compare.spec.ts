import { compareWithOdoo, OdooPosition, OurPosition } from './compare';

const takenAt = new Date('2026-12-02T12:00:00Z');
const ago = (seconds: number) => new Date(takenAt.getTime() - seconds * 1000);
const ours = (sku: string, onHand: number, movedSecondsAgo: number | null = 3600, locationId = 'wh-1'): OurPosition => ({
  sku,
  locationId,
  onHand,
  lastMovedAt: movedSecondsAgo === null ? null : ago(movedSecondsAgo),
});
const odoo = (sku: string, onHand: number, changedSecondsAgo = 3600, locationId = 'wh-1'): OdooPosition => ({ sku, locationId, onHand, odooUpdatedAt: ago(changedSecondsAgo) });
const compare = (our: OurPosition[], their: OdooPosition[]) => compareWithOdoo(our, their, { takenAt, settleMs: 60_000 });

describe('comparing inventory with an Odoo snapshot', () => {
  it('equal positions are not reported', () => {
    expect(compare([ours('A', 5000), ours('B', 0)], [odoo('A', 5000)])).toEqual([]);
  });

  it('a settled difference is drift, with both figures', () => {
    expect(compare([ours('A', 7000)], [odoo('A', 10_000)])).toEqual([
      { sku: 'A', locationId: 'wh-1', inventoryOnHand: 7000, odooOnHand: 10_000, odooUpdatedAt: ago(3600), status: 'drift', reason: null },
    ]);
  });

  it('a SKU only Odoo has, or only inventory has, differs from 0', () => {
    const lines = compare([ours('MINE', 2000)], [odoo('THEIRS', 3000)]);
    expect(lines.map((line) => [line.sku, line.inventoryOnHand, line.odooOnHand, line.status])).toEqual([
      ['MINE', 2000, 0, 'drift'],
      ['THEIRS', 0, 3000, 'drift'],
    ]);
  });

  it('a quant Odoo changed within the settle window (or during the read) is pending: its event may be on its way', () => {
    const [recent] = compare([ours('A', 5000)], [odoo('A', 4000, 10)]);
    expect(recent).toMatchObject({ status: 'pending', reason: 'Odoo changed it within the settle window' });
    const [duringRead] = compare([ours('A', 5000)], [odoo('A', 4000, -2)]);
    expect(duringRead.status).toBe('pending');
  });

  it('a position inventory moved within the settle window is pending too', () => {
    const [line] = compare([ours('A', 5000, 5)], [odoo('A', 4000)]);
    expect(line).toMatchObject({ status: 'pending', reason: 'inventory changed it within the settle window' });
  });

  it('lines come by location, then SKU', () => {
    const lines = compare([ours('B', 1, 3600, 'wh-2'), ours('A', 1, 3600, 'wh-2'), ours('C', 1, 3600, 'wh-1')], []);
    expect(lines.map((line) => `${line.locationId}/${line.sku}`)).toEqual(['wh-1/C', 'wh-2/A', 'wh-2/B']);
  });
});
