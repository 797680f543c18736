import { boolean, char, defineModel, integer, many2one, one2many, selection, text } from '../orm/define';
import type { Env } from '../orm/env';
import { userError, validationError } from '../orm/errors';
import type { FieldDef, FieldType, ModelDef, OdooVersion, Row, Vals } from '../orm/types';
import { completeModel } from './complete';

/**
 * ir.model and ir.model.fields: the documented way to add a custom model or field over the API
 * (external_api "Inspection and introspection"). A manual field created here exists on its model at once:
 * it can be written, read, searched, and fields_get shows it (`manual: true`). Registry changes are undone
 * when the call's transaction rolls back, as Odoo reloads its registry from the rolled-back tables.
 */

const FIELD_TYPES: FieldType[] = ['binary', 'boolean', 'char', 'date', 'datetime', 'float', 'html', 'integer', 'json', 'many2many', 'many2one', 'monetary', 'one2many', 'selection', 'text'];
const RELATIONAL = new Set<FieldType>(['many2one', 'one2many', 'many2many']);

/** The SQL constraints Odoo declares on these models: violations come back through the IntegrityError conversion. */
const sqlConstraint = (message: string) => validationError(`The operation cannot be completed: ${message}`);

function onRollback(env: Env, undo: () => void): void {
  env.db.inTransaction?.onRollback.push(undo);
}

export function irModels(version: OdooVersion): ModelDef[] {
  return [irModel(), irModelFields(version)];
}

function irModel(): ModelDef {
  return defineModel({
    name: 'ir.model',
    description: 'Models',
    order: 'model',
    recName: 'model',
    fields: {
      name: char('Model Description', { required: true, translate: true }),
      model: char('Model', { required: true, default: 'x_' }),
      order: char('Order', { required: true, default: 'id' }),
      info: text('Information'),
      state: selection([['manual', 'Custom Object'], ['base', 'Base Object']], 'Type', { default: 'manual', readonly: true }),
      transient: boolean('Transient Model'),
      abstract: boolean('Abstract Model'),
      // Odoo gives a new custom model its x_name field by default (none while modules load).
      field_id: one2many('ir.model.fields', 'model_id', 'Fields', {
        required: true,
        default: (env: Env, vals: Vals) =>
          vals.state === 'base' || env.context.install_mode ? [] : [[0, 0, { name: 'x_name', field_description: 'Name', ttype: 'char', copied: true }]],
      }),
    },
    hooks: {
      afterCreate: (env, ids) => {
        for (const id of ids) {
          const row = env.db.get('ir.model', id) as Row;
          if (row.state === 'manual') ensureCustomModel(env, row);
          else checkUniqueModel(env, row);
        }
      },
      beforeWrite: (env, ids, vals) => {
        for (const [fname, label] of [['model', 'Model'], ['state', 'Type'], ['abstract', 'Abstract Model'], ['transient', 'Transient Model']]) {
          if (fname in vals && ids.some((id) => env.db.get('ir.model', id)?.[fname] !== vals[fname])) {
            throw userError(`Field ${label} cannot be modified on models.`);
          }
        }
      },
      beforeUnlink: (env, ids) => {
        for (const id of ids) {
          const row = env.db.get('ir.model', id) as Row;
          if (row.state !== 'manual') throw userError(`Model “${row.name}” contains module data and cannot be removed.`);
          const model = env.registry.models.get(row.model as string);
          if (model) {
            env.registry.remove(model.name);
            onRollback(env, () => env.registry.add(model));
          }
        }
      },
    },
  });
}

function checkUniqueModel(env: Env, row: Row): void {
  for (const other of env.db.table('ir.model').values()) {
    if (other.id !== row.id && other.model === row.model) throw sqlConstraint('Each model must have a unique name.');
  }
}

