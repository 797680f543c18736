import { Registry } from '../orm/env';
import type { OdooVersion } from '../orm/types';
import { accountModels } from './account';
import { baseModels } from './base';
import { completeModel } from './complete';
import { irModels } from './ir-model';
import { productModels } from './product';
import { saleModels } from './sale';
import { stockModels } from './stock';
import { stockReturnModels } from './stock-returns';

/** The models of one Odoo version, each with BaseModel's magic fields and public methods. */
export function buildRegistry(version: OdooVersion): Registry {
  const registry = new Registry(version);
  const models = [...baseModels(version), ...irModels(version), ...productModels(version), ...stockModels(version), ...stockReturnModels(version), ...saleModels(version), ...accountModels(version)];
  for (const model of models) registry.add(completeModel(model, version));
  return registry;
}
