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
      const where = version >= 19 ? 'condition' : 'leaf';
      expect(callError(sim, 'res.partner', 'search', [[['emial', '=', 'x']]]).message).toBe(`Invalid field res.partner.emial in ${where} ('emial', '=', 'x')`);
      // a dotted path is a sub-search on the comodel: the error names the comodel and the rest of the path
      expect(callError(sim, 'res.partner', 'search', [[['country_id.nope', '=', 'x']]]).message).toBe(`Invalid field res.country.nope in ${where} ('nope', '=', 'x')`);
      expect(callError(sim, 'res.partner', 'search_count', [[['name.x', '=', 'x']]]).pythonClass).toBe('builtins.ValueError');
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

    it('groupby and aggregates of read_group (16–18) / formatted_read_group (19) are checked', () => {
      if (version >= 19) {
        expect(callError(sim, 'stock.quant', 'formatted_read_group', [[]], { groupby: ['warehouse'], aggregates: ['quantity:sum'] }).message).toBe("Invalid field 'warehouse' on model 'stock.quant'");
        expect(callError(sim, 'stock.quant', 'formatted_read_group', [[]], { groupby: ['location_id'], aggregates: ['qty:sum'] }).message).toBe("Invalid field 'qty' on model 'stock.quant'");
      } else {
        expect(callError(sim, 'stock.quant', 'read_group', [[], ['quantity:sum'], ['warehouse']]).message).toBe("Invalid field 'warehouse' on model 'stock.quant'");
        expect(callError(sim, 'stock.quant', 'read_group', [[], ['qty:sum'], ['location_id']]).message).toBe("Invalid field 'qty' on model 'stock.quant'");
      }
    });

    it('order clauses are checked', () => {
      expect(callError(sim, 'res.partner', 'search_read', [[]], { fields: ['name'], order: 'emial desc, id' }).message).toBe("Invalid field 'emial' on model 'res.partner'");
      expect(callError(sim, 'account.payment', 'search', [[]], { order: 'nope' }).message).toBe("Invalid field 'nope' on model 'account.payment'");
      expect(callError(sim, 'res.partner', 'search', [[]], { order: 'name; drop table' })).toMatchObject({
        pythonClass: 'odoo.exceptions.UserError',
        message: 'Invalid "order" specified (name; drop table). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)',
      });
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

  describe('wrong types', () => {
    it('a string for a many2one: create reaches PostgreSQL (a DataError unless numeric), write clears the field', () => {
      const error = callError(sim, 'res.partner', 'create', [{ name: 'Typed', country_id: 'US' }]);
      expect(error).toMatchObject({ pythonClass: 'psycopg2.errors.InvalidTextRepresentation', message: 'invalid input syntax for type integer: "US"\n' });
      const partner = call(sim, 'res.partner', 'create', [{ name: 'Typed', country_id: '1' }]);
      expect(call(sim, 'res.partner', 'read', [[partner], ['country_id']], { load: null })[0].country_id).toBe(1);
      // Many2one.convert_to_cache turns a string into None: an optional many2one is silently emptied ...
      expect(call(sim, 'res.partner', 'write', [[partner], { country_id: '1' }])).toBe(true);
      expect(call(sim, 'res.partner', 'read', [[partner], ['country_id']])[0].country_id).toBe(false);
      // ... and a required one fails NOT NULL.
      const order = call(sim, 'sale.order', 'create', [{ partner_id: 8 }]);
      expect(callError(sim, 'sale.order', 'write', [[order], { partner_id: '8' }]).message).toContain('(partner_id)');
    });

    it('a non-numeric float or integer is a Python ValueError, an unknown selection key too', () => {
      expect(callError(sim, 'sale.order.line', 'create', [{ order_id: 1, product_id: 1, product_uom_qty: 'two' }])).toMatchObject({
        pythonClass: 'builtins.ValueError',
        message: "could not convert string to float: 'two'",
      });
      expect(callError(sim, 'res.partner', 'write', [[8], { customer_rank: 'x' }]).message).toBe("invalid literal for int() with base 10: 'x'");
      expect(callError(sim, 'res.partner', 'write', [[8], { type: 'nope' }]).message).toBe("Wrong value for res.partner.type: 'nope'");
      const order = call(sim, 'sale.order', 'create', [{ partner_id: 8 }]);
      expect(callError(sim, 'sale.order', 'write', [[order], { date_order: '03/12/2026' }]).message).toBe("time data '03/12/2026' does not match format '%Y-%m-%d %H:%M:%S'");
    });
  });

  describe('html fields', () => {
    it('sanitize plain text into a paragraph, so = on the plain text finds nothing', () => {
      const order = call(sim, 'sale.order', 'create', [{ partner_id: 8, order_line: [[0, 0, { product_id: 1, product_uom_qty: 1 }]] }]);
      call(sim, 'sale.order', 'action_confirm', [[order]]);
      const [picking] = call(sim, 'sale.order', 'read', [[order], ['picking_ids']])[0].picking_ids;
      call(sim, 'stock.picking', 'write', [[picking], { note: 'SHIP-1 & co' }]);
      expect(call(sim, 'stock.picking', 'read', [[picking], ['note']])[0].note).toBe('<p>SHIP-1 &amp; co</p>');
      expect(call(sim, 'stock.picking', 'search', [[['note', '=', 'SHIP-1 & co']]])).toEqual([]);
      expect(call(sim, 'stock.picking', 'search', [[['note', 'ilike', 'SHIP-1']]])).toEqual([picking]);
    });

    it('a backorder is a copy of its picking: the note comes along', () => {
      const order = call(sim, 'sale.order', 'create', [{ partner_id: 8, order_line: [[0, 0, { product_id: 1, product_uom_qty: 3 }]] }]);
      call(sim, 'sale.order', 'action_confirm', [[order]]);
      const [picking] = call(sim, 'sale.order', 'read', [[order], ['picking_ids']])[0].picking_ids;
      call(sim, 'stock.picking', 'write', [[picking], { note: 'SHIP-A' }]);
      const [move] = call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids;
      call(sim, 'stock.move', 'write', [[move], version === 16 ? { quantity_done: 1 } : { quantity: 1, picked: true }]);
      expect(call(sim, 'stock.picking', 'button_validate', [[picking]], { context: { skip_backorder: true } })).toBe(true);
      const [backorder] = call(sim, 'stock.picking', 'search_read', [[['backorder_id', '=', picking]]], { fields: ['note', 'state'] });
      expect(backorder).toMatchObject({ note: '<p>SHIP-A</p>' });
    });

    it('custom fields are copied into a backorder unless created with copied: false', () => {
      const [modelId] = call(sim, 'ir.model', 'search', [[['model', '=', 'stock.picking']]]);
      call(sim, 'ir.model.fields', 'create', [
        [
          { model_id: modelId, name: 'x_copied_ref', ttype: 'char' },
          { model_id: modelId, name: 'x_shipment_id', ttype: 'char', copied: false },
        ],
      ]);
      const order = call(sim, 'sale.order', 'create', [{ partner_id: 8, order_line: [[0, 0, { product_id: 1, product_uom_qty: 3 }]] }]);
      call(sim, 'sale.order', 'action_confirm', [[order]]);
      const [picking] = call(sim, 'sale.order', 'read', [[order], ['picking_ids']])[0].picking_ids;
      call(sim, 'stock.picking', 'write', [[picking], { x_copied_ref: 'REF-1', x_shipment_id: 'SHIP-B' }]);
      const [move] = call(sim, 'stock.picking', 'read', [[picking], ['move_ids']])[0].move_ids;
      call(sim, 'stock.move', 'write', [[move], version === 16 ? { quantity_done: 1 } : { quantity: 1, picked: true }]);
      call(sim, 'stock.picking', 'button_validate', [[picking]], { context: { skip_backorder: true } });
      const [backorder] = call(sim, 'stock.picking', 'search_read', [[['backorder_id', '=', picking]]], { fields: ['x_copied_ref', 'x_shipment_id'] });
      expect(backorder).toMatchObject({ x_copied_ref: 'REF-1', x_shipment_id: false });
      expect(call(sim, 'stock.picking', 'search', [[['x_shipment_id', '=', 'SHIP-B']]])).toEqual([picking]);
    });
  });

  describe('missing required fields and dangling many2one ids', () => {
    it('answer with the ValidationError Odoo builds from the IntegrityError (19 words it differently)', () => {
      const missing = callError(sim, 'sale.order', 'create', [{ client_order_ref: 'NO-PARTNER' }]);
      expect(missing.pythonClass).toBe('odoo.exceptions.ValidationError');
      expect(missing.message).toBe(
        version >= 19
          ? "The operation cannot be completed: Missing required value for the field 'Customer' (partner_id).\nModel: 'Sales Order' (sale.order)\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n"
          : 'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Sales Order (sale.order)\nField: Customer (partner_id)\n',
      );
      const dangling = callError(sim, 'res.partner', 'create', [{ name: 'Dangling', country_id: 99999 }]);
      expect(dangling.pythonClass).toBe('odoo.exceptions.ValidationError');
      expect(dangling.message).toContain(version >= 19 ? "Thanks to the following constraint: 'Country' (country_id)" : 'Constraint: res_partner_country_id_fkey');
    });
  });

  describe('unique constraints', () => {
    it('a second ir.model.data with the same module and name is the IntegrityError ValidationError', () => {
      const xmlid = { module: 'omnibus', name: 'order_WEB-1', model: 'sale.order', res_id: 1 };
      call(sim, 'ir.model.data', 'create', [xmlid]);
      const error = callError(sim, 'ir.model.data', 'create', [xmlid]);
      expect(error.pythonClass).toBe('odoo.exceptions.ValidationError');
      expect(error.message).toBe(
        version >= 19
          ? "The operation cannot be completed: The value for 'module, name' (Module and External Identifier) already exists.\n\nDetail: Key (module, name)=(omnibus, order_WEB-1) already exists.\n"
          : 'The operation cannot be completed: duplicate key value violates unique constraint "ir_model_data_module_name_uniq_index"\nDETAIL:  Key (module, name)=(omnibus, order_WEB-1) already exists.\n',
      );
    });
  });

  describe('archived records', () => {
    it('search hides them unless active_test is off or the domain names active; read by id still works', () => {
      const archived = call(sim, 'res.partner', 'create', [{ name: 'Archived Customer', ref: 'ARCH-1', active: false }]);
      expect(call(sim, 'res.partner', 'search', [[['ref', '=', 'ARCH-1']]])).toEqual([]);
      expect(call(sim, 'res.partner', 'search_count', [[['ref', '=', 'ARCH-1']]])).toBe(0);
      expect(call(sim, 'res.partner', 'search', [[['ref', '=', 'ARCH-1']]], { context: { active_test: false } })).toEqual([archived]);
      expect(call(sim, 'res.partner', 'search', [[['ref', '=', 'ARCH-1'], ['active', '=', false]]])).toEqual([archived]);
      expect(call(sim, 'res.partner', 'read', [[archived], ['name', 'active']])[0]).toMatchObject({ name: 'Archived Customer', active: false });
      expect(call(sim, 'res.partner', 'write', [[archived], { email: 'arch@example.com' }])).toBe(true);
      expect(call(sim, 'res.partner', 'name_search', ['Archived Customer'])).toEqual([]);
      // a document may still point at an archived record (only the foreign key is checked)
      expect(typeof call(sim, 'sale.order', 'create', [{ partner_id: archived }])).toBe('number');
    });
  });

  describe('wrong states', () => {
    const order = (ref: string) => call(sim, 'sale.order', 'create', [{ partner_id: 8, client_order_ref: ref, order_line: [[0, 0, { product_id: 1, product_uom_qty: 1 }]] }]);

    it('confirming a cancelled sale order is a UserError', () => {
      const id = order('STATE-1');
      call(sim, 'sale.order', 'action_cancel', [[id]], { context: { disable_cancel_warning: true } });
      const error = callError(sim, 'sale.order', 'action_confirm', [[id]]);
      expect(error.pythonClass).toBe('odoo.exceptions.UserError');
      expect(error.message).toBe(
        version === 16 ? 'It is not allowed to confirm an order in the following states: done, cancel' : 'Some orders are not in a state requiring confirmation.',
      );
    });

    it('confirming a confirmed order: 17+ refuse it, 16 accepts it but procures nothing twice', () => {
      const id = order('STATE-3');
      call(sim, 'sale.order', 'action_confirm', [[id]]);
      if (version === 16) expect(call(sim, 'sale.order', 'action_confirm', [[id]])).toBe(true);
      else expect(callError(sim, 'sale.order', 'action_confirm', [[id]]).message).toBe('Some orders are not in a state requiring confirmation.');
      expect(call(sim, 'sale.order', 'read', [[id], ['picking_ids']])[0].picking_ids).toHaveLength(1);
    });

    it('validating a done picking is a UserError (no quantities left to validate)', () => {
      const id = order('STATE-2');
      call(sim, 'sale.order', 'action_confirm', [[id]]);
      const [{ picking_ids }] = call(sim, 'sale.order', 'read', [[id], ['picking_ids']]);
      const context = version === 16 ? { skip_immediate: true, skip_backorder: true } : { skip_backorder: true };
      expect(call(sim, 'stock.picking', 'button_validate', [picking_ids], { context })).toBe(true);
      expect(call(sim, 'stock.picking', 'read', [picking_ids, ['state']])[0].state).toBe('done');
      const error = callError(sim, 'stock.picking', 'button_validate', [picking_ids], { context });
      expect(error.pythonClass).toBe('odoo.exceptions.UserError');
      expect(error.message).toBe(
        version === 16
          ? 'You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, switch in edit mode and encode the done quantities.'
          : 'You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities.',
      );
    });

    it('posting a posted journal entry is a UserError naming it', () => {
      const move = call(sim, 'account.move', 'create', [
        { move_type: 'entry', journal_id: 3, line_ids: [[0, 0, { account_id: 1, name: 'a', debit: 10 }], [0, 0, { account_id: 10, name: 'b', credit: 10 }]] },
      ]);
      expect(call(sim, 'account.move', 'action_post', [[move]])).toBe(false);
      const [{ name }] = call(sim, 'account.move', 'read', [[move], ['name']]);
      expect(callError(sim, 'account.move', 'action_post', [[move]])).toMatchObject({
        pythonClass: 'odoo.exceptions.UserError',
        message: `The entry ${name} (id ${move}) is already posted.`,
      });
    });
  });
});
