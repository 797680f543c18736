import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { metricsRegistry } from '@omnibus/observability';
import { Link, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExponentialBackoff, IBackoff, TaskCancelledError, timeout, TimeoutStrategy } from 'cockatiel';
import { Admin, Kafka, RetryOptions } from 'kafkajs';
import { Pool, PoolClient, PoolConfig, QueryResult, QueryResultRow } from 'pg';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { OutboxError } from './append';
import { defaultLogger, OutboxLogger } from './logger';
import { outboxMetrics, OutboxMetrics } from './metrics';
import { breaksProducer, isUnknownTopic, SendDeadlineExceeded } from './kafka-errors';
import { NotifyListener } from './notify-listener';
import { ProducerSession, ProducerUse } from './producer-session';
import { APPENDED_CHANNEL, REBALANCE_CHANNEL } from './schema';
import { OutgoingMessage, ProduceQueue } from './produce-queue';
import { splitBySize } from './sizes';
import { DEFAULT_SHARD_COUNT, murmur2 } from './shard';
import { linkToProducer } from './tracing';

export interface OutboxRetention {
  /** Published rows older than this are deleted. Default 7 days. */
  keepPublishedMs?: number;
  /** How often the purge runs. Default 60 s. */
  purgeIntervalMs?: number;
  /** Rows per DELETE, so a purge never holds long locks or bloats one transaction. Default 5000. */
  purgeBatchSize?: number;
}

export interface OutboxRelayOptions {
  /** The service's DataSource (already initialised, outbox migrations run). */
  dataSource: DataSource;
  /** kafkajs client; the relay makes its own idempotent producer from it. */
  kafka: Kafka;
  /**
   * Must be unique per process (two relays with one id would share leases); defaults to
   * host-pid-random. Shown as lease holder by `omnibus outbox status`.
   */
  instanceId?: string;
  /** Must equal the `shardCount` writers pass to appendToOutbox (both default to 8). */
  shardCount?: number;
  /** Most rows read, sent and marked per shard per transaction. Default 2000. */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (a lost LISTEN connection, a missed wake-up). Default 1000 ms. */
  pollIntervalMs?: number;
  retention?: OutboxRetention;
  /** Shard leases expire after this unless renewed (renewed every third of it). Default 15 s. */
  leaseTtlMs?: number;
  /**
   * Upper bound of one batch's produce request (and so of each partition's part of a merged request);
   * a batch is split into several, sent in order. Keep it under the broker's (and topics')
   * message.max.bytes. Requests of several shards merged together may reach 8 times it. Default 512 KiB.
   */
  maxRequestBytes?: number;
  /** Shards published concurrently by this instance (each uses one pooled connection). Default min(shardCount, 8). */
  maxConcurrentShards?: number;
  /** Backoff between failed batches (broker or database down). Defaults 100 ms to 10 s, with jitter. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * Longest wait for the broker's acknowledgement of one batch; past it the batch rolls back and the
   * producer is replaced. Must stay well below leaseTtlMs (at most half). Default min(5 s, leaseTtlMs / 3).
   */
  sendTimeoutMs?: number;
  /** Retries of one send inside kafkajs (all within sendTimeoutMs) before the relay's own backoff takes over. */
  producerRetry?: RetryOptions;
  /** A held shard with unpublished rows that has not advanced for this long makes health() report down. Default 60 s. */
  stallAlertMs?: number;
  /** prom-client registry for the relay metrics; default the process registry service-kit serves on /metrics. */
  registry?: Registry;
  logger?: OutboxLogger;
  /** How often the backlog gauges are refreshed. Default 5 s. */
  metricsIntervalMs?: number;
  /** Called after a batch is acknowledged by the broker and marked published. */
  onPublished?: (batch: PublishedBatch) => void;
}

export interface PublishedBatch {
  shard: number;
  records: Array<{ id: string; topic: string; key: string; headers: Record<string, string> }>;
  /** performance.now() when the batch's transaction began, when its rows were taken, and when the broker acknowledged them. */
  startedAt: number;
  takenAt: number;
  ackedAt: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  age_ms: number;
}

type BatchOutcome = { published: number } | 'lease-lost' | 'stopped';

/** SQLSTATE the commit fence raises when the batch's lease (holder and epoch) is no longer ours. */
const LEASE_FENCED = 'OB001';

