import { ODOO_VERSIONS } from '../src/orm/types';
import { call, callError, smallSim } from './helpers';

/**
 * The simulator refuses what Odoo refuses: each behaviour of the fidelity table in README.md, in every
 * version, tried the way Odoo's documentation shows it.
 */
describe.each(ODOO_VERSIONS)('Odoo %i refusals', (version) => {
  const sim = smallSim(version);

  describe('unknown fields', () => {
    it('create and write refuse a field the model does not have, and nothing persists', () => {
      const error = callError(sim, 'res.partner', 'create', [[{ name: 'Ok' }, { name: 'Typo', emial: 'a@b.c' }]]);
      expect(error).toMatchObject({ pythonClass: 'builtins.ValueError', message: "Invalid field 'emial' on model 'res.partner'" });
      expect(call(sim, 'res.partner', 'search_count', [[['name', 'in', ['Ok', 'Typo']]]])).toBe(0);
      expect(callError(sim, 'res.partner', 'write', [[8], { emial: 'a@b.c' }]).message).toBe("Invalid field 'emial' on model 'res.partner'");
    });

    it('nested x2many values are checked on the comodel', () => {
      const error = callError(sim, 'sale.order', 'create', [{ partner_id: 8, order_line: [[0, 0, { product_id: 1, qty: 2 }]] }]);
      expect(error.message).toBe("Invalid field 'qty' on model 'sale.order.line'");
    });

    it('domains refuse unknown fields and dotted paths through non-relational fields, even on an empty table', () => {
      expect(callError(sim, 'res.partner', 'search', [[['emial', '=', 'x']]]).message).toBe("Invalid field res.partner.emial in leaf ('emial', '=', 'x')");
      expect(callError(sim, 'res.partner', 'search_count', [[['name.x', '=', 'x']]]).message).toBe("Invalid field res.partner.name.x in leaf ('name.x', '=', 'x')");
      expect(callError(sim, 'res.partner', 'search', [[['country_id.nope', '=', 'x']]]).message).toBe("Invalid field res.country.nope in leaf ('country_id.nope', '=', 'x')");
      expect(call(sim, 'account.payment', 'search_count', [[]])).toBe(0);
      expect(callError(sim, 'account.payment', 'search', [[['nope', '=', 1]]]).pythonClass).toBe('builtins.ValueError');
    });

    it('fields lists of read and search_read are checked (16 skips the check when nothing matches)', () => {
      expect(callError(sim, 'res.partner', 'read', [[8], ['name', 'emial']]).message).toBe("Invalid field 'emial' on model 'res.partner'");
      expect(callError(sim, 'res.partner', 'search_read', [[['id', '=', 8]]], { fields: ['emial'] }).message).toBe("Invalid field 'emial' on model 'res.partner'");
      const noMatch = () => call(sim, 'res.partner', 'search_read', [[['id', '=', -1]]], { fields: ['emial'] });
      if (version === 16) expect(noMatch()).toEqual([]);
      else expect(callError(sim, 'res.partner', 'search_read', [[['id', '=', -1]]], { fields: ['emial'] }).message).toBe("Invalid field 'emial' on model 'res.partner'");
    });

    it('order clauses are checked', () => {
      expect(callError(sim, 'res.partner', 'search_read', [[]], { fields: ['name'], order: 'emial desc, id' }).message).toBe("Invalid field 'emial' on model 'res.partner'");
      expect(callError(sim, 'account.payment', 'search', [[]], { order: 'nope' }).message).toBe("Invalid field 'nope' on model 'account.payment'");
    });
  });

  describe('custom fields and models through ir.model / ir.model.fields (external API documentation)', () => {
    it('a field added to res.partner can be written, read, searched and is described by fields_get', () => {
      const [modelId] = call(sim, 'ir.model', 'search', [[['model', '=', 'res.partner']]]);
      expect(callError(sim, 'res.partner', 'write', [[8], { x_loyalty_tier: 'gold' }]).message).toBe("Invalid field 'x_loyalty_tier' on model 'res.partner'");
      const fieldId = call(sim, 'ir.model.fields', 'create', [{ name: 'x_loyalty_tier', model_id: modelId, ttype: 'char', field_description: 'Loyalty tier' }]);
      expect(call(sim, 'ir.model.fields', 'read', [[fieldId], ['model', 'state']])[0]).toMatchObject({ model: 'res.partner', state: 'manual' });
      expect(call(sim, 'res.partner', 'write', [[8], { x_loyalty_tier: 'gold' }])).toBe(true);
      expect(call(sim, 'res.partner', 'read', [[8], ['x_loyalty_tier']])[0].x_loyalty_tier).toBe('gold');
      expect(call(sim, 'res.partner', 'search', [[['x_loyalty_tier', '=', 'gold']]])).toEqual([8]);
      expect(call(sim, 'res.partner', 'fields_get', [['x_loyalty_tier']], { attributes: ['type', 'string', 'manual'] })).toEqual({
        x_loyalty_tier: { manual: true, string: 'Loyalty tier', type: 'char' },
      });
      // base fields are listed too, as Odoo reflects them
      expect(call(sim, 'ir.model.fields', 'search_count', [[['model', '=', 'res.partner'], ['name', '=', 'email'], ['state', '=', 'base']]])).toBe(1);
    });

    it('the documented custom model example: x_custom gets x_name, records are created and read', () => {
      const id = call(sim, 'ir.model', 'create', [{ name: 'Custom Model', model: 'x_custom', state: 'manual' }]);
      call(sim, 'ir.model.fields', 'create', [{ model_id: id, name: 'x_amount', ttype: 'float', state: 'manual', required: true }]);
      const recordId = call(sim, 'x_custom', 'create', [{ x_name: 'test record', x_amount: 3 }]);
      expect(call(sim, 'x_custom', 'read', [[recordId], ['x_name', 'display_name', 'x_amount']])[0]).toMatchObject({ id: recordId, x_name: 'test record', display_name: 'test record' });
      expect(call(sim, 'x_custom', 'fields_get', [], { attributes: ['type'] })).toMatchObject({ x_name: { type: 'char' }, x_amount: { type: 'float' } });
      expect(callError(sim, 'ir.model', 'create', [{ name: 'Bad', model: 'custom_bad' }]).message).toBe("The model name must start with 'x_'.");
      expect(call(sim, 'ir.model', 'search', [[['model', '=', 'custom_bad']]])).toEqual([]);
    });

    it('refuses what ir.model.fields refuses, and a refused call leaves no field behind', () => {
      const [partnerModel] = call(sim, 'ir.model', 'search', [[['model', '=', 'res.partner']]]);
      const create = (vals: Record<string, unknown>) => callError(sim, 'ir.model.fields', 'create', [{ model_id: partnerModel, ttype: 'char', ...vals }]);
      expect(create({ name: 'loyalty' })).toMatchObject({
        pythonClass: 'odoo.exceptions.ValidationError',
        message: "The operation cannot be completed: Custom fields must have a name that starts with 'x_'!",
      });
      expect(create({ name: 'x_bad name' }).message).toBe('Field names can only contain characters, digits and underscores (up to 63).');
      expect(create({ name: 'x_ref', ttype: 'many2one', relation: 'no.such.model' }).message).toBe("Unknown model name 'no.such.model' in Related Model");
      expect(create({ name: 'x_required_m2o', ttype: 'many2one', relation: 'res.country', required: true }).message).toBe(
        "The m2o field x_required_m2o is required but declares its ondelete policy as being 'set null'. Only 'restrict' and 'cascade' make sense.",
      );
      expect(create({ name: 'x_nope' + 'x'.repeat(70) }).pythonClass).toBe('odoo.exceptions.ValidationError');
      call(sim, 'ir.model.fields', 'create', [{ model_id: partnerModel, ttype: 'char', name: 'x_once' }]);
      expect(create({ name: 'x_once' }).message).toBe('The operation cannot be completed: Field names must be unique per model.');
      // a field created in a call that fails later does not exist afterwards
      expect(
        callError(sim, 'ir.model.fields', 'create', [[{ model_id: partnerModel, ttype: 'char', name: 'x_rolled_back' }, { model_id: partnerModel, ttype: 'char', name: 'bad' }]]).pythonClass,
      ).toBe('odoo.exceptions.ValidationError');
      expect(callError(sim, 'res.partner', 'read', [[8], ['x_rolled_back']]).message).toBe("Invalid field 'x_rolled_back' on model 'res.partner'");
      const [emailField] = call(sim, 'ir.model.fields', 'search', [[['model', '=', 'res.partner'], ['name', '=', 'email']]]);
      expect(callError(sim, 'ir.model.fields', 'unlink', [[emailField]]).message).toBe('This column contains module data and cannot be removed!');
    });

    it('a selection and a many2one custom field take and refuse values like their kind', () => {
      const [modelId] = call(sim, 'ir.model', 'search', [[['model', '=', 'sale.order']]]);
      call(sim, 'ir.model.fields', 'create', [
        [
          { model_id: modelId, name: 'x_channel', ttype: 'selection', selection: "[('web', 'Web'), ('store', 'Store')]" },
          { model_id: modelId, name: 'x_origin_country_id', ttype: 'many2one', relation: 'res.country' },
        ],
      ]);
      const order = call(sim, 'sale.order', 'create', [{ partner_id: 8, x_channel: 'web', x_origin_country_id: 1 }]);
      expect(call(sim, 'sale.order', 'read', [[order], ['x_channel', 'x_origin_country_id']])[0]).toMatchObject({ x_channel: 'web', x_origin_country_id: [1, 'United States'] });
      expect(callError(sim, 'sale.order', 'write', [[order], { x_channel: 'phone' }]).message).toBe("Wrong value for sale.order.x_channel: 'phone'");
      const fieldId = call(sim, 'ir.model.fields', 'search', [[['model', '=', 'sale.order'], ['name', '=', 'x_channel']]])[0];
      expect(call(sim, 'ir.model.fields', 'unlink', [[fieldId]])).toBe(true);
      expect(callError(sim, 'sale.order', 'read', [[order], ['x_channel']]).message).toBe("Invalid field 'x_channel' on model 'sale.order'");
    });
  });
});
