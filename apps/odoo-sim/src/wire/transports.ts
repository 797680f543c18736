import type { IncomingMessage, ServerResponse } from 'node:http';
import { OdooException, accessDenied, accessError, httpException, pythonError } from '../orm/errors';
import type { CallResult, SimRuntime } from '../sim/runtime';
import { asOdooException, json2Error, jsonRpcError, legacyXmlrpcFault, sessionExpired, xmlrpcFault } from './error-encoding';
import { HTML_TYPE, JSON_TYPE, XML_TYPE, dropConnection, parseCookies, readBody, send, sendProxyError } from './http';
import { pyJsonDumps } from './py-values';
import { MarshalError, dumpFault, dumpResponse, parseMethodCall } from './xmlrpc-codec';

/**
 * The Odoo external API on the wire: XML-RPC (/xmlrpc/2/* and legacy /xmlrpc/*), the JSON-RPC service
 * envelope (/jsonrpc), the web client's session routes, JSON-2 (/json/2, 19 only), /web/version and
 * incoming automation webhooks (/web/hook/<uuid>).
 */

type Transport = 'xmlrpc' | 'jsonrpc' | 'web' | 'json2';

function wrongArgs(fn: string, params: unknown[], names: string[]): void {
  if (params.length < names.length) {
    const missing = names.slice(params.length);
    const quoted = missing.map((n) => `'${n}'`);
    const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
    throw pythonError('builtins.TypeError', `${fn}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
  }
  if (params.length > names.length) {
    throw pythonError('builtins.TypeError', `${fn}() takes ${names.length} positional arguments but ${params.length} were given`);
  }
}

/** dispatch_rpc(service, method, params): the services shared by XML-RPC and /jsonrpc. */
export function dispatchRpc(runtime: SimRuntime, transport: Transport, service: string, method: string, params: unknown[]): Promise<CallResult> {
  const sim = runtime.sim;
  if (service === 'common') {
    const target = { transport, service, method };
    return runtime.run(
      target,
      () => {
        switch (method) {
          case 'version':
            return sim.versionInfo();
          case 'authenticate':
          case 'login': {
            const names = method === 'login' ? ['db', 'login', 'password'] : ['db', 'login', 'password', 'user_agent_env'];
            wrongArgs(`exp_${method}`, params, names);
            sim.checkDatabase(params[0]);
            try {
              const uid = sim.login(params[1], params[2], { interactive: false });
              (target as { uid?: number }).uid = uid;
              return uid;
            } catch (error) {
              if (error instanceof OdooException && error.family === 'access_denied') return false;
              throw error;
            }
          }
          case 'about':
            if (sim.version <= 17) return 'See http://openerp.com';
            break;
        }
        throw pythonError('builtins.KeyError', `'exp_${method}'`, [`exp_${method}`]);
      },
      { transactional: false },
    );
  }
  if (service === 'object') {
    const target = { transport, service, method, model: String(params[3] ?? ''), modelMethod: String(params[4] ?? ''), uid: null as number | null };
    return runtime.run(target, () => {
      if (params.length < 3) throw pythonError('builtins.IndexError', 'tuple index out of range');
      if (method === 'execute_kw') {
        // execute_kw(db, uid, obj, method, args, kw=None)
        if (params.length < 6) throw pythonError('builtins.TypeError', "execute_kw() missing 1 required positional argument: 'args'");
        const [db, uid, password, model, modelMethod, args, kwargs] = params;
        target.uid = typeof uid === 'number' ? uid : null;
        return sim.executeKw(db, uid, password, model, modelMethod, args, kwargs ?? {});
      }
      if (method === 'execute') {
        const [db, uid, password, model, modelMethod, ...args] = params;
        target.uid = typeof uid === 'number' ? uid : null;
        return sim.executeKw(db, uid, password, model, modelMethod, args, {});
      }
      sim.checkDatabase(params[0]);
      sim.checkCredentials(params[1], params[2]);
      throw pythonError('builtins.NameError', `Method not available ${method}`);
    });
  }
  if (service === 'db') {
    return runtime.run(
      { transport, service, method },
      () => {
        switch (method) {
          case 'list':
            return [sim.dbName];
          case 'server_version':
            return sim.versionInfo().server_version;
          case 'db_exist':
            return params[0] === sim.dbName;
          case 'list_lang':
            return [['en_US', 'English (US)']];
          default:
            throw accessDenied();
        }
      },
      { transactional: false },
    );
  }
  return runtime.run({ transport, service, method }, () => {
    throw pythonError('builtins.KeyError', `'${service}'`, [service]);
  });
}

// ----------------------------------------------------------------------------------------- XML-RPC

export async function handleXmlRpc(runtime: SimRuntime, req: IncomingMessage, res: ServerResponse, service: string, legacy: boolean): Promise<void> {
  const body = (await readBody(req)).toString('utf8');
  const fault = (error: OdooException) => {
    const f = legacy ? legacyXmlrpcFault(error) : xmlrpcFault(error);
    send(res, 200, XML_TYPE, dumpFault(f.faultCode, f.faultString));
  };
  let call;
  try {
    call = parseMethodCall(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fault(pythonError('xml.parsers.expat.ExpatError', message));
  }
  const result = await dispatchRpc(runtime, 'xmlrpc', service, call.methodName, call.params);
  if (result.kind === 'drop') return dropConnection(req, res);
  if (result.kind === 'http_error') return sendProxyError(res, result.status);
  if (result.kind === 'error') return fault(result.error);
  try {
    send(res, 200, XML_TYPE, dumpResponse(result.value));
  } catch (error) {
    // allow_none=False: the transaction is already committed when marshalling fails.
    if (error instanceof MarshalError) return fault(pythonError(`builtins.${error.pythonClass}`, error.message));
    throw error;
  }
}

// ---------------------------------------------------------------------------------------- JSON-RPC

interface JsonRpcRequest {
  id: unknown;
  params: Record<string, unknown>;
}

/** JsonRPCDispatcher: 400 text for bad JSON, otherwise errors travel inside a 200 envelope. */
async function readJsonRpc(req: IncomingMessage, res: ServerResponse): Promise<JsonRpcRequest | null> {
  const raw = (await readBody(req)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    send(res, 400, HTML_TYPE, 'Invalid JSON data');
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    send(res, 400, HTML_TYPE, 'Invalid JSON-RPC data');
    return null;
  }
  const request = parsed as Record<string, unknown>;
  const params = request.params && typeof request.params === 'object' && !Array.isArray(request.params) ? (request.params as Record<string, unknown>) : {};
  return { id: request.id ?? null, params };
}

function sendJsonRpc(runtime: SimRuntime, req: IncomingMessage, res: ServerResponse, id: unknown, result: CallResult, headers: Record<string, string> = {}): void {
  if (result.kind === 'drop') return dropConnection(req, res);
  if (result.kind === 'http_error') return sendProxyError(res, result.status);
  const envelope: Record<string, unknown> = { jsonrpc: '2.0', id };
  if (result.kind === 'error') envelope.error = jsonRpcError(result.error, runtime.sim.version);
  // A None result omits the `result` member entirely.
  else if (result.value !== null && result.value !== undefined) envelope.result = result.value;
  send(res, 200, JSON_TYPE, pyJsonDumps(envelope), headers);
}

function checkParams(fn: string, params: Record<string, unknown>, required: string[], optional: string[] = []): void {
  for (const key of Object.keys(params)) {
    if (!required.includes(key) && !optional.includes(key)) throw pythonError('builtins.TypeError', `${fn}() got an unexpected keyword argument '${key}'`);
  }
  const missing = required.filter((k) => !(k in params));
  if (missing.length) {
    const quoted = missing.map((n) => `'${n}'`);
    const list = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
    throw pythonError('builtins.TypeError', `${fn}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
  }
}

const errorResult = (error: unknown): CallResult => ({ kind: 'error', error: asOdooException(error) });

export async function handleJsonRpc(runtime: SimRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = await readJsonRpc(req, res);
  if (!request) return;
  let result: CallResult;
  try {
    checkParams('RPC.jsonrpc', request.params, ['service', 'method', 'args']);
    const args = Array.isArray(request.params.args) ? request.params.args : [];
    result = await dispatchRpc(runtime, 'jsonrpc', String(request.params.service), String(request.params.method), args);
  } catch (error) {
    result = errorResult(error);
  }
  sendJsonRpc(runtime, req, res, request.id, result);
}

// -------------------------------------------------------------------------------- web client routes

const SESSION_MAX_AGE = 7 * 24 * 3600;

function sessionCookie(sid: string): string {
  const expires = new Date(Date.now() + SESSION_MAX_AGE * 1000).toUTCString();
  return `session_id=${sid}; Expires=${expires}; Max-Age=${SESSION_MAX_AGE}; HttpOnly; Path=/; SameSite=Lax`;
}

export async function handleWebRoute(runtime: SimRuntime, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const request = await readJsonRpc(req, res);
  if (!request) return;
  const sim = runtime.sim;
  const sid = parseCookies(req.headers.cookie).session_id;
  let headers: Record<string, string> = {};
  let result: CallResult;
  try {
    if (path === '/web/session/authenticate') {
      checkParams('Session.authenticate', request.params, ['db', 'login', 'password'], ['base_location']);
      const { db, login, password } = request.params;
      result = await runtime.run(
        { transport: 'web', service: 'session', method: 'authenticate' },
        () => {
          if (db !== sim.dbName) throw accessError('Database not found.');
          const uid = sim.login(login, password, { interactive: true });
          const newSid = sim.openSession(uid);
          headers = { 'Set-Cookie': sessionCookie(newSid) };
          return sim.sessionInfo(uid);
        },
        { transactional: false },
      );
    } else if (path === '/web/webclient/version_info') {
      result = await runtime.run({ transport: 'web', service: 'webclient', method: 'version_info' }, () => sim.versionInfo(), { transactional: false });
    } else if (path === '/web/session/destroy') {
      sim.dropSession(sid);
      result = { kind: 'ok', value: null };
    } else if (path === '/web/session/get_session_info') {
      const session = sim.session(sid);
      result = session ? { kind: 'ok', value: sim.sessionInfo(session.uid) } : errorResult(sessionExpired());
    } else {
      // /web/dataset/call_kw[/<path>]
      const session = sim.session(sid);
      if (!session) {
        result = errorResult(sessionExpired());
      } else {
        checkParams('DataSet.call_kw', request.params, ['model', 'method', 'args', 'kwargs'], ['path']);
        const model = String(request.params.model);
        const method = String(request.params.method);
        result = await runtime.run({ transport: 'web', service: 'dataset', method: 'call_kw', model, modelMethod: method, uid: session.uid }, () => {
          if (!method.startsWith('_') && !sim.state.registry.has(model)) throw pythonError('builtins.KeyError', `'${model}'`, [model]);
          return sim.callModel(session.uid, model, method, request.params.args, request.params.kwargs);
        });
      }
    }
  } catch (error) {
    result = errorResult(error);
  }
  sendJsonRpc(runtime, req, res, request.id, result, headers);
}

// ------------------------------------------------------------------------------------------ JSON-2

function sendJson2Error(runtime: SimRuntime, res: ServerResponse, error: OdooException): void {
  const { status, body, headers } = json2Error(error, runtime.sim.version);
  send(res, status, JSON_TYPE, pyJsonDumps(body), headers);
}

export async function handleJson2(runtime: SimRuntime, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const sim = runtime.sim;
  const match = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(path);
  const raw = await readBody(req);
  if (!match || req.method !== 'POST') {
    return sendJson2Error(runtime, res, httpException('NotFound', 404, 'Did you mean POST /json/2/<model>/<method>?'));
  }
  const [, model, method] = match;
  const auth = req.headers.authorization ?? '';
  let uid: number | null = null;
  if (auth.toLowerCase().startsWith('bearer ')) uid = sim.bearerUser(auth.slice(7).trim());
  if (uid === null) {
    return sendJson2Error(runtime, res, httpException('Unauthorized', 401, 'Invalid apikey', { 'WWW-Authenticate': 'Bearer' }));
  }
  const session = sim.session(parseCookies(req.headers.cookie).session_id);
  if (session && session.uid !== uid) return sendJson2Error(runtime, res, accessDenied('Session user does not match the used apikey'));
  let body: Record<string, unknown> = {};
  if (raw.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return sendJson2Error(runtime, res, httpException('BadRequest', 400, `could not parse the body as json: ${error instanceof Error ? error.message : error}`));
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return sendJson2Error(runtime, res, httpException('BadRequest', 400, 'could not parse the body, expecting a json object'));
    }
    body = parsed as Record<string, unknown>;
  }
  const result = await runtime.run({ transport: 'json2', service: 'json2', method, model, modelMethod: method, uid }, () => sim.callJson2(uid as number, model, method, body));
  if (result.kind === 'drop') return dropConnection(req, res);
  if (result.kind === 'http_error') return sendProxyError(res, result.status);
  if (result.kind === 'error') return sendJson2Error(runtime, res, result.error);
  send(res, 200, JSON_TYPE, pyJsonDumps(result.value ?? null));
}

