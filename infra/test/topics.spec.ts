import { parseCatalogue, loadCatalogue } from '../src/catalogue';
import { BrokerTopic, describePlan, planTopics, topicSpecOptionsFromEnv, topicSpecs } from '../src/topics';

const catalogue = parseCatalogue(`
defaults:
  partitions: 6
  retentionMs: 604800000
  cleanupPolicy: delete
  minInsyncReplicas: 1
topics:
  - topic: retail.orders
    key: order id
    events: []
  - topic: retail.catalog
    partitions: 12
    cleanupPolicy: compact
    retentionMs: -1
serviceTopics:
  services: [order, odoo-adapter]
  retry: { partitions: 3, retentionMs: 86400000 }
  deadLetter: { partitions: 1, retentionMs: 2592000000 }
`);

describe('catalogue → topic specs', () => {
  it('gives each aggregate stream the defaults unless the topic overrides them', () => {
    const [orders, catalog] = topicSpecs(catalogue);
    expect(orders).toEqual({
      name: 'retail.orders',
      partitions: 6,
      replicationFactor: 1,
      configs: { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'min.insync.replicas': '1' },
    });
    expect(catalog).toMatchObject({ partitions: 12, configs: { 'cleanup.policy': 'compact', 'retention.ms': '-1' } });
  });

  it('adds per service a re-drive topic, one delay topic per retry tier and a dead-letter topic, after the streams', () => {
    const names = topicSpecs(catalogue).map((s) => s.name);
    const retries = (service: string) => [`${service}.retry`, `${service}.retry-1`, `${service}.retry-2`, `${service}.retry-3`];
    expect(names).toEqual(['retail.orders', 'retail.catalog', ...retries('order'), 'order.dlq', ...retries('odoo-adapter'), 'odoo-adapter.dlq']);
    expect(topicSpecs(catalogue).find((s) => s.name === 'order.retry-3')).toMatchObject({ partitions: 3, configs: { 'retention.ms': '86400000' } });
    const twoTiers = parseCatalogue('serviceTopics:\n  services: [order]\n  retry: { tiers: 2 }\n');
    expect(topicSpecs(twoTiers).map((s) => s.name)).toEqual(['order.retry', 'order.retry-1', 'order.retry-2', 'order.dlq']);
    const dlq = topicSpecs(catalogue).find((s) => s.name === 'order.dlq')!;
    expect(dlq).toMatchObject({ partitions: 1, configs: { 'retention.ms': '2592000000', 'cleanup.policy': 'delete' } });
  });

  it('fences late relay sends on the aggregate streams only: retry and dead-letter records keep their original timestamps', () => {
    const fenced = parseCatalogue(`
defaults: { partitions: 1, timestampBeforeMaxMs: 5000 }
topics:
  - topic: retail.orders
serviceTopics:
  services: [order]
`);
    const byName = new Map(topicSpecs(fenced).map((spec) => [spec.name, spec.configs]));
    expect(byName.get('retail.orders')?.['message.timestamp.before.max.ms']).toBe('5000');
    for (const name of ['order.retry', 'order.retry-1', 'order.dlq']) {
      expect(byName.get(name)).toBeDefined();
      expect(byName.get(name)?.['message.timestamp.before.max.ms']).toBeUndefined();
    }
  });

  it('takes the replication factor and min.insync.replicas from the environment', () => {
    const options = topicSpecOptionsFromEnv({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' });
    const [orders] = topicSpecs(catalogue, options);
    expect(orders.replicationFactor).toBe(3);
    expect(orders.configs['min.insync.replicas']).toBe('2');
    expect(() => topicSpecOptionsFromEnv({ KAFKA_REPLICATION_FACTOR: 'three' })).toThrow(/KAFKA_REPLICATION_FACTOR must be a positive integer/);
  });

  it('refuses min.insync.replicas above the replication factor, naming the topic', () => {
    expect(() => topicSpecs(catalogue, { minInsyncReplicas: 2 })).toThrow(/retail.orders: min.insync.replicas 2 exceeds the replication factor 1/);
  });

  it('refuses a topic declared twice', () => {
    const twice = parseCatalogue('topics:\n  - topic: a\n  - topic: a\n');
    expect(() => topicSpecs(twice)).toThrow(/topic a is declared twice/);
  });

  it('explains a malformed catalogue in one line', () => {
    expect(() => parseCatalogue('topics: [{topic: a, partitions: "six"}]', 'cat.yaml')).toThrow(/^cat.yaml: topics.0.partitions: Expected number/);
    expect(() => parseCatalogue('topics:\n  - key: sku\n', 'cat.yaml')).toThrow(/topics.0: a topic needs a name/);
    expect(() => parseCatalogue('topics: [', 'cat.yaml')).toThrow(/cat.yaml is not valid YAML/);
  });

  it('reads the real catalogue of the repository', () => {
    const specs = topicSpecs(loadCatalogue());
    expect(specs.length).toBeGreaterThan(0);
    expect(specs.map((s) => s.name)).toContain('retail.orders');
    expect(specs.every((s) => s.partitions >= 1)).toBe(true);
  });
});

describe('planning against what the broker has', () => {
  const [orders] = topicSpecs(catalogue);
  const onBroker = (topic: Partial<BrokerTopic>): Map<string, BrokerTopic> =>
    new Map([['retail.orders', { name: 'retail.orders', partitions: 6, replicationFactor: 1, configs: { ...orders.configs }, ...topic }]]);

  it('creates a topic the broker lacks', () => {
    const [plan] = planTopics([orders], new Map());
    expect(plan).toMatchObject({ status: 'missing', create: true });
    expect(describePlan(plan)).toBe('created (6 partitions)');
  });

  it('leaves a matching topic alone', () => {
    const [plan] = planTopics([orders], onBroker({}));
    expect(plan).toMatchObject({ status: 'ok', create: false, configChanges: [], warnings: [] });
    expect(plan.addPartitions).toBeUndefined();
  });

  it('adds partitions when the catalogue asks for more', () => {
    const [plan] = planTopics([orders], onBroker({ partitions: 3 }));
    expect(plan).toMatchObject({ status: 'drift', addPartitions: { from: 3, to: 6 } });
  });

  it('only reports a topic with more partitions than the catalogue (Kafka cannot remove them)', () => {
    const [plan] = planTopics([orders], onBroker({ partitions: 8 }));
    expect(plan.addPartitions).toBeUndefined();
    expect(plan.warnings).toEqual([expect.stringMatching(/has 8 partitions, the catalogue says 6/)]);
  });

  it('corrects configs that differ and reports a different replication factor', () => {
    const [plan] = planTopics([orders], onBroker({ replicationFactor: 3, configs: { ...orders.configs, 'retention.ms': '1000' } }));
    expect(plan.configChanges).toEqual([{ name: 'retention.ms', from: '1000', to: '604800000' }]);
    expect(plan.warnings).toEqual([expect.stringMatching(/replication factor is 3, wanted 1/)]);
    expect(describePlan(plan)).toMatch(/^retention.ms 1000 → 604800000; replication factor is 3/);
  });
});
