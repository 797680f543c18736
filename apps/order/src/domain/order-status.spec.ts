import { onSaleOrderCreated, onSaleOrderRefused, OrderProgress } from './order-status';

const commandId = '0193a0c4-5b2a-7cc1-9a3e-2f1f3f1e0a02';
const accepted: OrderProgress = { status: 'accepted', saleOrderCommandId: commandId, odooSaleOrder: null };
const created = { commandId, odooRecordId: 42, odooRecordName: 'S00042', alreadyApplied: false };
const refused = { commandId, failure: 'MISSING_RECORD' as const, errorMessage: 'unknown SKU(s) in Odoo: NOPE-1', retryable: false };

describe('the order saga on Odoo results', () => {
  it('moves an accepted order to confirmed_in_odoo with its sale order', () => {
    expect(onSaleOrderCreated(accepted, created)).toEqual({
      change: 'status',
      to: 'confirmed_in_odoo',
      detail: 'Odoo sale order S00042 (id 42)',
      odooSaleOrder: { id: 42, name: 'S00042' },
    });
  });

  it('a second success for the same order (a replayed command) changes nothing', () => {
    const confirmed: OrderProgress = { ...accepted, status: 'confirmed_in_odoo', odooSaleOrder: { id: 42, name: 'S00042' } };
    expect(onSaleOrderCreated(confirmed, { ...created, alreadyApplied: true })).toEqual({ change: 'none', reason: 'already confirmed in Odoo as S00042 (id 42)' });
    expect(onSaleOrderCreated(confirmed, { ...created, odooRecordId: 43, odooRecordName: 'S00043' })).toMatchObject({
      change: 'none',
      reason: expect.stringContaining('check Odoo for a duplicate'),
    });
  });

  it('flags an accepted order for review with Odoo\'s message when Odoo refuses the sale order', () => {
    expect(onSaleOrderRefused(accepted, refused)).toEqual({
      change: 'status',
      to: 'flagged_for_review',
      detail: 'Odoo refused the sale order (MISSING_RECORD): unknown SKU(s) in Odoo: NOPE-1',
      review: { failure: 'MISSING_RECORD', message: 'unknown SKU(s) in Odoo: NOPE-1' },
    });
  });

  it('a refusal after the sale order exists, or a second refusal, changes nothing', () => {
    const confirmed: OrderProgress = { ...accepted, status: 'confirmed_in_odoo', odooSaleOrder: { id: 42, name: 'S00042' } };
    expect(onSaleOrderRefused(confirmed, refused).change).toBe('none');
    expect(onSaleOrderRefused({ ...accepted, status: 'flagged_for_review' }, refused)).toEqual({ change: 'none', reason: 'already flagged for review' });
  });

  it('a flagged order recovers when its re-driven command succeeds', () => {
    expect(onSaleOrderCreated({ ...accepted, status: 'flagged_for_review' }, { ...created, alreadyApplied: false })).toMatchObject({ change: 'status', to: 'confirmed_in_odoo' });
  });

  it('ignores results of other commands about the same order', () => {
    expect(onSaleOrderCreated(accepted, { ...created, commandId: 'another' }).change).toBe('none');
    expect(onSaleOrderRefused(accepted, { ...refused, commandId: 'another' }).change).toBe('none');
  });
});