class BrokerError extends Error {
  constructor(
    readonly cause: unknown,
    readonly topics: string[] = [],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const tracer = trace.getTracer('@omnibus/outbox');
/** The OpenTelemetry SDK keeps 128 links per span by default; more would be dropped anyway. */
const MAX_LINKS_PER_SPAN = 128;

/**
 * Publishes the outbox to Kafka.
 *
 * Each instance leases a fair share of the shards (ceil(shards / live relays)) and runs one pump
 * per leased shard. A pump's batch is one transaction that first re-checks and renews the lease with
 * an UPDATE, which also row-locks it: another relay cannot take the shard (its takeover uses
 * SKIP LOCKED) until the batch is sent, acknowledged and marked published, or rolled back. So two
 * relays never publish the same rows while both are healthy, and a key's events leave in id order.
 *
 * At-least-once edge: a relay that dies after the broker acknowledged a batch but before its commit
 * leaves those rows unpublished, and the next holder sends them again. Consumers dedupe by `ce_id`
 * through their inbox.
 */
export class OutboxRelay {
  readonly instanceId: string;
  private readonly dataSource: DataSource;
  private readonly shardCount: number;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxRequestBytes: number;
  private readonly leaseTtlMs: number;
  private readonly keepPublishedMs: number;
  private readonly purgeIntervalMs: number;
  private readonly purgeBatchSize: number;
  private readonly metricsIntervalMs: number;
  private readonly logger: OutboxLogger;
  private readonly metrics: OutboxMetrics;
  private readonly producers: ProducerSession;
  private readonly produceQueue: ProduceQueue;
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private readonly slots: Semaphore;
  private readonly pumps = new Map<number, ShardPump>();
  private readonly sendTimeoutMs: number;
  private readonly stallAlertMs: number;
  private readonly sendDeadline: ReturnType<typeof timeout>;
  /** Asked only after an "unknown topic" refusal, to tell a missing topic from a stale producer. */
  private admin?: Admin;
  private listener?: NotifyListener;
  private pool!: Pool;
  private readonly maxConcurrentShards: number;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private timers: NodeJS.Timeout[] = [];
  private ticking?: Promise<void>;
  private tickAgain = false;
  private readonly failingShards = new Map<number, 'kafka' | 'database'>();
  private databaseState: 'up' | 'down' = 'up';
  private purging = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.dataSource = options.dataSource;
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.shardCount = options.shardCount ?? DEFAULT_SHARD_COUNT;
    this.batchSize = options.batchSize ?? 2000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxRequestBytes = options.maxRequestBytes ?? 512 * 1024;
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.keepPublishedMs = options.retention?.keepPublishedMs ?? 7 * 24 * 3600_000;
    this.purgeIntervalMs = options.retention?.purgeIntervalMs ?? 60_000;
    this.purgeBatchSize = options.retention?.purgeBatchSize ?? 5000;
    this.metricsIntervalMs = options.metricsIntervalMs ?? 5000;
    this.logger = options.logger ?? defaultLogger();
    this.metrics = outboxMetrics(options.registry ?? metricsRegistry);
    this.sendTimeoutMs = options.sendTimeoutMs ?? Math.min(5_000, Math.floor(this.leaseTtlMs / 3));
    this.stallAlertMs = options.stallAlertMs ?? 60_000;
    this.sendDeadline = timeout(this.sendTimeoutMs, TimeoutStrategy.Aggressive);
    this.producers = new ProducerSession(
      options.kafka,
      options.producerRetry ?? { retries: 3, initialRetryTime: 100, maxRetryTime: Math.max(100, Math.floor(this.sendTimeoutMs / 4)) },
    );
    // Each submission stays within maxRequestBytes (so does each partition's part of a request);
    // merged, up to 8 of them share one request, far below the broker's socket.request.max.bytes.
    this.produceQueue = new ProduceQueue(8 * this.maxRequestBytes, this.sendTimeoutMs);
    this.backoffFactory = new ExponentialBackoff({
      initialDelay: options.backoff?.initialDelayMs ?? 100,
      maxDelay: options.backoff?.maxDelayMs ?? 10_000,
    });
    // One publishing slot per shard up to 8: no shard then waits for another one's batch, at the cost of
    // up to 8 pooled connections (opened only while that many shards publish at once).
    this.maxConcurrentShards = options.maxConcurrentShards ?? Math.min(this.shardCount, 8);
    this.slots = new Semaphore(this.maxConcurrentShards);
    if (!Number.isInteger(this.shardCount) || this.shardCount < 1 || this.shardCount > 1024) {
      throw new OutboxError(`outbox relay shardCount must be an integer between 1 and 1024, got ${this.shardCount}`);
    }
    if (!(this.sendTimeoutMs > 0 && this.sendTimeoutMs * 2 <= this.leaseTtlMs)) {
      throw new OutboxError(
        `outbox relay sendTimeoutMs (${this.sendTimeoutMs}) must be positive and at most half of leaseTtlMs (${this.leaseTtlMs})`,
      );
    }
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new OutboxError(`outbox relay batchSize must be a positive integer, got ${this.batchSize}`);
    }
  }

  /**
   * Down while a held shard with unpublished rows has not advanced for stallAlertMs (its message
   * names the shards, their oldest event's age and the last error), or while the relay is not running.
   * Service-kit serves it on /health/ready as the `outbox-relay` indicator.
   */
  health(): { up: boolean; message?: string } {
    if (this.state !== 'running') return { up: false, message: `outbox relay ${this.state}` };
    const now = performance.now();
    const stalled = [...this.pumps.values()].flatMap((pump) => pump.stall(now, this.stallAlertMs) ?? []);
    return stalled.length === 0 ? { up: true } : { up: false, message: stalled.join('; ') };
  }

  /** Shards this instance currently publishes. */
  get heldShards(): number[] {
    return [...this.pumps.keys()].sort((a, b) => a - b);
  }

