import { ADMIN, call, callError, smallSim } from './helpers';

describe('domain engine', () => {
  const sim = smallSim(17);
  const ids = (domain: unknown[], kwargs: Record<string, unknown> = {}) => call(sim, 'res.partner', 'search', [domain], { order: 'id', ...kwargs });
  let alpha: number;
  let beta: number;
  let gamma: number;
  let contact: number;

  beforeAll(() => {
    [alpha, beta, gamma] = call(sim, 'res.partner', 'create', [
      [
        { name: 'Alpha Traders', is_company: true, ref: 'R-1', email: 'sales@alpha.example', customer_rank: 3, country_id: 2 },
        { name: 'beta shop', ref: 'R-2', customer_rank: 0, country_id: 1 },
        { name: 'Gamma_Goods', ref: false, customer_rank: 1, active: false },
      ],
    ]);
    contact = call(sim, 'res.partner', 'create', [{ name: 'Ann Alpha', parent_id: alpha, email: 'ann@alpha.example' }]);
  });

  const mine = (found: number[]) => found.filter((id) => [alpha, beta, gamma, contact].includes(id));

  it('combines prefix operators with the implicit AND', () => {
    expect(mine(ids(['&', ['active', '=', true], '|', ['name', 'ilike', 'alpha'], ['ref', '=', 'R-2']]))).toEqual([alpha, beta, contact]);
    expect(mine(ids([['name', 'ilike', 'alpha'], ['is_company', '=', true]]))).toEqual([alpha]);
    expect(mine(ids(['!', ['name', 'ilike', 'alpha'], ['ref', 'in', ['R-1', 'R-2']]]))).toEqual([beta]);
  });

  it('supports every comparison operator', () => {
    expect(mine(ids([['customer_rank', '>', 0]]))).toEqual([alpha]);
    expect(mine(ids([['customer_rank', '>=', 0], ['ref', '!=', false]]))).toEqual([alpha, beta]);
    expect(mine(ids([['ref', 'not in', ['R-1']], ['name', 'like', 'a']]))).toEqual([beta, contact]);
    expect(mine(ids([['name', '=like', 'beta%']]))).toEqual([beta]);
    expect(mine(ids([['name', '=ilike', 'BETA SHOP']]))).toEqual([beta]);
    expect(mine(ids([['name', 'not ilike', 'a']]))).toEqual([]);
    expect(mine(ids([['email', '=', false], ['name', 'ilike', 'shop']]))).toEqual([beta]);
    expect(mine(ids([['name', '<>', 'beta shop'], ['name', 'ilike', 'shop']]))).toEqual([]);
  });

  it('treats =? as true when the value is empty', () => {
    expect(mine(ids([['ref', '=?', false], ['name', 'ilike', 'alpha']]))).toEqual([alpha, contact]);
    expect(mine(ids([['ref', '=?', 'R-1']]))).toEqual([alpha]);
  });

  it('follows dotted paths and child_of / parent_of', () => {
    expect(mine(ids([['parent_id.name', '=', 'Alpha Traders']]))).toEqual([contact]);
    expect(mine(ids([['country_id.code', '=', 'CA']]))).toEqual([alpha]);
    expect(mine(ids([['id', 'child_of', alpha]]))).toEqual([alpha, contact]);
    expect(mine(ids([['id', 'parent_of', contact]]))).toEqual([alpha, contact]);
    expect(mine(ids([['child_ids', '!=', false]]))).toEqual([alpha]);
  });

  it('hides archived records unless active is in the domain or active_test is false', () => {
    expect(mine(ids([['name', 'ilike', 'gamma']]))).toEqual([]);
    expect(mine(ids([['name', 'ilike', 'gamma'], ['active', '=', false]]))).toEqual([gamma]);
    expect(mine(ids([['name', 'ilike', 'gamma']], { context: { active_test: false } }))).toEqual([gamma]);
  });

  it('orders by several keys, then pages with offset and limit', () => {
    const all = call(sim, 'res.partner', 'search', [[['id', 'in', [alpha, beta, contact]]]], { order: 'is_company desc, name asc' });
    expect(all).toEqual([alpha, contact, beta]);
    expect(call(sim, 'res.partner', 'search', [[['id', 'in', [alpha, beta, contact]]]], { order: 'name desc', offset: 1, limit: 1 })).toEqual([contact]);
    expect(call(sim, 'res.partner', 'search_count', [[['id', 'in', [alpha, beta, contact]]]], { limit: 2 })).toBe(2);
  });

  it('rejects bad leaves, fields and orders with Python errors', () => {
    expect(callError(sim, 'res.partner', 'search', [[['name', 'resembles', 'x']]]).pythonClass).toBe('builtins.ValueError');
    expect(callError(sim, 'res.partner', 'search', [[['nope', '=', 1]]]).message).toBe("Invalid field res.partner.nope in leaf ('nope', '=', 1)");
    expect(callError(sim, 'res.partner', 'search', [[]], { order: 'nope desc' }).message).toBe("Invalid field 'nope' on model 'res.partner'");
  });

  it('matches many2one values given as names', () => {
    expect(mine(ids([['parent_id', 'ilike', 'alpha tr']]))).toEqual([contact]);
    expect(ADMIN).toBe(2);
  });

  it('supports any / not any on relations', () => {
    const order = call(sim, 'sale.order', 'create', [{ partner_id: alpha, order_line: [[0, 0, { product_id: 5, product_uom_qty: 3 }]] }]);
    const orders = (domain: unknown[]) => call(sim, 'sale.order', 'search', [domain]);
    expect(orders([['order_line', 'any', [['product_id', '=', 5], ['product_uom_qty', '>=', 3]]]])).toEqual([order]);
    expect(orders([['order_line', 'any', [['product_id', '=', 6]]]])).toEqual([]);
    expect(orders([['order_line', 'not any', [['product_id', '=', 6]]], ['partner_id', '=', alpha]])).toEqual([order]);
    expect(orders([['order_line.product_id.default_code', '=like', '%-10005']])).toEqual([order]);
  });
});
