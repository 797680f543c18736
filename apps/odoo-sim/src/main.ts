import { ODOO_VERSIONS, type OdooVersion } from './orm/types';
import { DEV_ADMIN_TOKEN, startOdooSim } from './server';

/**
 * `node -r @swc-node/register apps/odoo-sim/src/main.ts` — env: ODOO_SIM_PORT (or PORT), ODOO_SIM_VERSION,
 * ODOO_SIM_ADMIN_TOKEN, ODOO_SIM_HOST, ODOO_SIM_SEED, ODOO_SIM_PRODUCTS (seeded products, default 1000),
 * ODOO_SIM_WORKERS (concurrent calls, the rest queue; default unbounded), ODOO_SIM_LATENCY_MS (per call, default 0).
 */
function positiveInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return value;
}

async function main(): Promise<void> {
  const version = Number(process.env.ODOO_SIM_VERSION ?? 17) as OdooVersion;
  if (!ODOO_VERSIONS.includes(version)) throw new Error(`ODOO_SIM_VERSION must be one of ${ODOO_VERSIONS.join(', ')}`);
  const port = Number(process.env.ODOO_SIM_PORT ?? process.env.PORT ?? 8069);
  const adminToken = process.env.ODOO_SIM_ADMIN_TOKEN ?? DEV_ADMIN_TOKEN;
  const sim = await startOdooSim({
    port,
    host: process.env.ODOO_SIM_HOST ?? '127.0.0.1',
    version,
    adminToken,
    seed: process.env.ODOO_SIM_SEED ? Number(process.env.ODOO_SIM_SEED) : undefined,
    productCount: process.env.ODOO_SIM_PRODUCTS ? Number(process.env.ODOO_SIM_PRODUCTS) : undefined,
    workers: positiveInt('ODOO_SIM_WORKERS') || null,
    callLatencyMs: positiveInt('ODOO_SIM_LATENCY_MS'),
    processMetrics: true,
  });
  if (!process.env.ODOO_SIM_ADMIN_TOKEN) console.warn('odoo-sim: using the dev admin token; set ODOO_SIM_ADMIN_TOKEN outside development');
  // The "listening" line is what test harnesses wait for (it carries the real port when 0 was asked).
  console.log(
    JSON.stringify({ msg: 'odoo-sim listening', url: sim.url, port: sim.port, version, db: sim.simulator.dbName, workers: sim.runtime.workers.limit, latencyMs: sim.runtime.callLatencyMs }),
  );
  const stop = () => {
    sim.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
