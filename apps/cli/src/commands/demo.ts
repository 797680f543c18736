import { Command, InvalidArgumentError } from 'commander';
import { demoSettingsFromEnv, runDemo } from '../demo/demo';
import { MAX_DEMO_ORDERS } from '../demo/demo-orders';
import { fail } from '../output';

export function command(): Command {
  return new Command('demo')
    .description(
      "against a running platform (omnibus up): orders from a web shop into Odoo, shipped in parcels with retail-sim's carrier until completed (deliveries, captures, invoices in Odoo), their events on Kafka, a partial return at a store (refund, restock, Odoo return picking and credit note), a stock change from Odoo",
    )
    .option('--orders <n>', `how many orders to post (1-${MAX_DEMO_ORDERS})`, integerIn(1, MAX_DEMO_ORDERS), 3)
    .option('--timeout <seconds>', 'how long each step may take', integerIn(1, 600), 30)
    .option('--no-stock', 'skip the stock change in Odoo')
    .option('--no-return', 'skip the return of a delivered order at a store')
    .action(async (options: { orders: number; timeout: number; stock: boolean; return: boolean }) => {
      try {
        await runDemo(demoSettingsFromEnv(process.env, { orders: options.orders, timeoutMs: options.timeout * 1000, stock: options.stock, returns: options.return }), (line = '') =>
          process.stdout.write(`${line}\n`),
        );
      } catch (error) {
        fail(new Error(`demo failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    });
}

function integerIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return n;
  };
}