/** Registers the model of a manual ir.model row (once), after Odoo's checks on its name. */
function ensureCustomModel(env: Env, row: Row): ModelDef {
  const existing = env.registry.models.get(row.model as string);
  if (existing) return existing;
  checkUniqueModel(env, row);
  const name = String(row.model);
  if (!name.startsWith('x_')) throw validationError("The model name must start with 'x_'.");
  if (!/^[a-z0-9_.]+$/.test(name)) throw validationError('The model name can only contain lowercase characters, digits, underscores and dots.');
  const model = completeModel(
    defineModel({ name, description: String(row.name), order: String(row.order || 'id'), recName: 'x_name', transient: Boolean(row.transient), fields: {} }),
    env.version,
  );
  env.registry.add(model);
  onRollback(env, () => env.registry.remove(name));
  return model;
}

function irModelFields(version: OdooVersion): ModelDef {
  return defineModel({
    name: 'ir.model.fields',
    description: 'Fields',
    order: 'name, id',
    recName: 'field_description',
    fields: {
      name: char('Field Name', { required: true, default: 'x_' }),
      model: char('Model Name', { required: true, help: 'The technical name of the model this field belongs to' }),
      model_id: many2one('ir.model', 'Model', { required: true, ondelete: 'cascade' }),
      field_description: char('Field Label', { required: true, default: '', translate: true }),
      help: text('Field Help', { translate: true }),
      ttype: selection(FIELD_TYPES.map((t) => [t, t]), 'Field Type', { required: true }),
      selection: char('Selection Options (Deprecated)'),
      relation: char('Related Model'),
      relation_field: char('Relation Field'),
      required: boolean('Required'),
      readonly: boolean('Readonly'),
      index: boolean('Indexed'),
      copied: boolean('Copied'),
      store: boolean('Stored', { default: true }),
      related: char('Related Field Definition'),
      compute: text('Compute'),
      depends: char('Dependencies'),
      domain: char('Domain', { default: '[]' }),
      size: integer('Size'),
      translate:
        version >= 19
          ? selection([['standard', 'Translate as a whole'], ['html_translate', 'Translate HTML terms'], ['xml_translate', 'Translate XML terms']], 'Translatable')
          : boolean('Translatable'),
      state: selection([['manual', 'Custom Field'], ['base', 'Base Field']], 'Type', { required: true, default: 'manual', readonly: true }),
      on_delete: selection([['cascade', 'Cascade'], ['set null', 'Set NULL'], ['restrict', 'Restrict']], 'On Delete', { default: 'set null' }),
    },
    hooks: {
      beforeCreate: (env, vals) => {
        // create() fills `model` from model_id, as ir_model.py does.
        if (vals.model_id) vals.model = env.db.get('ir.model', Number(vals.model_id))?.model ?? false;
        // _compute_copied: a stored plain field is copied by copy() (and so into backorders) unless told otherwise.
        if (vals.copied === undefined) vals.copied = vals.ttype !== 'one2many' && !vals.related && !vals.compute;
      },
      afterCreate: (env, ids) => {
        for (const id of ids) {
          const row = env.db.get('ir.model.fields', id) as Row;
          if (row.state === 'manual') applyManualField(env, row);
        }
      },
      beforeWrite: (env, ids, vals) => {
        const translateOnly = Object.keys(vals).every((f) => f === 'field_description' || f === 'help');
        for (const id of ids) {
          const row = env.db.get('ir.model.fields', id) as Row;
          if (row.state !== 'manual' && !translateOnly) {
            throw userError('Properties of base fields cannot be altered in this manner! Please modify them through Python code, preferably through a custom addon!');
          }
          if ('model_id' in vals && vals.model_id !== row.model_id) throw userError('Changing the model of a field is forbidden!');
          if ('ttype' in vals && vals.ttype !== row.ttype) throw userError('Changing the type of a field is not yet supported. Please drop it and create it again!');
        }
      },
      afterWrite: (env, ids) => {
        for (const id of ids) {
          const row = env.db.get('ir.model.fields', id) as Row;
          if (row.state === 'manual') applyManualField(env, row);
        }
      },
      beforeUnlink: (env, ids) => {
        for (const id of ids) {
          const row = env.db.get('ir.model.fields', id) as Row;
          if (row.state !== 'manual') throw userError('This column contains module data and cannot be removed!');
          dropManualField(env, row);
        }
      },
    },
  });
}

