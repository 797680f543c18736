/**
 * One inventory instance of the bench in a process of its own (its own event loop, as in
 * production), forked by inventory.bench.ts with the settings in its environment (argument: the
 * service module to run, default this checkout's). Tells the parent
 * its URL over IPC, and closes cleanly when the parent says `close` (or goes away).
 */
import { createService, ServiceDefinition } from '@omnibus/service-kit';

async function main(): Promise<void> {
  // Another checkout's service (BENCH_BASELINE of the bench) or this one's.
  const { inventoryService } = (await import(process.argv[2] ?? '../src/service')) as { inventoryService: ServiceDefinition };
  const instance = await createService(inventoryService, { env: process.env });
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await instance.close();
    process.exit(0);
  };
  process.on('message', (message) => message === 'close' && void close());
  process.on('disconnect', () => void close());
  process.send!({ url: instance.url });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
