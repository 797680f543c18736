import { createTestTopics, uniqueName, waitFor } from '@omnibus/testing';
import type { Admin } from 'kafkajs';
import { createHarness, Harness } from '../../test/harness';
import { applyReplay, planReplay } from '..';
import { createOperatorCli, OperatorCli } from '../../test/operator-cli';

jest.setTimeout(120_000);

describe('replay moves an idle group, all topics or none', () => {
  let harness: Harness;
  let cli: OperatorCli;

  const committed = async (groupId: string, topics: string[]) =>
    (await harness.admin.fetchOffsets({ groupId, topics })).map((t) => ({ topic: t.topic, offsets: t.partitions.map((p) => `${p.partition}:${p.offset}`).sort() }));

  beforeEach(async () => {
    harness = await createHarness({ partitions: 2 });
    cli = await createOperatorCli();
  });

  afterEach(async () => {
    await harness.close();
    await cli.close();
  });

  it('refuses when a member joins between the preview and the confirmation, and moves nothing', async () => {
    const consumer = harness.consumer();
    await consumer.start();
    await harness.publish(Array.from({ length: 6 }, (_, i) => ({ orderId: `order-${i % 3}`, sku: 'SKU-1', quantity: 1, sequence: i })));
    await waitFor(async () => (await harness.reservations()).length === 6, { what: '6 reservations' });
    await consumer.stop();
    const before = await committed(harness.service, [harness.topic]);

    const report = await cli.withConsole((console) =>
      console.replay({ groupId: harness.service, target: { kind: 'earliest' } }, async (plan) => {
        expect(plan.activeMembers).toEqual([]);
        // While the operator reads the preview, someone starts the service again.
        await harness.consumer({ name: 'restarted' }).start();
        await waitFor(async () => (await harness.admin.describeGroups([harness.service])).groups[0].members.length > 0, {
          what: 'the restarted member in the group',
        });
        return true;
      }),
    );
    expect(report.outcome).toBe('refused');
    expect(report.summary).toContain('nothing moved: since the preview, consumer group');
    expect(report.summary).toContain('running member(s)');
    expect(await committed(harness.service, [harness.topic])).toEqual(before);
    expect((await cli.auditRows()).map((r) => `${r.action} ${r.outcome}`)).toEqual(['replay refused']);
  });

  describe('with two topics of one group', () => {
    let groupId: string;
    let first: string;
    let second: string;

    beforeEach(async () => {
      groupId = uniqueName('projection');
      first = uniqueName('replay-a');
      second = uniqueName('replay-b');
      await createTestTopics(harness.admin, [
        { topic: first, numPartitions: 2 },
        { topic: second, numPartitions: 1 },
      ]);
      for (const topic of [first, second]) {
        await harness.producer.send({ topic, acks: -1, messages: Array.from({ length: 4 }, (_, i) => ({ key: `k-${i}`, value: 'v' })) });
        const ends = await harness.admin.fetchTopicOffsets(topic);
        await harness.admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
      }
    });

    afterEach(async () => {
      await harness.admin.deleteTopics({ topics: [first, second] }).catch(() => undefined);
      await harness.admin.deleteGroups([groupId]).catch(() => undefined);
    });

    it('a second topic deleted after the preview fails the replay at once and leaves the first where it was', async () => {
      const before = await committed(groupId, [first]);
      expect(before[0].offsets.some((o) => !o.endsWith(':0'))).toBe(true);
      const replay = cli.withConsole((console) =>
        console.replay({ groupId, topics: [first, second], target: { kind: 'earliest' } }, async (plan) => {
          expect(new Set(plan.moves.map((m) => m.topic))).toEqual(new Set([first, second]));
          await harness.admin.deleteTopics({ topics: [second] });
          await waitFor(async () => !(await harness.admin.listTopics()).includes(second), { what: `${second} deleted` });
          return true;
        }),
      );
      await expect(replay).rejects.toThrow(`replay of ${groupId} failed and moved nothing (topics already moved were set back): ${second} no longer exist`);
      expect(await committed(groupId, [first])).toEqual(before);
      expect((await cli.auditRows()).map((r) => `${r.action} ${r.outcome}`)).toEqual(['replay failed']);
    });

    it('when moving the second topic fails, the first topic, already moved, is set back to its offsets', async () => {
      const before = await committed(groupId, [first]);
      const plan = await planReplay(harness.admin, { groupId, topics: [first, second], target: { kind: 'earliest' } });
      const movedFirst: string[][] = [];
      // The broker refuses the second topic's move (as it does when a member joins meanwhile): the first one really moved.
      const refuseSecond = async (request: Parameters<Admin['setOffsets']>[0]) => {
        if (request.topic === second) {
          movedFirst.push((await committed(groupId, [first]))[0].offsets);
          throw new Error('The consumer group must have no running instances, current state: Stable');
        }
        await harness.admin.setOffsets(request);
      };
      await expect(applyReplay(harness.admin, plan, refuseSecond)).rejects.toThrow('must have no running instances');
      expect(movedFirst).toEqual([['0:0', '1:0']]);
      expect(await committed(groupId, [first])).toEqual(before);
    });
  });
});
