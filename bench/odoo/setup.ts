// Shared set-up of the Odoo adapter benchmarks: the simulator and the schema registry as child processes,
// the adapter in this process on unique topics (the integration-test harness), the real Kafka and PostgreSQL.
import { OdooClient } from '@omnibus/odoo-client';
import { OdooSimProcess, SimVersion } from '@omnibus/odoo-client/testing';
import os from 'node:os';
import { AdapterUnderTest, RegistryProcess, startAdapter } from '../../apps/odoo-adapter/test/harness';

export interface Bench {
  sim: OdooSimProcess;
  registry: RegistryProcess;
  under: AdapterUnderTest;
  odoo: OdooClient;
  stop(): Promise<void>;
}

export async function startBench(version: SimVersion, env: Record<string, string>): Promise<Bench> {
  const [sim, registry] = await Promise.all([OdooSimProcess.start({ version }), RegistryProcess.start()]);
  const under = await startAdapter(sim, registry, env);
  const odoo = new OdooClient({ url: sim.url, database: 'omnibus', login: 'admin', password: 'admin', maxConcurrent: 8 });
  return {
    sim,
    registry,
    under,
    odoo,
    async stop() {
      await under.stop();
      await odoo.close();
      await Promise.all([sim.stop(), registry.stop()]);
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summary(label: string, samplesMs: number[]): string {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `${label}: n=${sorted.length} p50=${f(percentile(sorted, 50))} ms p90=${f(percentile(sorted, 90))} ms p99=${f(percentile(sorted, 99))} ms max=${f(sorted[sorted.length - 1])} ms; slowest ${sorted.slice(-5).map(f).join(', ')}`;
}

export function machine(): string {
  return `node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
