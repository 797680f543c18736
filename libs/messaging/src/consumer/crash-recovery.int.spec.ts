import { spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '@omnibus/testing';
import { createHarness, Harness } from '../../test/harness';

jest.setTimeout(60_000);

describe('a consumer killed after its transaction commits but before its offset commit', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await createHarness({ partitions: 1 });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('applies no reservation twice when the next consumer of the group gets the same events again', async () => {
    const ids = await harness.publish(
      Array.from({ length: 20 }, (_, i) => ({ orderId: `order-${i % 4}`, sku: 'SKU-1', quantity: 1, sequence: i })),
    );

    const root = path.resolve(__dirname, '../../../..');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, '../../test/consume-until-killed.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: harness.db.url, SERVICE: harness.service, TOPIC: harness.topic },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect({ ...exit, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });

    // Its transaction committed (5 reservations), its offset did not.
    expect((await harness.reservations()).map((r) => r.reservedBy)).toEqual(Array(5).fill('doomed'));
    const [committed] = await harness.admin.fetchOffsets({ groupId: harness.service, topics: [harness.topic] });
    expect(committed.partitions[0].offset).toBe('-1');

    await harness.consumer({ name: 'successor' }).start();
    const reservations = await waitFor(async () => {
      const rows = await harness.reservations();
      return rows.length >= 20 ? rows : undefined;
    }, { what: 'all 20 reservations' });
    expect(reservations.map((r) => r.eventId)).toEqual(ids);
    expect(reservations.slice(5).every((r) => r.reservedBy === 'successor')).toBe(true);
    await waitFor(async () => {
      const [offsets] = await harness.admin.fetchOffsets({ groupId: harness.service, topics: [harness.topic] });
      return offsets.partitions[0].offset === '20';
    }, { what: 'the group offset past the last event' });
  });
});
