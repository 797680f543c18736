import { Command, Option } from 'commander';
import { currentOperator } from '@omnibus/messaging';
import { issueToken } from '@omnibus/service-kit';
import { fail } from '../output';

interface ReconcileOptions {
  from: string;
  to: string;
  format: 'text' | 'csv' | 'json';
  url?: string;
  token?: string;
}

/**
 * `omnibus finance reconcile --from --to`: runs finance-posting's reconciliation of the period now
 * (POST /reconciliations) and prints its report. Exit code 0 when the period is clean, 2 when it
 * found differences (each is also an exception for review and a ReconciliationExceptionRaised).
 */
export function command(): Command {
  const finance = new Command('finance').description('finance-posting: reconcile a period of the ledger with Odoo');
  finance
    .command('reconcile')
    .description('compare what should be in Odoo (our journal entries) with what is, by posting id and daily checksums per journal and account')
    .requiredOption('--from <date>', 'first accounting date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last accounting date, YYYY-MM-DD')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'csv', 'json']).default('text'))
    .addOption(new Option('--url <url>', 'finance-posting (default http://127.0.0.1:$FINANCE_POSTING_PORT, port 3004)'))
    .addOption(new Option('--token <jwt>', 'an API token with finance:reconcile (default $OMNIBUS_TOKEN, else one signed for operator:<you>)'))
    .action(async (options: ReconcileOptions) => {
      try {
        const url = options.url ?? `http://127.0.0.1:${process.env.FINANCE_POSTING_PORT ?? 3004}`;
        const token = options.token ?? process.env.OMNIBUS_TOKEN ?? (await issueToken({ sub: `operator:${currentOperator()}`, scopes: ['finance:reconcile'], ttl: 300 }));
        let response: Response;
        try {
          response = await fetch(`${url}/reconciliations?format=${options.format}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ from: options.from, to: options.to }),
          });
        } catch (error) {
          throw new Error(`cannot reach finance-posting at ${url}: ${(error as Error).message} (is it running? npx omnibus up)`);
        }
        const text = await response.text();
        if (response.status !== 201) throw new Error(`finance-posting answered ${response.status}: ${text}`);
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        const clean = options.format === 'json' ? JSON.parse(text).clean : options.format === 'text' ? /: CLEAN\n/.test(text) : text.trim().split('\n').length === 1;
        if (!clean) process.exitCode = 2;
      } catch (error) {
        fail(error);
      }
    });
  return finance;
}