/** The checks Odoo runs on a manual field (SQL constraints first, then @api.constrains, then create()'s own). */
function checkManualField(env: Env, row: Row): void {
  const name = String(row.name);
  for (const other of env.db.table('ir.model.fields').values()) {
    if (other.id !== row.id && other.model === row.model && other.name === name) throw sqlConstraint('Field names must be unique per model.');
  }
  if (!name.startsWith('x_')) throw sqlConstraint("Custom fields must have a name that starts with 'x_'!");
  if (!/^[a-z_][a-z0-9_$]{0,62}$/i.test(name)) throw validationError('Field names can only contain characters, digits and underscores (up to 63).');
  const relation = row.relation as string | false;
  if (relation && !env.registry.has(relation)) throw validationError(`Unknown model name '${relation}' in Related Model`);
  if (row.ttype === 'many2one' && row.required && (row.on_delete ?? 'set null') === 'set null') {
    throw validationError(`The m2o field ${name} is required but declares its ondelete policy as being 'set null'. Only 'restrict' and 'cascade' make sense.`);
  }
  const model = env.registry.models.get(row.model as string);
  if (row.ttype === 'monetary' && model && !model.fields.has('currency_id') && !model.fields.has('x_currency_id')) {
    throw validationError('Currency field is empty and there is no fallback field in the model');
  }
  if (row.ttype === 'one2many') {
    const inverse = relation ? env.registry.models.get(relation)?.fields.get(String(row.relation_field)) : undefined;
    if (inverse?.type !== 'many2one') throw userError(`Many2one ${row.relation_field} on model ${relation} does not exist!`);
  }
}

function applyManualField(env: Env, row: Row): void {
  checkManualField(env, row);
  const modelRow = env.db.get('ir.model', row.model_id as number) as Row;
  const model = modelRow.state === 'manual' ? ensureCustomModel(env, modelRow) : env.registry.get(modelRow.model as string);
  dropManualField(env, row, model);
  const type = row.ttype as FieldType;
  // Odoo skips (logs) a relational custom field whose comodel is not set: the field does not appear.
  if (RELATIONAL.has(type) && !row.relation) return;
  const field: FieldDef = {
    name: String(row.name),
    type,
    string: String(row.field_description || row.name),
    required: Boolean(row.required),
    readonly: Boolean(row.readonly),
    help: row.help ? String(row.help) : undefined,
    relation: RELATIONAL.has(type) ? String(row.relation) : undefined,
    inverseName: type === 'one2many' ? String(row.relation_field) : undefined,
    selection: type === 'selection' ? parseSelection(row.selection) : undefined,
    ondelete: type === 'many2one' ? ((row.on_delete as FieldDef['ondelete']) ?? 'set null') : undefined,
    copy: Boolean(row.copied),
    manualId: row.id,
  };
  model.fields.set(field.name, field);
  onRollback(env, () => model.fields.delete(field.name));
}

/** Removes the registry field defined by this ir.model.fields row (also before re-applying a write). */
function dropManualField(env: Env, row: Row, model = env.registry.models.get(row.model as string)): void {
  if (!model) return;
  for (const [name, field] of model.fields) {
    if (field.manualId !== row.id) continue;
    model.fields.delete(name);
    onRollback(env, () => model.fields.set(name, field));
  }
}

/** The deprecated `selection` text, a Python list of pairs: "[('a', 'A'), ('b', 'B')]". */
function parseSelection(value: unknown): Array<[string, string]> {
  if (typeof value !== 'string') return [];
  const pairs: Array<[string, string]> = [];
  for (const m of value.matchAll(/\(\s*(['"])(.*?)\1\s*,\s*(['"])(.*?)\3\s*\)/g)) pairs.push([m[2], m[4]]);
  return pairs;
}

/** Seed rows describing every field of the registry (state base), so introspection finds them like on Odoo. */
export function baseFieldRows(model: ModelDef, modelId: number): Vals[] {
  return [...model.fields.values()].map((field) => ({
    name: field.name,
    model: model.name,
    model_id: modelId,
    field_description: field.string,
    help: field.help ?? false,
    ttype: field.type,
    relation: field.relation ?? false,
    relation_field: field.inverseName ?? false,
    required: Boolean(field.required),
    readonly: Boolean(field.readonly),
    store: !field.compute && field.store !== false,
    state: 'base',
  }));
}
