import { metricsRegistry } from '@omnibus/observability';
import { waitFor } from '@omnibus/testing';
import { createHarness, fix, Harness, reserveStock, StockReservationRequested } from '../../test/harness';
import { createOperatorCli, OperatorCli } from '../../test/operator-cli';
import { consumerMetrics, EventHandler, watchParkedKeys } from '..';

jest.setTimeout(120_000);

describe('parked keys through `omnibus parked`', () => {
  let harness: Harness;
  let cli: OperatorCli;
  let ids: string[];
  let unwatch: () => void;

  const service = () => ['--service', harness.service, '--database-url', harness.db.url];
  const reservedSequences = async (orderId: string) =>
    (await harness.reservations()).filter((r) => r.orderId === orderId).map((r) => r.sequence);
  const gaugeValue = async (name: string) => {
    const line = (await metricsRegistry.metrics()).split('\n').find((l) => l.startsWith(`${name}{consumer_group="${harness.service}"}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  /** order-1's request 2 fails (for good, or until the fix is deployed); requests 3 and 4 park behind it. */
  async function parkOrder1(poison: 'permanent' | 'until-fixed') {
    await harness
      .consumer({
        handlers: [{ eventType: StockReservationRequested, sequenced: true, handle: reserveStock('consumer') as EventHandler }],
        retry: { inPlaceRetries: 1, initialDelayMs: 10, maxDelayMs: 10, retryTopicDelaysMs: [] },
      })
      .start();
    ids = await harness.publish([
      { orderId: 'order-1', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-2', quantity: 1, sequence: 2, poison },
      { orderId: 'order-1', sku: 'SKU-3', quantity: 1, sequence: 3 },
      { orderId: 'order-2', sku: 'SKU-1', quantity: 1, sequence: 1 },
      { orderId: 'order-1', sku: 'SKU-4', quantity: 1, sequence: 4 },
    ]);
    await waitFor(async () => (await harness.deadLetters()).length === 1, { what: 'request 2 of order-1 dead-lettered' });
    await waitFor(
      async () => (await harness.dataSource.query(`SELECT count(*)::int AS n FROM messaging_parked_event`))[0].n === 2,
      { what: 'requests 3 and 4 of order-1 parked' },
    );
  }

  beforeEach(async () => {
    fix.deployed = false;
    harness = await createHarness({ partitions: 2 });
    cli = await createOperatorCli();
    unwatch = watchParkedKeys(harness.dataSource, harness.service);
  });

  afterEach(async () => {
    unwatch();
    await harness.close();
    await cli.close();
  });

  it('lists and shows a parked key, and release re-drives its head after a fix: order-1 is reserved in order, once each', async () => {
    await parkOrder1('until-fixed');
    expect(await gaugeValue('omnibus_consumer_parked_keys')).toBe(1);

    const list = await cli.omnibus('parked', 'list', ...service());
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const row = list.stdout.split('\n').find((line) => line.includes('order-1'));
    expect(row).toContain(ids[1]);
    expect(row).toMatch(/\s2$/); // two waiting
    expect(list.stdout).toContain('1 parked key(s)');
    expect(list.stdout).not.toContain('order-2');

    const show = await cli.omnibus('parked', 'show', 'order-1', ...service());
    expect(show).toMatchObject({ code: 0, stderr: '' });
    expect(show.stdout).toContain(`dead letter ${harness.deadLetterTopic}`);
    expect(show.stdout).toContain('cannot reserve SKU-2 yet');
    expect(show.stdout.indexOf(ids[2])).toBeGreaterThan(0);
    expect(show.stdout.indexOf(ids[4])).toBeGreaterThan(show.stdout.indexOf(ids[2])); // release order

    fix.deployed = true;
    const release = await cli.omnibus('parked', 'release', 'order-1', ...service(), '--yes', '--wait', '60');
    expect(release).toMatchObject({ code: 0, stderr: '' });
    expect(release.stdout).toContain(`re-drove the head ${ids[1]} of key order-1`);
    expect(release.stdout).toContain('the key is no longer parked');

    expect(await reservedSequences('order-1')).toEqual([1, 2, 3, 4]);
    expect(await gaugeValue('omnibus_consumer_parked_keys')).toBe(0);
    // The head's dead letter is booked as re-driven: nothing left waiting in dlq list.
    const dlq = await cli.omnibus('dlq', 'list', '--service', harness.service);
    expect(dlq.stdout).toContain('0 dead letter(s)');
    expect((await cli.auditRows()).map((r) => `${r.action} ${r.outcome}`)).toEqual([
      'parked.list succeeded',
      'parked.show succeeded',
      'parked.release succeeded',
      'dlq.list succeeded',
    ]);
  });

  it('skip drops a head that can never succeed and releases the rest in order; the dropped head never runs, even re-driven', async () => {
    await parkOrder1('permanent');

    const unconfirmed = await cli.omnibus('parked', 'skip', 'order-1', ...service());
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('pass --yes');
    expect(await reservedSequences('order-1')).toEqual([1]);

    const skip = await cli.omnibus('parked', 'skip', 'order-1', ...service(), '--yes', '--wait', '60');
    expect(skip).toMatchObject({ code: 0, stderr: '' });
    expect(skip.stdout).toContain(`skipped the head ${ids[1]} of key order-1 (dead letter`);
    expect(skip.stdout).toContain('the key is no longer parked');
    expect(await reservedSequences('order-1')).toEqual([1, 3, 4]);

    // Its dead letter is marked skipped: not waiting any more, and shown as skipped on request.
    expect((await cli.omnibus('dlq', 'list', '--service', harness.service)).stdout).toContain('0 dead letter(s)');
    expect((await cli.omnibus('dlq', 'list', '--service', harness.service, '--include-redriven')).stdout).toMatch(/skipped \d{4}-/);

    // An operator re-drives it anyway: the group's inbox has it as done, so it is not reserved.
    const duplicates = async () => {
      const { values } = await consumerMetrics.outcomes.get();
      return values.filter((v) => v.labels.consumer_group === harness.service && v.labels.outcome === 'duplicate').reduce((sum, v) => sum + v.value, 0);
    };
    const duplicatesBefore = await duplicates();
    const redrive = await cli.omnibus('dlq', 'redrive', '--service', harness.service, '--all', '--include-redriven', '--yes');
    expect(redrive.code).toBe(0);
    await waitFor(async () => (await duplicates()) > duplicatesBefore, { what: 'the re-driven skipped head absorbed by the inbox' });
    expect(await reservedSequences('order-1')).toEqual([1, 3, 4]);

    expect((await cli.auditRows()).map((r) => `${r.action} ${r.outcome}`).slice(0, 2)).toEqual(['parked.skip failed', 'parked.skip succeeded']);
  });

  it('a key parked close to the dead-letter retention is flagged in parked list and on /metrics before its head expires', async () => {
    await parkOrder1('permanent');
    expect(await gaugeValue('omnibus_consumer_parked_keys_near_dlq_retention')).toBe(0);
    // Parked 25 days ago: the dead letter of its head leaves the 30-day dead-letter topic within a week.
    await harness.dataSource.query(`UPDATE messaging_parked_key SET parked_at = now() - interval '25 days'`);

    const list = await cli.omnibus('parked', 'list', ...service());
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').find((line) => line.includes('order-1'))).toMatch(/^!\s/);
    expect(list.stdout).toContain('! 1 key(s) parked longer than 23 days');
    expect(list.stdout).toContain('25d');
    expect(await gaugeValue('omnibus_consumer_parked_keys_near_dlq_retention')).toBe(1);
  });
});
