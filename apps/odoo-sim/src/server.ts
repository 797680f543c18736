import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics } from 'prom-client';
import { AdminApi } from './admin';
import type { OdooVersion } from './orm/types';
import { SimRuntime } from './sim/runtime';
import { Simulator, type SimulatorOptions } from './sim/simulator';
import { JSON_TYPE, send, sendMethodNotAllowed, sendNotFoundPage } from './wire/http';
import { handleIncomingHook, handleJson2, handleJsonRpc, handleWebRoute, handleWebVersion, handleXmlRpc } from './wire/transports';

/** Starts the Odoo external-API simulator on a port (0 = any free port). */

export const DEV_ADMIN_TOKEN = 'dev-only-odoo-sim-admin-token';

export interface OdooSimOptions extends SimulatorOptions {
  port?: number;
  host?: string;
  adminToken?: string;
  /** Odoo's HTTP workers: at most this many calls at once, the rest queue (default: unbounded). */
  workers?: number | null;
  /** Milliseconds every call spends in its worker (default 0). */
  callLatencyMs?: number;
  /** Registers Node process metrics on /metrics (once per process). */
  processMetrics?: boolean;
}

export interface RunningOdooSim {
  url: string;
  port: number;
  runtime: SimRuntime;
  simulator: Simulator;
  adminToken: string;
  setVersion(version: OdooVersion): void;
  close(): Promise<void>;
}

export async function startOdooSim(options: OdooSimOptions = {}): Promise<RunningOdooSim> {
  const simulator = new Simulator(options);
  const runtime = new SimRuntime(simulator);
  runtime.workers.setLimit(options.workers ?? null);
  runtime.callLatencyMs = options.callLatencyMs ?? 0;
  if (options.processMetrics) collectDefaultMetrics({ register: runtime.metrics });
  const adminToken = options.adminToken ?? DEV_ADMIN_TOKEN;
  const admin = new AdminApi(runtime, adminToken);

  const server: Server = createServer((req, res) => {
    route(runtime, admin, req, res).catch((error: unknown) => {
      // A bug in the simulator, not an Odoo behaviour: answer 500 plainly rather than hang.
      send(res, 500, 'text/plain; charset=utf-8', `odoo-sim internal error: ${error instanceof Error ? error.stack : String(error)}`);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8069, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    runtime,
    simulator,
    adminToken,
    setVersion: (version) => simulator.reset({ version }),
    close: async () => {
      await simulator.automation.settle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function route(runtime: SimRuntime, admin: AdminApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://odoo-sim');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const version = runtime.sim.version;

  if (path === '/health/live') return send(res, 200, JSON_TYPE, JSON.stringify({ status: 'ok' }));
  if (path === '/health/ready') return send(res, 200, JSON_TYPE, JSON.stringify({ status: 'ok', version, db: runtime.sim.dbName }));
  if (path === '/metrics') return send(res, 200, runtime.metrics.contentType, await runtime.metrics.metrics());
  if (path.startsWith('/__sim/')) return admin.handle(req, res, path, url.searchParams);

  const xmlrpc = /^\/xmlrpc\/(2\/)?(common|object|db|[^/]+)$/.exec(path);
  if ((xmlrpc || path === '/jsonrpc') && method !== 'POST') {
    req.resume();
    return sendMethodNotAllowed(res, 'OPTIONS, POST');
  }
  if (xmlrpc) return handleXmlRpc(runtime, req, res, xmlrpc[2], !xmlrpc[1]);
  if (path === '/jsonrpc') return handleJsonRpc(runtime, req, res);
  if (path === '/web/version' && method === 'GET') return handleWebVersion(runtime, res);
  if (
    method === 'POST' &&
    (['/web/session/authenticate', '/web/session/get_session_info', '/web/session/destroy', '/web/webclient/version_info'].includes(path) ||
      path === '/web/dataset/call_kw' ||
      path.startsWith('/web/dataset/call_kw/'))
  ) {
    return handleWebRoute(runtime, req, res, path);
  }
  if ((path === '/json/2' || path.startsWith('/json/2/')) && version >= 19) return handleJson2(runtime, req, res, path);
  const hook = /^\/web\/hook\/([0-9a-fA-F-]+)$/.exec(path);
  if (hook && version >= 17 && (method === 'GET' || method === 'POST')) return handleIncomingHook(runtime, req, res, hook[1], url.searchParams);
  req.resume();
  return sendNotFoundPage(res);
}
