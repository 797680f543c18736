import { Partitioners } from 'kafkajs';
import { shardOf } from './shard';

describe('shardOf', () => {
  it('matches the partition Kafka clients pick for the same key and count (Kafka murmur2)', () => {
    const partition = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 8 }, (_, id) => ({ partitionId: id, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'order-42', 'SKU-123456789', 'zażółć gęślą jaźń', 'x'.repeat(1000)]) {
      const expected = partition({ topic: 't', partitionMetadata, message: { key, value: null } });
      expect(shardOf(key, 8)).toBe(expected);
    }
  });

  it('is stable and spreads keys over all shards', () => {
    expect(shardOf('order-42', 8)).toBe(shardOf('order-42', 8));
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOf(`order-${i}`, 8)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('rejects a shard count that cannot be stored', () => {
    expect(() => shardOf('k', 0)).toThrow(RangeError);
    expect(() => shardOf('k', 2.5)).toThrow(RangeError);
  });
});
