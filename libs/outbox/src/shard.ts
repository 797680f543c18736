/**
 * Which outbox shard a key belongs to. The relay leases shards, so every event of one key is
 * published by one relay instance at a time, in the order it was appended.
 *
 * The hash is Kafka's murmur2 (the same function and seed as the Java client's and kafkajs'
 * default partitioner), taken positive and modulo the shard count. It is stable across processes,
 * Node versions and restarts, which matters because the shard is stored with the row at append
 * time. A side effect worth knowing: when shardCount equals a topic's partition count, a shard
 * maps to exactly one partition.
 */
export const DEFAULT_SHARD_COUNT = 8;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's murmur2 over the UTF-8 bytes of the key, as a signed 32-bit integer. */
export function murmur2(key: string | Buffer): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  switch (length & 3) {
    case 3:
      h ^= data[whole + 2] << 16;
    // falls through
    case 2:
      h ^= data[whole + 1] << 8;
    // falls through
    case 1:
      h ^= data[whole];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function shardOf(key: string, shardCount: number = DEFAULT_SHARD_COUNT): number {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 1024) {
    throw new RangeError(`outbox shardCount must be an integer between 1 and 1024, got ${shardCount}`);
  }
  return (murmur2(key) & 0x7fffffff) % shardCount;
}
