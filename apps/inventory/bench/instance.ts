/**
 * One inventory instance of the bench in a process of its own (its own event loop, as in
 * production), forked by inventory.bench.ts with the settings in its environment. Tells the parent
 * its URL over IPC, and closes cleanly when the parent says `close` (or goes away).
 */
import { createService } from '@omnibus/service-kit';
import { inventoryService } from '../src/service';

async function main(): Promise<void> {
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