  /**
   * Registers this relay, takes its share of the shards and starts publishing. Resolves once leases
   * are taken; an unreachable broker does not fail it (the relay keeps retrying in the background).
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new OutboxError(`outbox relay ${this.instanceId} cannot start twice`);
    // Its own small pool: request handlers queueing on the service's pool must not delay publishing,
    // nor the relay take their connections. One per shard publishing at once, one for leases and purge.
    this.pool = new Pool({ ...this.connectionConfig(), max: this.maxConcurrentShards + 1, idleTimeoutMillis: 30_000 });
    this.pool.on('error', (error) => this.databaseFailed(error));
    this.state = 'running';
    try {
      await this.prepareShards();
      await this.heartbeat();
      await this.sql(`SELECT pg_notify('${REBALANCE_CHANNEL}', $1)`, [this.instanceId]);
    } catch (error) {
      this.state = 'stopped';
      await this.pool.end().catch(() => undefined);
      throw error;
    }
    this.listener = new NotifyListener(
      this.connectionConfig(),
      [APPENDED_CHANNEL, REBALANCE_CHANNEL],
      (channel, payload) => this.onNotification(channel, payload),
      () => this.pumps.forEach((pump) => pump.wake()),
      this.logger,
    );
    await this.listener.start();
    await this.requestTick();
    this.every(Math.max(50, Math.floor(this.leaseTtlMs / 3)), () => void this.requestTick());
    this.every(this.purgeIntervalMs, () => void this.purgePublished().catch((error) => this.databaseFailed(error)));
    this.every(this.metricsIntervalMs, () => void this.refreshBacklogMetrics());
    void this.refreshBacklogMetrics();
    this.logger.info(
      { instanceId: this.instanceId, shardCount: this.shardCount, shards: this.heldShards },
      'outbox relay started',
    );
  }

  /**
   * Finishes the batches in flight, releases this instance's leases (so the others take them at once)
   * and disconnects. Unpublished rows simply wait for the next holder.
   */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.timers.forEach((timer) => clearInterval(timer));
    this.timers = [];
    await this.ticking;
    await Promise.all([...this.pumps.values()].map((pump) => pump.stop()));
    const shards = this.heldShards;
    this.pumps.clear();
    this.metrics.shardsHeld.set(0);
    try {
      await this.sql(`UPDATE outbox_shard_leases SET holder = NULL, lease_until = NULL WHERE holder = $1`, [
        this.instanceId,
      ]);
      await this.sql(`DELETE FROM outbox_relays WHERE instance_id = $1`, [this.instanceId]);
      await this.sql(`SELECT pg_notify('${REBALANCE_CHANNEL}', $1)`, [this.instanceId]);
    } catch (error) {
      // The leases then simply expire after leaseTtlMs.
      this.logger.warn({ err: errorMessage(error) }, 'outbox relay: could not release leases on stop');
    }
    await this.listener?.close();
    await this.producers.close();
    await this.admin?.disconnect().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    this.state = 'stopped';
    this.logger.info({ instanceId: this.instanceId, released: shards }, 'outbox relay stopped');
  }

  /**
   * Deletes published rows older than the retention, in batches, from the shards this instance holds
   * (each shard is purged by its holder only). Returns how many rows were deleted.
   */
  async purgePublished(): Promise<number> {
    if (this.purging || this.pumps.size === 0) return 0;
    this.purging = true;
    let deleted = 0;
    try {
      for (;;) {
        const { rowCount } = await this.sql(
          `DELETE FROM outbox WHERE id = ANY (ARRAY(
             SELECT id FROM outbox
              WHERE published_at < now() - $1 * interval '1 millisecond' AND shard = ANY($2::smallint[])
              LIMIT $3))`,
          [this.keepPublishedMs, this.heldShards, this.purgeBatchSize],
        );
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < this.purgeBatchSize || this.state !== 'running') break;
      }
    } finally {
      this.purging = false;
    }
    if (deleted > 0) this.logger.info({ deleted, keepPublishedMs: this.keepPublishedMs }, 'outbox relay purged published rows');
    return deleted;
  }

  // --- shards and leases -------------------------------------------------------------------------

  /** Creates the lease rows and refuses to run beside relays or writers configured with another shard count. */
  private async prepareShards(): Promise<void> {
    try {
      await this.sql(
        `INSERT INTO outbox_shard_leases (shard) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`,
        [this.shardCount],
      );
    } catch (error) {
      if (/outbox_shard_leases.*does not exist/.test(errorMessage(error))) {
        throw new OutboxError('the outbox tables are missing: add outboxMigrations to the DataSource migrations and run them');
      }
      throw error;
    }
    const {
      rows: [{ shards }],
    } = await this.sql<{ shards: number }>(`SELECT count(*)::int AS shards FROM outbox_shard_leases`);
    if (shards !== this.shardCount) {
      throw new OutboxError(
        `outbox_shard_leases has ${shards} shards but this relay is configured with ${this.shardCount}: ` +
          'every relay and appendToOutbox must use the same shardCount (to change it, drain the outbox, stop the relays and delete the lease rows)',
      );
    }
  }

  private async heartbeat(): Promise<number> {
    await this.sql(
      `INSERT INTO outbox_relays (instance_id, alive_until) VALUES ($1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (instance_id) DO UPDATE SET alive_until = excluded.alive_until`,
      [this.instanceId, this.leaseTtlMs],
    );
    await this.sql(`DELETE FROM outbox_relays WHERE alive_until < now()`);
    const {
      rows: [{ live }],
    } = await this.sql<{ live: number }>(`SELECT count(*)::int AS live FROM outbox_relays`);
    return Math.max(1, live);
  }

  /** Runs a lease tick now, or right after the one in progress (ticks never overlap). */
  private requestTick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      do {
        this.tickAgain = false;
        if (this.state !== 'running') break;
        try {
          await this.balanceLeases();
          this.databaseRecovered();
        } catch (error) {
          this.databaseFailed(error);
        }
      } while (this.tickAgain);
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Heartbeat, renew what we hold, then take or give back shards until we hold our fair share. */
  private async balanceLeases(): Promise<void> {
    const live = await this.heartbeat();
    const fairShare = Math.ceil(this.shardCount / live);
    // Rows locked by our own batches in flight are skipped: those batches renew them on commit.
    await this.sql(
      `UPDATE outbox_shard_leases SET lease_until = now() + $2 * interval '1 millisecond'
        WHERE holder = $1 AND shard IN (SELECT shard FROM outbox_shard_leases WHERE holder = $1 FOR UPDATE SKIP LOCKED)`,
      [this.instanceId, this.leaseTtlMs],
    );
    const { rows: heldRows } = await this.sql<{ shard: number; epoch: string }>(
      `SELECT shard, epoch FROM outbox_shard_leases WHERE holder = $1 ORDER BY shard`,
      [this.instanceId],
    );
    // Epoch per held shard: a pump publishes only under the epoch it was started with.
    const epochs = new Map(heldRows.map((row) => [Number(row.shard), String(row.epoch)]));
    const held = new Set(epochs.keys());
    const lost = this.heldShards.filter((shard) => !held.has(shard) || this.pumps.get(shard)!.epoch !== epochs.get(shard));
    for (const shard of lost) await this.dropPump(shard, 'lost');

    if (held.size > fairShare) {
      const excess = [...held].sort((a, b) => b - a).slice(0, held.size - fairShare);
      await Promise.all(excess.map((shard) => this.dropPump(shard, 'released')));
      await this.sql(
        `UPDATE outbox_shard_leases SET holder = NULL, lease_until = NULL WHERE holder = $1 AND shard = ANY($2::smallint[])`,
        [this.instanceId, excess],
      );
      excess.forEach((shard) => held.delete(shard));
      await this.sql(`SELECT pg_notify('${REBALANCE_CHANNEL}', $1)`, [this.instanceId]);
    } else if (held.size < fairShare) {
      // Every takeover starts a new epoch: batches of an older holder (or an older pump) are fenced off.
      const { rows: taken } = await this.sql<{ shard: number; epoch: string }>(
        `UPDATE outbox_shard_leases SET holder = $1, epoch = epoch + 1, lease_until = now() + $2 * interval '1 millisecond'
          WHERE shard IN (SELECT shard FROM outbox_shard_leases
                           WHERE holder IS NULL OR lease_until < now()
                           ORDER BY shard LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING shard, epoch`,
        [this.instanceId, this.leaseTtlMs, fairShare - held.size],
      );
      const acquired = taken.map((row) => Number(row.shard)).sort((a, b) => a - b);
      taken.forEach((row) => epochs.set(Number(row.shard), String(row.epoch)));
      acquired.forEach((shard) => held.add(shard));
      if (acquired.length > 0) {
        this.logger.info({ instanceId: this.instanceId, acquired, live, fairShare }, 'outbox relay acquired shards');
      }
    }
    if (this.state !== 'running') return;
    for (const shard of held) {
      if (!this.pumps.has(shard)) {
        const pump = new ShardPump(shard, epochs.get(shard)!, this);
        this.pumps.set(shard, pump);
        pump.start();
      }
    }
    this.metrics.shardsHeld.set(this.pumps.size);
  }

  private async dropPump(shard: number, why: 'lost' | 'released'): Promise<void> {
    const pump = this.pumps.get(shard);
    if (!pump) return;
    this.pumps.delete(shard);
    this.failingShards.delete(shard);
    await pump.stop();
    this.metrics.shardsHeld.set(this.pumps.size);
    const log = why === 'lost' ? this.logger.warn : this.logger.info;
    log.call(this.logger, { instanceId: this.instanceId, shard }, `outbox relay ${why} shard ${shard}`);
  }

  /** Called by a pump that found its lease taken over (it stops publishing that shard). */
  leaseLost(shard: number, epoch: string): void {
    if (this.pumps.get(shard)?.epoch === epoch) {
      this.pumps.delete(shard);
      this.failingShards.delete(shard);
      this.metrics.shardsHeld.set(this.pumps.size);
      this.logger.warn({ instanceId: this.instanceId, shard }, `outbox relay lost shard ${shard}`);
    }
  }

  private onNotification(channel: string, payload: string): void {
    if (this.state !== 'running') return;
    if (channel === REBALANCE_CHANNEL) {
      if (payload !== this.instanceId) void this.requestTick();
      return;
    }
    for (const part of payload.split(',')) {
      this.pumps.get(Number(part))?.wake();
    }
  }

  // --- publishing --------------------------------------------------------------------------------

  /**
   * Batches of one shard, each in one transaction: renew (and row-lock) the lease, read the oldest
   * unpublished rows, send them, mark them published, commit.
   *
   * Why the send is bounded. The lease row lock keeps other relays off the shard only while this
   * transaction lives. A send against a hung broker used to outlive it: kafkajs retried for minutes,
   * PostgreSQL ended the idle transaction (idle_in_transaction_session_timeout), the lease had long
   * expired, another relay took the shard and republished, and then the old send (or a kafkajs retry
   * of it) still reached the broker: a duplicate after newer events of the same keys. Now a send past
   * `sendTimeoutMs` (at most half the lease) is abandoned: the batch rolls back, the producer is
   * retired (no more retries of that request) and the shard keeps its lease and tries again. The
   * records carry the time the send started, so a topic with `message.timestamp.before.max.ms` at or
   * below sendTimeoutMs makes the broker refuse a request that reaches it after the relay gave up.
   * The commit is fenced too: it re-checks `holder = me AND epoch = myEpoch` in the same round trip
   * as COMMIT and a stale batch rolls back instead of marking rows another relay now owns.
   *
   * Chained batches. While the shard has more to publish (the batch was full, or `more()` says a
   * NOTIFY came for it meanwhile) the next batch's BEGIN and take go in the same round trip as the
   * previous batch's fence and COMMIT, on the same connection and producer: one round trip per batch
   * instead of two, and no wait between batches. A refused fence skips the rest of that query string
   * (PostgreSQL stops a multi-statement query at its first error), so nothing is taken after it. The
   * chain stops when the shard has caught up, the producer was retired, the pump is stopping, or
   * another shard waits for a publishing slot.
   */
  async publishBatches(shard: number, epoch: string, abandoned: Promise<'stopped'>, more: () => boolean): Promise<BatchOutcome> {
    let use: ProducerUse;
    try {
      // While the broker is unreachable this waits in connect; a stopping pump must not wait with it.
      const ready = await Promise.race([this.producers.acquire(), abandoned]);
      if (ready === 'stopped') return 'stopped';
      use = ready;
    } catch (error) {
      throw new BrokerError(error);
    }
    let startedAt = performance.now();
    let client: PoolClient | undefined;
    let connectionBroken: unknown;
    let inTransaction = false;
    try {
      client = await this.pool.connect();
      // synchronous_commit off: a mark lost in a database crash only means a republish, which the
      // inbox absorbs anyway, and not waiting for the WAL flush keeps the batch loop short.
      // One round trip opens the transaction, renews (and row-locks) the lease, and takes and marks
      // the batch; the marks stay invisible until COMMIT, which happens only after the broker's ack
      // (a failed send rolls them back). Literals are inlined because a multi-statement query cannot
      // take parameters: integers we validated, and the instance id escaped. `id = ANY (ARRAY(…))`
      // keeps the plan on the primary key; `id IN (…)` lets the planner hash-join a full table scan. The outer
      // `published_at IS NULL` is re-checked on the newest row version, so rows another transaction
      // marked while this one waited for the lease lock are never taken twice.
      const lease = `shard = ${shard} AND holder = ${client.escapeLiteral(this.instanceId)} AND epoch = ${BigInt(epoch)}`;
      const take = `
        BEGIN;
        SET LOCAL synchronous_commit = off;
        SET LOCAL idle_in_transaction_session_timeout = ${this.leaseTtlMs};
        WITH lease AS (
          UPDATE outbox_shard_leases SET lease_until = now() + ${this.leaseTtlMs} * interval '1 millisecond'
           WHERE ${lease}
          RETURNING shard
        ), taken AS (
          UPDATE outbox SET published_at = clock_timestamp()
           WHERE published_at IS NULL AND id = ANY (ARRAY(
                   SELECT id FROM outbox
                    WHERE shard = ${shard} AND published_at IS NULL AND EXISTS (SELECT 1 FROM lease)
                    ORDER BY id LIMIT ${this.batchSize}))
          RETURNING id, topic, key, value, headers, extract(epoch FROM clock_timestamp() - created_at) * 1000 AS age_ms
        )
        SELECT lease.shard AS leased, taken.* FROM lease LEFT JOIN taken ON true`;
      const fencedCommit = `
        DO $fence$ BEGIN
          UPDATE outbox_shard_leases SET lease_until = now() + ${this.leaseTtlMs} * interval '1 millisecond' WHERE ${lease};
          IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = '${LEASE_FENCED}', MESSAGE = 'outbox lease of shard ${shard} lost (epoch ${BigInt(epoch)})'; END IF;
        END $fence$;
        COMMIT`;
      inTransaction = true;
      let results = (await client.query(take)) as unknown as QueryResult[];
      for (;;) {
        const taken = results[results.length - 1].rows as Array<OutboxRow & { leased: number }>;
        if (taken.length === 0) {
          await client.query('ROLLBACK');
          inTransaction = false;
          return 'lease-lost';
        }
        if (taken[0].id === null) {
          await client.query('COMMIT');
          inTransaction = false;
          return { published: 0 };
        }
        const rows: OutboxRow[] = taken;
        rows.sort(byId);
        const takenAt = performance.now();
        try {
          // A failing shard (e.g. a record its topic refuses) sends unmerged: each refusal of a merged
          // request costs every shard in it a retry of its own part.
          await this.sendWithinDeadline(use, rows, Date.now(), this.failingShards.has(shard));
        } catch (error) {
          await client.query('ROLLBACK');
          inTransaction = false;
          this.pumps.get(shard)?.failedWith(rows, error);
          throw new BrokerError(error, [...new Set(rows.map((row) => row.topic))]);
        }
        const ackedAt = performance.now();
        const chain =
          this.state === 'running' && use.fit() && !this.slots.contended && (rows.length === this.batchSize || more());
        try {
          results = (await client.query(chain ? `${fencedCommit};${take}` : fencedCommit)) as unknown as QueryResult[];
        } catch (error) {
          if ((error as { code?: string }).code !== LEASE_FENCED) throw error;
          await client.query('ROLLBACK');
          inTransaction = false;
          this.logger.error(
            { instanceId: this.instanceId, shard, epoch, events: rows.length },
            'outbox relay: commit refused, the shard was taken over during the batch; its new holder publishes these rows',
          );
          return 'lease-lost';
        }
        this.recordPublished(shard, rows, { startedAt, takenAt, ackedAt });
        if (!chain) {
          inTransaction = false;
          return { published: rows.length };
        }
        this.pumps.get(shard)?.advanced();
        startedAt = ackedAt;
      }
    } catch (error) {
      if (!(error instanceof BrokerError)) connectionBroken = error;
      // 'E': a failed statement left the transaction open (aborted); 'I': a chained COMMIT went
      // through before the next take failed, so there is nothing to roll back.
      if (inTransaction && client?.getTransactionStatus() !== 'I') await client?.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      use.release();
      client?.release(connectionBroken !== undefined); // a connection that failed is discarded, not reused
    }
  }

  /**
   * The send, abandoned at the deadline. A failure that shows the producer is unfit (connection,
   * timeout, sequence) retires it; a refusal of these records (missing topic, too large) leaves it
   * to the other shards.
   */
  private async sendWithinDeadline(use: ProducerUse, rows: OutboxRow[], timestamp: number, alone: boolean): Promise<void> {
    try {
      await this.sendDeadline.execute(() => this.send(use, rows, timestamp, alone));
    } catch (error) {
      const failure = error instanceof TaskCancelledError ? new SendDeadlineExceeded(this.sendTimeoutMs) : error;
      if (breaksProducer(failure) || (isUnknownTopic(failure) && (await this.topicsExist(rows)))) {
        this.producers.retire(use.producer);
        this.metrics.producerReplaced.inc();
      }
      throw failure;
    }
  }

  /**
   * "Unknown topic" for a send whose topics all exist comes from another topic: kafkajs keeps
   * refreshing the metadata of every topic its producer ever sent to, so one deleted topic fails
   * all its later sends, and only a fresh producer forgets it.
   */
  private async topicsExist(rows: OutboxRow[]): Promise<boolean> {
    try {
      this.admin ??= this.options.kafka.admin();
      await this.admin.connect();
      const existing = new Set(await this.admin.listTopics());
      return rows.every((row) => existing.has(row.topic));
    } catch {
      return false;
    }
  }

  /**
   * Sends a batch as one or more produce requests, in order, each at most maxRequestBytes: rows of
   * one shard often share a partition, and the broker refuses a partition's record batch above
   * message.max.bytes (1 MiB by default).
   */
  private async send({ producer }: ProducerUse, rows: OutboxRow[], timestamp: number, alone: boolean): Promise<void> {
    const spans = new Map<string, { span: Span; count: number }>();
    const links = new Map<string, Link[]>();
    const counts = new Map<string, number>();
    for (const row of rows) {
      counts.set(row.topic, (counts.get(row.topic) ?? 0) + 1);
      let topicLinks = links.get(row.topic);
      if (!topicLinks) links.set(row.topic, (topicLinks = []));
      if (topicLinks.length < MAX_LINKS_PER_SPAN) {
        const link = linkToProducer(row.headers);
        if (link) topicLinks.push(link);
      }
    }
    for (const [topic, topicLinks] of links) {
      // A batch send whose messages were created elsewhere (the producing spans, linked): per the
      // messaging conventions a "send" span of kind CLIENT, not PRODUCER.
      const span = tracer.startSpan(`send ${topic}`, {
        kind: SpanKind.CLIENT,
        links: topicLinks,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.name': 'send',
          'messaging.operation.type': 'send',
          'messaging.destination.name': topic,
          'messaging.client.id': this.instanceId,
        },
      });
      spans.set(topic, { span, count: counts.get(topic)! });
    }
    // One timestamp for the whole batch, taken before the first request: the broker-side fence
    // (message.timestamp.before.max.ms) then counts from the start of the send, like the deadline.
    const stamp = String(timestamp);
    // A key's hash once per batch (kafkajs' partitioner hashes it again, for its own choice).
    const hashes = new Map<string, number>();
    try {
      for (const { records, bytes } of splitBySize(rows, this.maxRequestBytes)) {
        // Unknown partitions (undefined) are never merged with other submissions.
        let partitions: Set<string> | undefined = alone ? undefined : new Set<string>();
        const messages = new Array<OutgoingMessage>(records.length);
        for (let i = 0; i < records.length; i++) {
          const row = records[i];
          const count = partitions && this.producers.partitionCounts.get(row.topic);
          if (count === undefined) partitions = undefined;
          else if (partitions) {
            let hash = hashes.get(row.key);
            if (hash === undefined) hashes.set(row.key, (hash = murmur2(row.key) & 0x7fffffff));
            partitions.add(`${row.topic}/${hash % count}`);
          }
          messages[i] = { topic: row.topic, message: { key: row.key, value: row.value, headers: row.headers, timestamp: stamp } };
        }
        await this.produceQueue.send(producer, messages, bytes, partitions);
      }
    } catch (error) {
      spans.forEach(({ span }) => {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        span.end();
      });
      throw error;
    }
    spans.forEach(({ span, count }) => {
      span.setAttribute('messaging.batch.message_count', count);
      span.end();
    });
  }

  private recordPublished(
    shard: number,
    rows: OutboxRow[],
    { startedAt, takenAt, ackedAt }: { startedAt: number; takenAt: number; ackedAt: number },
  ): void {
    const sinceRead = ackedAt - takenAt;
    const perTopic = new Map<string, number>();
    for (const row of rows) {
      this.metrics.publishLatency.observe((Number(row.age_ms) + sinceRead) / 1000);
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
    }
    perTopic.forEach((count, topic) => this.metrics.published.inc({ topic }, count));
    this.options.onPublished?.({
      shard,
      startedAt,
      takenAt,
      ackedAt,
      records: rows.map(({ id, topic, key, headers }) => ({ id, topic, key, headers })),
    });
  }

  /**
   * A shard's batch failed. Logged once when the first shard starts failing for a reason (Kafka or
   * the database), not per attempt; a single stuck shard (e.g. its topic is missing) stays one line.
   */
  publishFailed(shard: number, error: unknown): void {
    this.metrics.publishFailures.inc();
    const kind = error instanceof BrokerError ? 'kafka' : 'database';
    const firstOfKind = ![...this.failingShards.values()].includes(kind);
    this.failingShards.set(shard, kind);
    if (!firstOfKind) return;
    const details = { instanceId: this.instanceId, shard, err: errorMessage(error), topics: error instanceof BrokerError ? error.topics : undefined };
    if (kind === 'kafka') {
      this.logger.warn(details, 'outbox relay: cannot publish to Kafka; events stay in the outbox, retrying with backoff');
    } else {
      this.logger.error(details, 'outbox relay: database error while publishing; retrying with backoff');
    }
  }

  /** A shard that was failing published again; logged when no shard fails for that reason any more. */
  publishRecovered(shard: number): void {
    const kind = this.failingShards.get(shard);
    if (!kind) return;
    this.failingShards.delete(shard);
    if ([...this.failingShards.values()].includes(kind)) return;
    this.logger.info(
      { instanceId: this.instanceId, shard },
      kind === 'kafka' ? 'outbox relay: Kafka reachable again, publishing resumed' : 'outbox relay: database reachable again, publishing resumed',
    );
  }

  private databaseFailed(error: unknown): void {
    if (this.databaseState === 'down') return;
    this.databaseState = 'down';
    this.logger.error(
      { instanceId: this.instanceId, err: errorMessage(error) },
      'outbox relay: database error; retrying with backoff',
    );
  }

  private databaseRecovered(): void {
    if (this.databaseState === 'up') return;
    this.databaseState = 'up';
    this.logger.info({ instanceId: this.instanceId }, 'outbox relay: database reachable again');
  }

  /** Backlog gauges over the whole outbox; also reports rows in shards no relay serves (shard count mismatch). */
  private async refreshBacklogMetrics(): Promise<void> {
    try {
      const {
        rows: [row],
      } = await this.sql(
        `SELECT count(*)::bigint AS backlog,
                coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0) AS oldest_age_s,
                count(*) FILTER (WHERE shard >= $1)::bigint AS unserved
           FROM outbox WHERE published_at IS NULL`,
        [this.shardCount],
      );
      this.metrics.backlog.set(Number(row.backlog));
      this.metrics.oldestUnpublishedAge.set(Number(row.oldest_age_s));
      if (Number(row.unserved) > 0) {
        this.logger.error(
          { unserved: Number(row.unserved), shardCount: this.shardCount },
          'outbox has unpublished rows in shards beyond shardCount: appendToOutbox and the relay disagree on shardCount',
        );
      }
    } catch (error) {
      this.databaseFailed(error);
    }
  }

  // --- plumbing used by the pumps ----------------------------------------------------------------

  get running(): boolean {
    return this.state === 'running';
  }
  get fullBatch(): number {
    return this.batchSize;
  }
  get pollInterval(): number {
    return this.pollIntervalMs;
  }
  get concurrency(): Semaphore {
    return this.slots;
  }
  nextBackoff(previous: IBackoff<unknown> | undefined): IBackoff<unknown> {
    return previous ? previous.next(undefined) : this.backoffFactory.next();
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private sql<R extends QueryResultRow = any>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** Connection settings of the DataSource's own pool (TypeORM's postgres driver keeps a pg Pool). */
  private connectionConfig(): PoolConfig {
    const options = (this.dataSource.driver as any).master?.options as PoolConfig | undefined;
    if (!options) throw new OutboxError('the outbox relay needs an initialised postgres DataSource');
    return options;
  }
}

