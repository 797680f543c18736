import { DEV_CARRIER_KEY } from './carrier/carrier-api';
import { DEV_GATEWAY_KEY, startRetailSim } from './server';

/**
 * `node -r @swc-node/register apps/retail-sim/src/main.ts` — env: RETAIL_SIM_PORT (or PORT; default 3010),
 * RETAIL_SIM_GATEWAY_KEY, RETAIL_SIM_LATENCY_MS, RETAIL_SIM_DECLINE_RATE, RETAIL_SIM_TIMEOUT_RATE,
 * RETAIL_SIM_TIMEOUT_DELAY_MS, RETAIL_SIM_WEBHOOK_URL with RETAIL_SIM_WEBHOOK_SECRET; the carrier's
 * RETAIL_SIM_CARRIER_KEY, RETAIL_SIM_CARRIER_STEP_MS, RETAIL_SIM_CARRIER_EXCEPTION_RATE,
 * RETAIL_SIM_CARRIER_WEBHOOK_URL with RETAIL_SIM_CARRIER_WEBHOOK_SECRET.
 */
function rate(name: string): number {
  const value = Number(process.env[name] ?? 0);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number from 0 to 1, got "${process.env[name]}"`);
  return value;
}

function milliseconds(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of milliseconds, got "${process.env[name]}"`);
  return value;
}

/** <prefix>_WEBHOOK_URL and <prefix>_WEBHOOK_SECRET (whsec_<base64>) together, or no webhooks. */
function webhookTarget(prefix: string): { url: string; secret: string } | null {
  const url = process.env[`${prefix}_WEBHOOK_URL`];
  const secret = process.env[`${prefix}_WEBHOOK_SECRET`];
  if (!url && !secret) return null;
  if (!url || !secret || !/^whsec_[A-Za-z0-9+/=]+$/.test(secret)) throw new Error(`${prefix}_WEBHOOK_URL and ${prefix}_WEBHOOK_SECRET (whsec_<base64>) go together`);
  return { url, secret };
}

async function main(): Promise<void> {
  const gatewayKey = process.env.RETAIL_SIM_GATEWAY_KEY ?? DEV_GATEWAY_KEY;
  const sim = await startRetailSim({
    port: Number(process.env.RETAIL_SIM_PORT ?? process.env.PORT ?? 3010),
    host: process.env.RETAIL_SIM_HOST ?? '127.0.0.1',
    gatewayKey,
    latencyMs: milliseconds('RETAIL_SIM_LATENCY_MS', 0),
    declineRate: rate('RETAIL_SIM_DECLINE_RATE'),
    timeoutRate: rate('RETAIL_SIM_TIMEOUT_RATE'),
    timeoutDelayMs: milliseconds('RETAIL_SIM_TIMEOUT_DELAY_MS', 30_000),
    webhook: webhookTarget('RETAIL_SIM'),
    carrier: {
      key: process.env.RETAIL_SIM_CARRIER_KEY ?? DEV_CARRIER_KEY,
      stepMs: milliseconds('RETAIL_SIM_CARRIER_STEP_MS', 1000),
      exceptionRate: rate('RETAIL_SIM_CARRIER_EXCEPTION_RATE'),
      webhook: webhookTarget('RETAIL_SIM_CARRIER'),
    },
  });
  if (!process.env.RETAIL_SIM_GATEWAY_KEY) console.warn('retail-sim: using the dev gateway key; set RETAIL_SIM_GATEWAY_KEY outside development');
  if (!process.env.RETAIL_SIM_CARRIER_KEY) console.warn('retail-sim: using the dev carrier key; set RETAIL_SIM_CARRIER_KEY outside development');
  // The "listening" line is what test harnesses wait for (it carries the real port when 0 was asked).
  console.log(JSON.stringify({ msg: `retail-sim listening on ${sim.url}`, url: sim.url, port: sim.port }));
  const stop = () => {
    sim.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
