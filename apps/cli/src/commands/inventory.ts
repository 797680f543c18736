import { Command } from 'commander';
import { issueToken } from '@omnibus/service-kit';
import { fail } from '../output';
import { formatTable } from '../table';

interface Violation {
  rule: string;
  sku: string;
  locationId: string;
  detail: string;
}

interface CheckOptions {
  url?: string;
  json?: boolean;
}

interface DriftOptions extends CheckOptions {
  timeout: string;
}

interface DriftLine {
  locationId: string;
  sku: string;
  inventoryOnHand: string;
  odooOnHand: string;
  difference: string;
  reason: string | null;
}

interface DriftReport {
  runId: string;
  status: 'requested' | 'complete' | 'failed' | 'timed_out';
  snapshotTakenAt: string | null;
  error: string | null;
  locationIds: string[];
  ok: boolean;
  drift: DriftLine[];
  pending: DriftLine[];
}

/** Calls the inventory service as an operator (scope ops:read), with a clear message when it is not there. */
async function callInventory(options: CheckOptions, route: string, init: RequestInit = {}): Promise<Response> {
  const url = options.url ?? `http://127.0.0.1:${process.env.INVENTORY_PORT ?? 3002}`;
  // The token is signed as `omnibus token` signs it: OMNIBUS_AUTH_SECRET, else the development secret.
  const token = await issueToken({ sub: 'operator:omnibus-cli', scopes: ['ops:read'], ttl: 300 });
  try {
    return await fetch(`${url}${route}`, { ...init, headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new Error(`cannot reach inventory at ${url}: ${(error as Error).message} (is it running? npx omnibus up)`);
  }
}

/** `omnibus inventory check`: the stock invariants, as the running inventory service checks them (GET /stock/invariants). */
export function command(): Command {
  const inventory = new Command('inventory').description('stock positions and reservations of the inventory service');
  inventory
    .command('check')
    .description('check the stock invariants now (available never below 0, reservations match reserved/committed, rows match the ledger); exit 1 on a violation')
    .option('--url <url>', 'the inventory service (default http://127.0.0.1:$INVENTORY_PORT, port 3002)')
    .option('--json', 'print the report as JSON')
    .action(async (options: CheckOptions) => {
      try {
        const response = await callInventory(options, '/stock/invariants');
        if (response.status !== 200) throw new Error(`inventory answered ${response.status}: ${await response.text()}`);
        const report = (await response.json()) as { checkedAt: string; ok: boolean; violations: Violation[] };
        if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (report.ok) process.stdout.write(`stock invariants hold (checked ${report.checkedAt})\n`);
        else process.stdout.write(`${formatTable(['rule', 'sku', 'location', 'detail'], report.violations.map((v) => [v.rule, v.sku, v.locationId, v.detail]))}\n`);
        if (!report.ok) fail(new Error(`${report.violations.length} stock invariant violation(s)`));
      } catch (error) {
        fail(error);
      }
    });
  inventory
    .command('drift')
    .description("compare inventory's on-hand per SKU and location with Odoo's quants (through the odoo-adapter); exit 1 when they differ")
    .option('--url <url>', 'the inventory service (default http://127.0.0.1:$INVENTORY_PORT, port 3002)')
    .option('--timeout <seconds>', "how long to wait for Odoo's snapshot", '120')
    .option('--json', 'print the report as JSON')
    .action(async (options: DriftOptions) => {
      try {
        const started = await callInventory(options, '/stock/drift', { method: 'POST' });
        if (started.status !== 202) throw new Error(`inventory answered ${started.status}: ${await started.text()}`);
        let report = (await started.json()) as DriftReport;
        const deadline = Date.now() + Number(options.timeout) * 1000;
        while (report.status === 'requested') {
          if (Date.now() > deadline) throw new Error(`no snapshot from Odoo within ${options.timeout} s (drift run ${report.runId}; is the odoo-adapter running?)`);
          await new Promise((resolve) => setTimeout(resolve, 250));
          const polled = await callInventory(options, `/stock/drift/${report.runId}`);
          if (polled.status !== 200) throw new Error(`inventory answered ${polled.status}: ${await polled.text()}`);
          report = (await polled.json()) as DriftReport;
        }
        if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (report.status !== 'complete') process.stdout.write(`drift check ${report.runId} ${report.status}: ${report.error}\n`);
        else {
          const rows = (lines: DriftLine[], state: string) => lines.map((l) => [l.locationId, l.sku, l.inventoryOnHand, l.odooOnHand, l.difference, state]);
          if (report.drift.length + report.pending.length > 0) {
            process.stdout.write(`${formatTable(['location', 'sku', 'inventory', 'odoo', 'difference', 'state'], [...rows(report.drift, 'drift'), ...rows(report.pending, 'pending (may be in flight)')])}\n`);
          }
          process.stdout.write(
            report.ok
              ? `inventory matches Odoo at ${report.locationIds.length} location(s) (snapshot ${report.snapshotTakenAt})${report.pending.length ? `; ${report.pending.length} recent difference(s) pending` : ''}\n`
              : `${report.drift.length} SKU/location(s) differ from Odoo (snapshot ${report.snapshotTakenAt})\n`,
          );
        }
        if (report.status !== 'complete') fail(new Error(`drift check ${report.status}: ${report.error}`));
        else if (!report.ok) fail(new Error(`${report.drift.length} SKU/location(s) drifted from Odoo`));
      } catch (error) {
        fail(error);
      }
    });
  return inventory;
}
