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
        const url = options.url ?? `http://127.0.0.1:${process.env.INVENTORY_PORT ?? 3002}`;
        // The token is signed as `omnibus token` signs it: OMNIBUS_AUTH_SECRET, else the development secret.
        const token = await issueToken({ sub: 'operator:omnibus-cli', scopes: ['ops:read'], ttl: 300 });
        let response: Response;
        try {
          response = await fetch(`${url}/stock/invariants`, { headers: { authorization: `Bearer ${token}` } });
        } catch (error) {
          throw new Error(`cannot reach inventory at ${url}: ${(error as Error).message} (is it running? npx omnibus up)`);
        }
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
  return inventory;
}