/** Publishes one leased shard: batch after batch while there is a backlog, then waits for a NOTIFY or the poll. */
class ShardPump {
  private active = true;
  private done?: Promise<void>;
  private readonly wakeup = new Wakeup();
  private signalStopped!: (value: 'stopped') => void;
  private readonly stopped = new Promise<'stopped'>((resolve) => (this.signalStopped = resolve));
  /** When the shard last advanced (a batch committed, or found nothing to publish). */
  private progressAt = performance.now();
  private idle = false;
  /** From the last failed batch: when its oldest row was appended (performance clock), and why it failed. */
  private oldestFailedAt?: number;
  private lastError?: string;

  constructor(
    readonly shard: number,
    readonly epoch: string,
    private readonly relay: OutboxRelay,
  ) {}

  start(): void {
    this.done = this.run();
  }

  wake(): void {
    this.wakeup.wake();
  }

  /** A batch of these rows failed to publish. */
  failedWith(rows: Array<{ age_ms: number }>, error: unknown): void {
    this.oldestFailedAt = performance.now() - Number(rows[0]?.age_ms ?? 0);
    this.lastError = errorMessage(error);
  }

  /** What health() says about this shard when it has not advanced for `limitMs`, else undefined. */
  stall(now: number, limitMs: number): string | undefined {
    const since = now - this.progressAt;
    if (this.idle || since <= limitMs) return undefined;
    const oldest = this.oldestFailedAt === undefined ? '' : `, oldest unpublished event ${Math.round((now - this.oldestFailedAt) / 1000)} s old`;
    const why = this.lastError ? `; last error: ${this.lastError}` : '';
    return `shard ${this.shard} has not advanced for ${Math.round(since / 1000)} s${oldest}${why}`;
  }

