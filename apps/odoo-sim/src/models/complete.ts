import { standardMethods } from '../orm/standard-methods';
import type { FieldDef, ModelDef, OdooVersion } from '../orm/types';
import { displayName } from '../orm/values';

/** Gives a model BaseModel's magic fields and public methods (its own methods win). */
export function completeModel(model: ModelDef, version: OdooVersion): ModelDef {
  addMagicFields(model, version);
  const own = model.methods;
  model.methods = new Map(Object.entries(standardMethods(version, model)));
  for (const [name, def] of own) model.methods.set(name, def);
  return model;
}

function addMagicFields(model: ModelDef, version: OdooVersion): void {
  const magic: FieldDef[] = [
    { name: 'id', type: 'integer', string: 'ID', readonly: true, compute: (_env, row) => row.id },
    { name: 'display_name', type: 'char', string: 'Display Name', compute: (env, row) => displayName(env, model.name, row.id) },
    { name: 'create_uid', type: 'many2one', relation: 'res.users', string: 'Created by', readonly: true },
    { name: 'create_date', type: 'datetime', string: 'Created on', readonly: true },
    { name: 'write_uid', type: 'many2one', relation: 'res.users', string: 'Last Updated by', readonly: true },
    { name: 'write_date', type: 'datetime', string: 'Last Updated on', readonly: true },
  ];
  if (version === 16) {
    magic.push({ name: '__last_update', type: 'datetime', string: 'Last Modified on', compute: (_env, row) => row.write_date ?? row.create_date ?? false });
  }
  const fields = new Map<string, FieldDef>();
  fields.set('id', magic[0]);
  for (const [name, field] of model.fields) fields.set(name, field);
  for (const field of magic.slice(1)) fields.set(field.name, field);
  model.fields = fields;
}