// ------------------------------------------------------------------------------- version and hooks

export function handleWebVersion(runtime: SimRuntime, res: ServerResponse): void {
  const info = runtime.sim.versionInfo();
  send(res, 200, JSON_TYPE, pyJsonDumps({ version_info: info.server_version_info, version: info.server_version }));
}

export async function handleIncomingHook(runtime: SimRuntime, req: IncomingMessage, res: ServerResponse, uuid: string, query: URLSearchParams): Promise<void> {
  const raw = (await readBody(req)).toString('utf8');
  let payload: Record<string, unknown> = Object.fromEntries(query.entries());
  const type = req.headers['content-type'] ?? '';
  if (raw) {
    if (type.includes('json')) {
      try {
        const parsed = JSON.parse(raw);
        if (parsed && typeof parsed === 'object') payload = { ...payload, ...(parsed as Record<string, unknown>) };
      } catch {
        return send(res, 500, JSON_TYPE, pyJsonDumps({ status: 'error' }));
      }
    } else {
      payload = { ...payload, ...Object.fromEntries(new URLSearchParams(raw).entries()) };
    }
  }
  const automation = runtime.sim.automation;
  const rule = automation.incoming.get(uuid);
  let status = 404;
  if (rule) {
    // Any exception (including a missing record) rolls the call back and answers 500.
    const result = await runtime.run({ transport: 'web', service: 'hook', method: 'webhook', model: rule.model }, () =>
      automation.apply(rule, payload, runtime.sim.env(1).sudo()),
    );
    status = result.kind === 'ok' ? 200 : result.kind === 'http_error' ? result.status : 500;
    if (result.kind === 'drop') return dropConnection(req, res);
  }
  automation.logIncoming(uuid, payload, status);
  send(res, status, JSON_TYPE, pyJsonDumps({ status: status === 200 ? 'ok' : 'error' }));
}

