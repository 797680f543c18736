import { pythonClassName } from './define';
import type { Env } from './env';
import { OdooException, accessError, httpException, pythonError } from './errors';
import type { MethodDef, ModelDef } from './types';

/**
 * call_kw: how an external call reaches a model method. Arguments are bound the way Python binds them,
 * so a wrong keyword produces Python's TypeError text, and args[0] holds the ids of record methods.
 */

export type Operation = 'read' | 'write' | 'create' | 'unlink';

const READ_METHODS = new Set([
  'search', 'search_read', 'search_count', 'read', 'fields_get', 'name_search', 'read_group',
  'formatted_read_group', 'default_get', 'name_get', 'exists', 'check_access_rights', 'get_metadata', 'context_get',
]);

export function operationOf(method: string): Operation {
  if (READ_METHODS.has(method)) return 'read';
  if (method === 'create' || method === 'copy') return 'create';
  if (method === 'unlink') return 'unlink';
  return 'write';
}

const VERBS: Record<Operation, string> = { read: 'access', write: 'modify', create: 'create', unlink: 'delete' };

/** Model ACLs (ir.model.access) for the calling user; superuser and sudo skip them. */
export function checkModelAccess(env: Env, model: ModelDef, operation: Operation): void {
  if (env.su || env.uid === 1) return;
  const rights = env.state.accessFor(env.uid);
  const allowed = rights.models[model.name] ?? rights.models['*'] ?? [];
  if (allowed.includes(operation)) return;
  throw accessError(
    `You are not allowed to ${VERBS[operation]} '${model.description}' (${model.name}) records.\n\n` +
      'This operation is allowed for the following groups:\n\t- Administration/Settings\n\n' +
      'Contact your administrator to request access if necessary.',
  );
}

/** 16–18 check_method_name / 19 get_public_method. */
export function checkPublicMethod(env: Env, model: ModelDef, method: string): MethodDef {
  if (method.startsWith('_')) {
    throw accessError(`Private methods (such as ${env.version >= 19 ? `${model.name}.${method}` : method}) cannot be called remotely.`);
  }
  const def = model.methods.get(method);
  if (!def) {
    if (env.version >= 19) throw pythonError('builtins.AttributeError', `The method '${model.name}.${method}' does not exist`);
    throw pythonError('builtins.AttributeError', `type object '${model.name}' has no attribute '${method}'`);
  }
  if (def.private) {
    throw accessError(`Private methods (such as ${env.version >= 19 ? `${model.name}.${method}` : method}) cannot be called remotely.`);
  }
  return def;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function quoteList(names: string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** Binds positional and keyword arguments like inspect.signature(...).bind, with Python's TypeError texts. */
export function bindArguments(qualname: string, def: MethodDef, args: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const params = def.params;
  const bound: Record<string, unknown> = {};
  if (args.length > params.length) {
    const required = params.filter((p) => !('default' in p)).length;
    const takes = required === params.length ? `${params.length + 1}` : `from ${required + 1} to ${params.length + 1}`;
    throw pythonError(
      'builtins.TypeError',
      `${qualname}() takes ${takes} positional argument${params.length === 0 ? '' : 's'} but ${args.length + 1} were given`,
    );
  }
  args.forEach((value, i) => (bound[params[i].name] = value));
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const param = params.find((p) => p.name === key);
    if (!param) {
      if (!def.varKeywords) throw pythonError('builtins.TypeError', `${qualname}() got an unexpected keyword argument '${key}'`);
      extra[key] = value;
      continue;
    }
    if (key in bound) throw pythonError('builtins.TypeError', `${qualname}() got multiple values for argument '${key}'`);
    bound[key] = value;
  }
  const missing = params.filter((p) => !(p.name in bound) && !('default' in p)).map((p) => p.name);
  if (missing.length) {
    throw pythonError(
      'builtins.TypeError',
      `${qualname}() missing ${plural(missing.length, 'required positional argument')}: ${quoteList(missing)}`,
    );
  }
  for (const param of params) if (!(param.name in bound)) bound[param.name] = param.default;
  if (def.varKeywords) bound.__kwargs = extra;
  return bound;
}

export function qualifiedName(model: ModelDef, method: string, def: MethodDef): string {
  const owner = (def as MethodDef & { owner?: string }).owner ?? pythonClassName(model.name);
  return `${owner}.${method}`;
}

/** Turns the ids argument of a record method into a list of ints (Odoo's browse accepts an int too). */
export function idsArgument(value: unknown): number[] {
  if (value === false || value === null || value === undefined) return [];
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  throw pythonError('builtins.TypeError', `unhashable type: '${Array.isArray(value) ? 'list' : 'dict'}'`);
}

/**
 * Runs `model.method(*args, **kwargs)` for RPC transports (XML-RPC, /jsonrpc, /web/dataset/call_kw).
 * kwargs.context replaces the environment's context, as split_context + with_context do.
 */
export function callKw(env: Env, modelName: string, method: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const model = env.model(modelName);
  const def = checkPublicMethod(env, model, method);
  const rest = { ...(kwargs ?? {}) };
  const context = (rest.context as Record<string, unknown>) ?? {};
  delete rest.context;
  const callEnv = env.replaceContext(typeof context === 'object' && context ? context : {});
  callEnv.companyIds();
  checkModelAccess(callEnv, model, operationOf(method));
  const qualname = qualifiedName(model, method, def);
  if (def.api === 'multi') {
    if (args.length === 0) throw pythonError('builtins.IndexError', 'list index out of range');
    const ids = idsArgument(args[0]);
    return def.run(callEnv, ids, bindArguments(qualname, def, args.slice(1), rest));
  }
  const bound = bindArguments(qualname, def, args, rest);
  const result = def.run(callEnv, [], bound);
  if (def.api === 'create') {
    // _call_kw_model_create: a dict in args[0] gives one id, a list gives a list. It reads args[0] even
    // when the values came as a keyword, hence the IndexError Odoo raises for create(vals_list=...).
    if (args.length === 0) throw pythonError('builtins.IndexError', 'tuple index out of range');
    const ids = result as number[];
    return args[0] !== null && typeof args[0] === 'object' && !Array.isArray(args[0]) ? ids[0] : ids;
  }
  return result;
}

/**
 * JSON-2 call (19): named arguments only; `ids` builds the recordset and is refused for model methods.
 * Returns what the method returns; recordsets are already id lists, so create gives a list.
 */
export function callJson2(env: Env, modelName: string, method: string, ids: number[], kwargs: Record<string, unknown>): unknown {
  if (!env.registry.has(modelName)) throw httpException('NotFound', 404, `the model '${modelName}' does not exist`);
  const model = env.model(modelName);
  let def: MethodDef;
  try {
    def = checkPublicMethod(env, model, method);
  } catch (error) {
    if (error instanceof OdooException && error.pythonClass === 'builtins.AttributeError') {
      throw httpException('NotFound', 404, error.message);
    }
    throw error;
  }
  if (def.api !== 'multi' && ids.length > 0) {
    throw httpException('UnprocessableEntity', 422, `cannot call ${modelName}.${method} with ids`);
  }
  let bound: Record<string, unknown>;
  try {
    bound = bindArguments(qualifiedName(model, method, def), def, [], kwargs);
  } catch (error) {
    if (error instanceof OdooException) throw httpException('UnprocessableEntity', 422, error.message);
    throw error;
  }
  env.companyIds();
  checkModelAccess(env, model, operationOf(method));
  return def.run(env, def.api === 'multi' ? ids : [], bound);
}
