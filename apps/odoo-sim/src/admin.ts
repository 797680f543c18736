import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { OdooException, userError } from './orm/errors';
import { ODOO_VERSIONS, type OdooVersion } from './orm/types';
import { faultSpecSchema } from './sim/chaos';
import type { SimRuntime } from './sim/runtime';
import { JSON_TYPE, readBody, send } from './wire/http';

/**
 * The simulator's own control API under /__sim/ (not an Odoo path), protected by a bearer token:
 * reset/reseed, version, API keys, webhooks, fault injection, workers and the call log.
 */

const versionSchema = z.union([z.literal(16), z.literal(17), z.literal(18), z.literal(19)]);

const schemas = {
  reset: z.object({ version: versionSchema.optional(), seed: z.number().int().optional() }).strict(),
  version: z.object({ version: versionSchema, reset: z.boolean().optional() }).strict(),
  apiKey: z
    .object({
      login: z.string().default('admin'),
      name: z.string().default('omnibus'),
      scope: z.string().nullable().optional(),
      expiration_date: z.string().nullable().optional(),
    })
    .strict(),
  webhook: z
    .object({
      name: z.string().default('Notify Omnibus'),
      model: z.string(),
      trigger: z.enum(['on_create', 'on_write', 'on_create_or_write', 'on_unlink']).default('on_create_or_write'),
      fields: z.array(z.string()).default([]),
      trigger_fields: z.array(z.string()).default([]),
      url: z.string().url(),
      /** Odoo signs nothing: a secret can only travel in the URL. It is appended as ?secret=... */
      secret: z.string().optional(),
    })
    .strict(),
  incomingHook: z
    .object({ name: z.string().default('Incoming hook'), model: z.string(), write: z.record(z.unknown()).nullable().optional() })
    .strict(),
  workers: z.object({ count: z.number().int().positive().nullable().optional(), latencyMs: z.number().int().min(0).max(120_000).optional() }).strict(),
  config: z.object({ login_cooldown: z.object({ after: z.number().int().positive(), seconds: z.number().positive() }).nullable().optional() }).strict(),
};

export class AdminApi {
  constructor(
    private readonly runtime: SimRuntime,
    private readonly token: string,
  ) {}

  authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const given = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : req.headers['x-sim-admin-token'];
    return given === this.token;
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    if (!this.authorized(req)) return reply(res, 401, { error: 'admin token required (Authorization: Bearer <ODOO_SIM_ADMIN_TOKEN>)' });
    const raw = (await readBody(req)).toString('utf8');
    let body: unknown = {};
    if (raw.trim()) {
      try {
        body = JSON.parse(raw);
      } catch {
        return reply(res, 400, { error: 'body is not JSON' });
      }
    }
    try {
      const result = this.route(req.method ?? 'GET', path, query, body);
      if (result === undefined) return reply(res, 404, { error: `no admin route ${req.method} ${path}` });
      return reply(res, 200, result);
    } catch (error) {
      if (error instanceof z.ZodError) return reply(res, 400, { error: 'invalid request', issues: error.issues });
      if (error instanceof OdooException) return reply(res, 400, { error: error.message });
      throw error;
    }
  }

  private route(method: string, path: string, query: URLSearchParams, body: unknown): unknown {
    const { runtime } = this;
    const sim = runtime.sim;
    const key = `${method} ${path.replace(/\/\d+$/, '/:id')}`;
    const idInPath = Number(path.split('/').pop());
    switch (key) {
      case 'GET /__sim/state':
        return {
          version: sim.version,
          db: sim.dbName,
          workers: { limit: runtime.workers.limit, latencyMs: runtime.callLatencyMs, busy: runtime.workers.busy, queued: runtime.workers.queued },
          faults: runtime.faults.faults,
          webhooks: [...sim.automation.outgoing.values()],
          counts: Object.fromEntries(['res.partner', 'product.product', 'stock.quant', 'sale.order', 'stock.picking', 'account.move'].map((m) => [m, sim.state.db.table(m).size])),
        };
      case 'POST /__sim/reset': {
        const input = schemas.reset.parse(body);
        sim.reset({ version: input.version as OdooVersion | undefined, seed: input.seed });
        runtime.faults.clear();
        runtime.calls.clear();
        return { version: sim.version, db: sim.dbName };
      }
      case 'GET /__sim/version':
        return { version: sim.version, versions: ODOO_VERSIONS };
      case 'PUT /__sim/version':
      case 'POST /__sim/version': {
        const input = schemas.version.parse(body);
        // Field names differ per version, so switching version reseeds the database.
        sim.reset({ version: input.version as OdooVersion });
        runtime.calls.clear();
        return { version: sim.version };
      }
      case 'POST /__sim/api-keys': {
        const input = schemas.apiKey.parse(body);
        return sim.createApiKey(input.login, input.name, { scope: input.scope, expirationDate: input.expiration_date });
      }
      case 'GET /__sim/webhooks':
        return { rules: [...sim.automation.outgoing.values()], deliveries: sim.automation.deliveries };
      case 'POST /__sim/webhooks': {
        const input = schemas.webhook.parse(body);
        const url = input.secret ? `${input.url}${input.url.includes('?') ? '&' : '?'}secret=${encodeURIComponent(input.secret)}` : input.url;
        if (!sim.state.registry.has(input.model)) throw userError(`unknown model ${input.model}`);
        return sim.automation.addOutgoing({ name: input.name, model: input.model, trigger: input.trigger, fields: input.fields, triggerFields: input.trigger_fields, url });
      }
      case 'DELETE /__sim/webhooks/:id':
        return { removed: sim.automation.removeOutgoing(idInPath) };
      case 'GET /__sim/webhooks/deliveries':
        return sim.automation.deliveries;
      case 'POST /__sim/incoming-webhooks': {
        const input = schemas.incomingHook.parse(body);
        const rule = sim.automation.addIncoming({ name: input.name, model: input.model, writeVals: input.write ?? null });
        return { ...rule, path: `/web/hook/${rule.uuid}` };
      }
      case 'GET /__sim/incoming-webhooks/calls':
        return sim.automation.incomingCalls;
      case 'GET /__sim/faults':
        return runtime.faults.faults;
      case 'POST /__sim/faults': {
        const specs = Array.isArray(body) ? body : [body];
        return specs.map((spec) => runtime.faults.add(faultSpecSchema.parse(spec)));
      }
      case 'DELETE /__sim/faults':
        runtime.faults.clear();
        return { cleared: true };
      case 'DELETE /__sim/faults/:id':
        return { removed: runtime.faults.remove(idInPath) };
      case 'PUT /__sim/workers':
      case 'POST /__sim/workers': {
        const input = schemas.workers.parse(body);
        if (input.count !== undefined) runtime.workers.setLimit(input.count);
        if (input.latencyMs !== undefined) runtime.callLatencyMs = input.latencyMs;
        return { limit: runtime.workers.limit, latencyMs: runtime.callLatencyMs };
      }
      case 'PUT /__sim/config':
      case 'POST /__sim/config': {
        const input = schemas.config.parse(body);
        if (input.login_cooldown !== undefined) sim.loginCooldown = input.login_cooldown;
        return { login_cooldown: sim.loginCooldown };
      }
      case 'GET /__sim/calls':
        return runtime.calls.query(callFilter(query));
      case 'GET /__sim/calls/count': {
        const records = runtime.calls.query(callFilter(query));
        return { count: records.length, created_ids: records.flatMap((r) => r.createdIds ?? []) };
      }
      case 'DELETE /__sim/calls':
        runtime.calls.clear();
        return { cleared: true };
      default:
        return undefined;
    }
  }
}

function callFilter(query: URLSearchParams) {
  const committed = query.get('committed');
  const since = query.get('since_seq');
  return {
    transport: query.get('transport') ?? undefined,
    model: query.get('model') ?? undefined,
    method: query.get('method') ?? undefined,
    outcome: query.get('outcome') ?? undefined,
    committed: committed === null ? undefined : committed === 'true',
    sinceSeq: since === null ? undefined : Number(since),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON_TYPE, JSON.stringify(body));
}
