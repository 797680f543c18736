export { appendToOutbox, OutboxError } from './append';
export type { AppendOptions, OutboxRecord } from './append';
export { outboxMigrations, CreateOutbox1767225600000 } from './migrations';
export { OutboxRelay } from './relay';
export type { OutboxRelayOptions, OutboxRetention, PublishedBatch } from './relay';
export { outboxStatus } from './status';
export type { OutboxStatus, OutboxShardStatus } from './status';
export { DEFAULT_SHARD_COUNT, murmur2, shardOf } from './shard';
export type { OutboxLogger } from './logger';
