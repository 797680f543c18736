import { Admin, ConfigResourceTypes } from 'kafkajs';
import { testKafka, uniqueName } from '@omnibus/testing';
import { parseCatalogue } from '../src/catalogue';
import { applyTopics, describeBrokerTopics, topicSpecs } from '../src/topics';

jest.setTimeout(60_000);

/** A catalogue of our own, with names no other test uses, applied to the real broker. */
function catalogueFor(prefix: string, { partitions = 2, retentionMs = 3_600_000, dlqPartitions = 1 } = {}) {
  return parseCatalogue(`
defaults: { partitions: ${partitions}, retentionMs: ${retentionMs}, cleanupPolicy: delete, minInsyncReplicas: 1 }
topics:
  - topic: ${prefix}.orders
  - topic: ${prefix}.catalog
    cleanupPolicy: compact
serviceTopics:
  services: [${prefix}-svc]
  retry: { partitions: 1, tiers: 1 }
  deadLetter: { partitions: ${dlqPartitions}, retentionMs: 7200000 }
`);
}

describe('applying the catalogue to the real broker', () => {
  let admin: Admin;
  const prefix = uniqueName('it-topics');
  const names = [`${prefix}.orders`, `${prefix}.catalog`, `${prefix}-svc.retry`, `${prefix}-svc.retry-1`, `${prefix}-svc.dlq`];

  beforeAll(async () => {
    admin = testKafka('infra-topics-test').admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: names }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates missing topics with their partitions and configs, then finds nothing to do', async () => {
    const specs = topicSpecs(catalogueFor(prefix));
    const first = await applyTopics(admin, specs);
    expect(first.map((p) => [p.spec.name, p.create])).toEqual(names.map((name) => [name, true]));

    const broker = await describeBrokerTopics(admin, names);
    expect(broker.get(`${prefix}.orders`)).toEqual({
      name: `${prefix}.orders`,
      partitions: 2,
      replicationFactor: 1,
      configs: { 'retention.ms': '3600000', 'cleanup.policy': 'delete', 'min.insync.replicas': '1' },
    });
    expect(broker.get(`${prefix}.catalog`)?.configs['cleanup.policy']).toBe('compact');
    expect(broker.get(`${prefix}-svc.dlq`)?.configs['retention.ms']).toBe('7200000');

    const again = await applyTopics(admin, specs);
    expect(again.map((p) => p.status)).toEqual(names.map(() => 'ok'));
  });

  it('adds partitions and corrects configs, keeping overrides it does not manage', async () => {
    // An operator's own override on the topic must survive our (whole-set) AlterConfigs.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: `${prefix}.orders`,
          configEntries: [
            { name: 'retention.ms', value: '3600000' },
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'min.insync.replicas', value: '1' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
    });

    const plans = await applyTopics(admin, topicSpecs(catalogueFor(prefix, { partitions: 4, retentionMs: 1_800_000 })));
    const orders = plans.find((p) => p.spec.name === `${prefix}.orders`)!;
    expect(orders.addPartitions).toEqual({ from: 2, to: 4 });
    expect(orders.configChanges).toEqual([{ name: 'retention.ms', from: '3600000', to: '1800000' }]);

    const broker = await describeBrokerTopics(admin, names);
    expect(broker.get(`${prefix}.orders`)?.partitions).toBe(4);
    expect(broker.get(`${prefix}.orders`)?.configs['retention.ms']).toBe('1800000');
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: `${prefix}.orders`, configNames: ['max.message.bytes'] }],
    });
    expect(described.resources[0].configEntries[0].configValue).toBe('2000000');
  });

  it('never removes partitions or topics: fewer partitions in the catalogue is reported, not applied', async () => {
    const shrunk = parseCatalogue(`topics:\n  - topic: ${prefix}.orders\n    partitions: 1\n    retentionMs: 1800000\n`);
    const [plan] = await applyTopics(admin, topicSpecs(shrunk));
    expect(plan.status).toBe('drift');
    expect(plan.warnings).toEqual([expect.stringMatching(/has 4 partitions, the catalogue says 1/)]);
    expect((await describeBrokerTopics(admin, names)).size).toBe(names.length);
    expect((await describeBrokerTopics(admin, [`${prefix}.orders`])).get(`${prefix}.orders`)?.partitions).toBe(4);
  });
});
