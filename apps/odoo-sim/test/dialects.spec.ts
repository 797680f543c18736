import { ODOO_VERSIONS } from '../src/orm/types';
import { call, callError, smallSim } from './helpers';

describe('version dialects', () => {
  const sims = Object.fromEntries(ODOO_VERSIONS.map((v) => [v, smallSim(v)]));
  const fields = (version: number, model: string) => Object.keys(call(sims[version], model, 'fields_get', [], { attributes: ['type'] }));
  const selection = (version: number, model: string, field: string) =>
    (call(sims[version], model, 'fields_get', [[field]], { attributes: ['selection'] })[field].selection as string[][]).map(([key]) => key);

  it('16 tracks done quantities in quantity_done/qty_done; 17+ in quantity + picked', () => {
    expect(fields(16, 'stock.move')).toEqual(expect.arrayContaining(['quantity_done', 'reserved_availability']));
    expect(fields(16, 'stock.move')).not.toContain('picked');
    expect(fields(16, 'stock.move.line')).toEqual(expect.arrayContaining(['qty_done', 'reserved_uom_qty']));
    for (const v of [17, 18, 19]) {
      expect(fields(v, 'stock.move')).toEqual(expect.arrayContaining(['quantity', 'picked']));
      expect(fields(v, 'stock.move')).not.toContain('quantity_done');
    }
  });

  it('18+ describe storability with is_storable and type consu/service/combo', () => {
    expect(selection(17, 'product.template', 'type')).toEqual(['consu', 'service', 'product']);
    expect(fields(17, 'product.template')).toContain('detailed_type');
    expect(selection(18, 'product.template', 'type')).toEqual(['consu', 'service', 'combo']);
    expect(fields(18, 'product.template')).toContain('is_storable');
    expect(fields(19, 'product.product')).toContain('is_storable');
  });

  it('only 16 has the sale state done; 17+ use the locked flag', () => {
    expect(selection(16, 'sale.order', 'state')).toContain('done');
    expect(selection(17, 'sale.order', 'state')).toEqual(['draft', 'sent', 'sale', 'cancel']);
    expect(fields(17, 'sale.order')).toContain('locked');
    expect(fields(16, 'sale.order')).not.toContain('locked');
  });

  it('19 renames sale line tax_id/product_uom to tax_ids/product_uom_id', () => {
    expect(fields(18, 'sale.order.line')).toEqual(expect.arrayContaining(['tax_id', 'product_uom']));
    expect(fields(19, 'sale.order.line')).toEqual(expect.arrayContaining(['tax_ids', 'product_uom_id']));
    expect(fields(19, 'sale.order.line')).not.toContain('tax_id');
  });

  it('18+ share accounts through company_ids and read the code of the current company', () => {
    expect(fields(17, 'account.account')).toContain('company_id');
    expect(fields(18, 'account.account')).toContain('company_ids');
    expect(callError(sims[18], 'account.account', 'search', [[['company_id', '=', 1]]]).pythonClass).toBe('builtins.ValueError');
    const [bank] = call(sims[18], 'account.account', 'search_read', [[['code', '=', '101401']]], { fields: ['code', 'company_ids'] });
    expect(bank).toMatchObject({ code: '101401', company_ids: [1] });
    const described = call(sims[18], 'account.account', 'fields_get', [['code']], { attributes: ['company_dependent'] });
    expect(described.code.company_dependent).toBe(true);
  });

  it('18+ have the new payment states and the memo field', () => {
    expect(selection(17, 'account.payment', 'state')).toEqual(['draft', 'posted', 'cancel']);
    expect(selection(18, 'account.payment', 'state')).toEqual(['draft', 'in_process', 'paid', 'canceled', 'rejected']);
    expect(fields(17, 'account.payment')).toContain('ref');
    expect(fields(18, 'account.payment')).toContain('memo');
  });

  it('renames name_search args->domain in 19 and swaps read_group for formatted_read_group', () => {
    expect(call(sims[18], 'res.partner', 'name_search', [], { name: 'Omnibus', args: [['is_company', '=', true]] }).length).toBeGreaterThan(0);
    expect(callError(sims[19], 'res.partner', 'name_search', [], { name: 'Omnibus', args: [] }).message).toContain("unexpected keyword argument 'args'");
    expect(call(sims[19], 'res.partner', 'name_search', [], { name: 'Omnibus', domain: [] })).toEqual([[4, 'Omnibus Outlet'], [1, 'Omnibus Retail']]);
    const groups = call(sims[19], 'stock.quant', 'formatted_read_group', [[]], { groupby: ['location_id'], aggregates: ['quantity:sum', '__count'] });
    expect(groups[0]).toEqual(expect.objectContaining({ location_id: expect.any(Array), __count: expect.any(Number) }));
    expect(callError(sims[19], 'stock.quant', 'read_group', [[], ['quantity'], ['location_id']]).pythonClass).toBe('builtins.AttributeError');
    const legacy = call(sims[17], 'stock.quant', 'read_group', [[], ['quantity:sum'], ['location_id']]);
    expect(legacy[0]).toEqual(expect.objectContaining({ location_id_count: expect.any(Number), __domain: expect.any(Array) }));
  });

  it('16 still has __last_update; fields_get attributes come in alphabetical order', () => {
    expect(fields(16, 'res.partner')).toContain('__last_update');
    expect(fields(17, 'res.partner')).not.toContain('__last_update');
    const name = call(sims[17], 'res.partner', 'fields_get', [['name']])['name'];
    expect(Object.keys(name)).toEqual([...Object.keys(name)].sort());
    expect(name).toMatchObject({ type: 'char', string: 'Name', store: true, name: 'name' });
  });

  it('18+ API keys expire; non-admin keys must expire within 90 days', () => {
    const sim18 = sims[18];
    const past = sim18.createApiKey('admin', 'old', { expirationDate: '2020-01-01' });
    expect(sim18.bearerUser(past.key)).toBeNull();
    const live = sim18.createApiKey('admin', 'live');
    expect(sim18.bearerUser(live.key)).toBe(2);
    expect(() => sim18.createApiKey('integration', 'forever')).toThrow('You cannot exceed 90 days.');
    const sim17 = sims[17];
    const old17 = sim17.createApiKey('admin', 'old', { expirationDate: '2020-01-01' });
    expect(sim17.bearerUser(old17.key)).toBe(2);
  });
});

describe('login brute-force protection (when enabled)', () => {
  it('refuses even the right password during the cooldown, as AccessDenied', () => {
    const sim = smallSim(17);
    sim.loginCooldown = { after: 3, seconds: 60 };
    for (let i = 0; i < 3; i++) expect(() => sim.login('admin', 'wrong', { interactive: false })).toThrow('Access Denied');
    expect(() => sim.login('admin', 'admin', { interactive: false })).toThrow('Too many login failures, please wait a bit before trying again.');
    sim.loginCooldown = null;
    expect(sim.login('admin', 'admin', { interactive: false })).toBe(2);
  });
});
