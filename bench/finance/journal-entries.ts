/**
 * Journal entries posted per second to odoo-sim at 20 ms per call (issue 13): PostJournalEntry commands
 * on Kafka → odoo-adapter → Odoo → OdooCommandSucceeded on Kafka, the adapter batched
 * (ODOO_BATCH_SIZE=50, the default: one ref search, one create, one action_post, one read per batch,
 * journal-entry-batch.ts) and unbatched (ODOO_BATCH_SIZE=1: the same calls per entry) side by side in
 * one run, alternating rounds so that changes in the machine's load hit both.
 *
 *   node -r @swc-node/register bench/finance/journal-entries.ts [--batched 3000] [--unbatched 400] [--rounds 2]
 *
 * The simulator runs 4 workers, each call held 20 ms inside its worker (POST /__sim/workers), so at
 * most 4 calls are in Odoo at once, as bench/odoo/sale-orders.ts. Each variant drains a backlog
 * published at once: entries/s = entries / (first publish → last result received), and Odoo calls per
 * entry (the simulator's call log). Entries: two lines (receivable / revenue), as the adapter's tests.
 */
import { parseArgs } from 'node:util';
import { OdooCommandSucceeded, PostJournalEntry } from '@omnibus/contracts';
import { OdooSimProcess } from '@omnibus/odoo-client/testing';
import { waitFor } from '@omnibus/testing';
import { randomUUID } from 'node:crypto';
import { postJournalEntry } from '../../apps/odoo-adapter/test/commands';
import { RegistryProcess, startAdapter } from '../../apps/odoo-adapter/test/harness';
import { machine } from '../odoo/setup';

const { values: args } = parseArgs({ options: { batched: { type: 'string', default: '3000' }, unbatched: { type: 'string', default: '400' }, rounds: { type: 'string', default: '2' } } });

const callCount = async (sim: OdooSimProcess) => (await sim.admin<{ count: number }>('GET', '/calls/count')).count;

async function drain(sim: OdooSimProcess, registry: RegistryProcess, env: Record<string, string>, count: number): Promise<string> {
  const under = await startAdapter(sim, registry, { ODOO_SYNC_ENABLED: 'false', LOG_LEVEL: 'warn', ...env });
  try {
    const succeeded = (prefix: Set<string>) => under.events.filter((event) => event.type === OdooCommandSucceeded.type && prefix.has((event.value as OdooCommandSucceeded).aggregateId));
    // Warm-up: schema registration, group join, connections, journal and account lookups (cached after).
    const warm = new Set([randomUUID()]);
    await under.publish(PostJournalEntry, postJournalEntry([...warm][0], 100));
    await waitFor(() => succeeded(warm).length >= 1 || undefined, { timeoutMs: 120_000, what: 'the warm-up entry' });

    const ids = Array.from({ length: count }, () => randomUUID());
    const wanted = new Set(ids);
    await sim.clearCalls();
    const started = Date.now();
    for (let i = 0; i < count; i += 500) await under.publishTogether(ids.slice(i, i + 500).map((id, j) => ({ contract: PostJournalEntry, payload: postJournalEntry(id, 1_000 + ((i + j) % 9_000)) })));
    let seen = 0;
    let last = 0;
    await waitFor(
      () => {
        const done = succeeded(wanted);
        if (done.length > seen) {
          seen = done.length;
          last = Math.max(...done.map((event) => event.receivedAt));
        }
        return seen >= count || undefined;
      },
      { timeoutMs: 1_800_000, intervalMs: 50, what: `${count} entries` },
    );
    const seconds = (last - started) / 1000;
    return `${count} entries in ${seconds.toFixed(1)} s = ${(count / seconds).toFixed(1)} entries/s, ${((await callCount(sim)) / count).toFixed(2)} Odoo calls per entry; ${machine()}`;
  } finally {
    await under.stop();
  }
}

async function main(): Promise<void> {
  console.log(`journal entries into Odoo (simulator: 4 workers, 20 ms per call); ${machine()}`);
  const [sim, registry] = await Promise.all([OdooSimProcess.start({ version: 17 }), RegistryProcess.start()]);
  try {
    await sim.admin('POST', '/workers', { count: 4, latencyMs: 20 });
    for (let round = 1; round <= Number(args.rounds); round++) {
      console.log(`round ${round} batched (50)   ${await drain(sim, registry, {}, Number(args.batched))}`);
      console.log(`round ${round} unbatched (1)  ${await drain(sim, registry, { ODOO_BATCH_SIZE: '1', ODOO_BATCH_LINGER_MS: '0', ODOO_BATCH_MIN_BYTES: '1' }, Number(args.unbatched))}`);
    }
    console.log(`done; ${machine()}`);
  } finally {
    await Promise.all([sim.stop(), registry.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
