import { callKw } from '../src/orm/call';
import { microsToText } from '../src/orm/time';
import { call, callError, smallSim } from './helpers';

describe('ORM semantics', () => {
  const sim = smallSim(17);

  describe('x2many commands', () => {
    it('applies commands 0–6 on a one2many and read returns plain id lists', () => {
      const order = call(sim, 'sale.order', 'create', [
        { partner_id: 8, order_line: [[0, 0, { product_id: 1, product_uom_qty: 1 }], [0, 0, { product_id: 2, product_uom_qty: 2 }], [0, 0, { product_id: 3 }]] },
      ]);
      const lines = () => call(sim, 'sale.order', 'read', [[order], ['order_line']])[0].order_line as number[];
      const [l1, l2, l3] = lines();
      expect(lines()).toEqual([l1, l2, l3]);
      call(sim, 'sale.order', 'write', [[order], { order_line: [[1, l1, { product_uom_qty: 5 }]] }]);
      expect(call(sim, 'sale.order.line', 'read', [[l1], ['product_uom_qty']])[0].product_uom_qty.value).toBe(5);
      call(sim, 'sale.order', 'write', [[order], { order_line: [[2, l2, 0]] }]);
      expect(call(sim, 'sale.order.line', 'search', [[['id', '=', l2]]])).toEqual([]);
      // UNLINK on a required inverse (order_id) deletes the line, like ondelete=cascade.
      call(sim, 'sale.order', 'write', [[order], { order_line: [[3, l3, 0]] }]);
      expect(lines()).toEqual([l1]);
      const other = call(sim, 'sale.order', 'create', [{ partner_id: 9, order_line: [[0, 0, { product_id: 4 }]] }]);
      const [moved] = call(sim, 'sale.order', 'read', [[other], ['order_line']])[0].order_line;
      call(sim, 'sale.order', 'write', [[order], { order_line: [[4, moved, 0]] }]);
      expect(lines()).toEqual([l1, moved]);
      call(sim, 'sale.order', 'write', [[order], { order_line: [[6, 0, [moved]]] }]);
      expect(lines()).toEqual([moved]);
      call(sim, 'sale.order', 'write', [[order], { order_line: [[5, 0, 0]] }]);
      expect(lines()).toEqual([]);
    });

    it('applies commands on a many2many', () => {
      const product = call(sim, 'product.template', 'create', [{ name: 'Tax test', taxes_id: [[6, 0, [1, 2]]] }]);
      const taxes = () => call(sim, 'product.template', 'read', [[product], ['taxes_id']])[0].taxes_id;
      expect(taxes()).toEqual([1, 2]);
      call(sim, 'product.template', 'write', [[product], { taxes_id: [[3, 1, 0]] }]);
      expect(taxes()).toEqual([2]);
      call(sim, 'product.template', 'write', [[product], { taxes_id: [[4, 1, 0], [4, 2, 0]] }]);
      expect(taxes()).toEqual([2, 1]);
      call(sim, 'product.template', 'write', [[product], { taxes_id: [[5, 0, 0]] }]);
      expect(taxes()).toEqual([]);
      call(sim, 'product.template', 'write', [[product], { taxes_id: [[0, 0, { name: 'New tax', amount: 5 }]] }]);
      expect(taxes()).toHaveLength(1);
    });
  });

  describe('create, read, write, unlink', () => {
    it('returns an int for create(dict) and a list for create([dict])', () => {
      expect(typeof call(sim, 'res.partner', 'create', [{ name: 'One' }])).toBe('number');
      expect(call(sim, 'res.partner', 'create', [[{ name: 'Two' }, { name: 'Three' }]])).toHaveLength(2);
      expect(callError(sim, 'res.partner', 'create', [], { vals_list: { name: 'kw' } }).pythonClass).toBe('builtins.IndexError');
    });

    it('encodes many2one as [id, name] and empty values as False', () => {
      const id = call(sim, 'res.partner', 'create', [{ name: 'Reader', country_id: 1 }]);
      const [row] = call(sim, 'res.partner', 'read', [[id], ['country_id', 'email', 'parent_id', 'child_ids', 'customer_rank']]);
      expect(row).toEqual({ id, country_id: [1, 'United States'], email: false, parent_id: false, child_ids: [], customer_rank: 0 });
      const [raw] = call(sim, 'res.partner', 'read', [[id], ['country_id']], { load: '_classic_write' });
      expect(raw.country_id).toBe(1);
    });

    it('refuses unknown fields on create, write and read (ValueError, nothing persisted)', () => {
      expect(callError(sim, 'res.partner', 'create', [{ name: 'Strict', not_a_field: 1 }]).message).toBe("Invalid field 'not_a_field' on model 'res.partner'");
      expect(call(sim, 'res.partner', 'search', [[['name', '=', 'Strict']]])).toEqual([]);
      const id = call(sim, 'res.partner', 'create', [{ name: 'Strict' }]);
      expect(callError(sim, 'res.partner', 'write', [[id], { nope: 2, name: 'Strict 2' }]).message).toBe("Invalid field 'nope' on model 'res.partner'");
      expect(call(sim, 'res.partner', 'read', [[id], ['name']])[0].name).toBe('Strict');
      expect(callError(sim, 'res.partner', 'read', [[id], ['nope']]).message).toBe("Invalid field 'nope' on model 'res.partner'");
    });

    it('raises MissingError for absent records on write and read, not on unlink', () => {
      const error = callError(sim, 'res.partner', 'write', [[999999], { name: 'x' }]);
      expect(error.pythonClass).toBe('odoo.exceptions.MissingError');
      expect(error.message).toBe('Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)');
      expect(callError(sim, 'res.partner', 'read', [[999999]]).pythonClass).toBe('odoo.exceptions.MissingError');
      expect(call(sim, 'res.partner', 'unlink', [[999999]])).toBe(true);
    });

    it('turns a missing mandatory field into the IntegrityError ValidationError', () => {
      const error = callError(sim, 'sale.order', 'create', [{ client_order_ref: 'no partner' }]);
      expect(error.pythonClass).toBe('odoo.exceptions.ValidationError');
      expect(error.message).toContain('The operation cannot be completed:\n- Create/update: a mandatory field is not set.');
      expect(error.message).toContain('Model: Sales Order (sale.order)\nField: Customer (partner_id)');
    });

    it('binds arguments like Python and reports TypeErrors', () => {
      expect(callError(sim, 'res.partner', 'search_read', [[]], { bogus: 1 }).pythonClass).toBe('builtins.TypeError');
      expect(callError(sim, 'res.partner', 'search_count', [[]], { bogus: 1 }).message).toBe("BaseModel.search_count() got an unexpected keyword argument 'bogus'");
      expect(callError(sim, 'res.partner', 'write', [[1]]).message).toBe("BaseModel.write() missing 1 required positional argument: 'vals'");
      expect(callError(sim, 'res.partner', 'read', []).message).toBe('list index out of range');
    });
  });

  describe('transactions and write_date', () => {
    it('gives every record of one call the same write_date: the call start', () => {
      const start = '2024-05-01 10:00:00.123456';
      const ids = sim.transaction(start, () => callKw(sim.env(2), 'res.partner', 'create', [[{ name: 'W1' }, { name: 'W2' }, { name: 'W3' }]], {})) as number[];
      const rows = sim.state.db.table('res.partner');
      expect(ids.map((id) => rows.get(id)?.write_date)).toEqual([start, start, start]);
      const read = call(sim, 'res.partner', 'read', [ids, ['write_date', 'create_date']]);
      expect(read.map((r: any) => r.write_date)).toEqual(['2024-05-01 10:00:00', '2024-05-01 10:00:00', '2024-05-01 10:00:00']);
      expect(call(sim, 'res.partner', 'search', [[['write_date', '>', '2024-05-01 10:00:00'], ['id', 'in', ids]]])).toHaveLength(3);
      expect(call(sim, 'res.partner', 'search', [[['write_date', '>=', '2024-05-01T10:00:01Z'], ['id', 'in', ids]]])).toHaveLength(0);
      expect(call(sim, 'res.partner', 'search', [[['write_date', '=', '2024-05-01 10:00:00'], ['id', 'in', ids]]])).toHaveLength(0);
      expect(microsToText(Date.parse('2024-05-01T10:00:00Z') * 1000 + 5)).toBe('2024-05-01 10:00:00.000005');
    });

    it('rolls the whole call back on error: nothing persists', () => {
      const before = sim.state.db.table('res.partner').size;
      const error = callError(sim, 'res.partner', 'create', [[{ name: 'Kept?' }, { name: false, type: 'contact' }]]);
      expect(error.message).toBe('The operation cannot be completed: Contacts require a name');
      expect(sim.state.db.table('res.partner').size).toBe(before);
      expect(call(sim, 'res.partner', 'search', [[['name', '=', 'Kept?']]])).toEqual([]);
    });

    it('leaves no trace of deleted records', () => {
      const id = call(sim, 'res.partner', 'create', [{ name: 'Gone' }]);
      call(sim, 'res.partner', 'unlink', [[id]]);
      expect(call(sim, 'res.partner', 'search', [[['id', '=', id]]], { context: { active_test: false } })).toEqual([]);
    });
  });

  describe('access control', () => {
    it('refuses models outside the user ACL and companies outside allowed_company_ids', () => {
      const viewer = 7;
      expect(call(sim, 'product.product', 'search_count', [[]], {}, viewer)).toBeGreaterThan(0);
      const acl = callError(sim, 'account.move', 'search', [[]], {}, viewer);
      expect(acl.pythonClass).toBe('odoo.exceptions.AccessError');
      expect(acl.message).toContain("You are not allowed to access 'Journal Entry' (account.move) records.");
      const company = callError(sim, 'res.partner', 'search', [[]], { context: { allowed_company_ids: [2] } }, 6);
      expect(company.message).toBe('Access to unauthorized or invalid companies.');
    });

    it('hides records of companies outside env.companies', () => {
      const outlet = call(sim, 'stock.warehouse', 'search', [[]], { context: { allowed_company_ids: [1] } });
      const all = call(sim, 'stock.warehouse', 'search', [[]], { context: { allowed_company_ids: [1, 2] } });
      expect(all.length).toBe(outlet.length + 1);
    });

    it('refuses private methods and reports unknown ones', () => {
      expect(callError(sim, 'res.partner', '_compute_display_name', [[1]]).pythonClass).toBe('odoo.exceptions.AccessError');
      expect(callError(sim, 'res.partner', 'frobnicate', [[1]]).message).toBe("type object 'res.partner' has no attribute 'frobnicate'");
    });
  });
});

describe('external ids', () => {
  it('resolves seeded xml ids and keeps (module, name) unique', () => {
    const sim = smallSim(17);
    expect(call(sim, 'ir.model.data', 'check_object_reference', ['stock', 'stock_location_stock'])).toEqual(['stock.location', 9]);
    const id = call(sim, 'ir.model.data', 'create', [{ module: 'omnibus', name: 'order_WEB_1', model: 'sale.order', res_id: 1 }]);
    expect(call(sim, 'ir.model.data', 'search_read', [[['module', '=', 'omnibus'], ['name', '=', 'order_WEB_1']]], { fields: ['res_id', 'complete_name'] })).toEqual([
      { id, res_id: 1, complete_name: 'omnibus.order_WEB_1' },
    ]);
    const duplicate = callError(sim, 'ir.model.data', 'create', [{ module: 'omnibus', name: 'order_WEB_1', model: 'sale.order', res_id: 2 }]);
    expect(duplicate.pythonClass).toBe('odoo.exceptions.ValidationError');
    expect(call(sim, 'res.partner', 'get_metadata', [[1]])[0].xmlid).toBe('base.main_partner');
  });
});