  /** Stops after the batch in flight (which then commits or rolls back as usual). */
  async stop(): Promise<void> {
    this.active = false;
    this.signalStopped('stopped');
    this.wakeup.wake();
    await this.done;
  }

  /** The shard published a batch (health: it advances). */
  advanced(): void {
    this.progressAt = performance.now();
  }

  private async run(): Promise<void> {
    let backoff: IBackoff<unknown> | undefined;
    while (this.active && this.relay.running) {
      let outcome: BatchOutcome;
      await this.relay.concurrency.acquire();
      if (!this.active) {
        this.relay.concurrency.release();
        break;
      }
      try {
        // Chains while a NOTIFY for this shard came in during the batch (consumed here: the chained
        // take sees every row committed before it).
        outcome = await this.relay.publishBatches(this.shard, this.epoch, this.stopped, () => this.active && this.wakeup.consume());
      } catch (error) {
        this.lastError = errorMessage(error);
        this.relay.publishFailed(this.shard, error);
        backoff = this.relay.nextBackoff(backoff);
        // The slot is given back before the backoff: a failing shard must not hold one of the
        // publishing slots the healthy shards need while it waits.
        this.relay.concurrency.release();
        await this.wakeup.sleep(backoff.duration, () => !this.active);
        continue;
      }
      this.relay.concurrency.release();
      if (outcome === 'stopped') break;
      if (outcome === 'lease-lost') {
        this.active = false;
        this.relay.leaseLost(this.shard, this.epoch);
        break;
      }
      if (backoff) this.relay.publishRecovered(this.shard);
      backoff = undefined;
      this.progressAt = performance.now();
      this.oldestFailedAt = this.lastError = undefined;
      if (outcome.published < this.relay.fullBatch) {
        // Caught up: an idle shard is not a stalled one.
        this.idle = true;
        await this.wakeup.wait(this.relay.pollInterval);
        this.idle = false;
        this.progressAt = performance.now();
      }
    }
  }
}

/** A wake-up that is not lost when it arrives while the pump is busy publishing. */
class Wakeup {
  private pending = false;
  private resolve?: () => void;

  wake(): void {
    if (this.resolve) this.resolve();
    else this.pending = true;
  }

  /** Takes a wake that came while busy, if any. */
  consume(): boolean {
    const pending = this.pending;
    this.pending = false;
    return pending;
  }

  /** Resolves on the next wake (or one that came while busy), or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.resolve = done;
    });
  }

  /** Backoff sleep: only a stop (`interrupted()` true on wake) cuts it short, not new rows. */
  async sleep(ms: number, interrupted: () => boolean): Promise<void> {
    const until = performance.now() + ms;
    for (let left = ms; left > 0 && !interrupted(); left = until - performance.now()) {
      await this.wait(left);
    }
    this.pending = false;
  }
}

/** Bounds how many shards publish at once (each batch holds a pooled connection). */
class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}

  /** Someone waits for a slot. */
  get contended(): boolean {
    return this.waiting.length > 0;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** RETURNING has no order: put rows back in id (append) order. Ids are bigint strings. */
function byId(a: { id: string }, b: { id: string }): number {
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
