import type { EntityManager } from 'typeorm';
import { changedRows } from './rows';
import { v7 as uuidv7 } from 'uuid';
import { PublicEvent, webhookBodyOf } from '../domain/public-events';

/**
 * SQL of `delivery_lanes`, `deliveries`, `delivery_attempts` and `aggregate_channels` (migration
 * 1795700000000). A lane is one (subscription, aggregate): its deliveries carry 1, 2, 3… and the
 * previous delivery's webhook id; only its lowest pending sequence is ever sent.
 */

/** The Standard Webhooks `webhook-id` of a delivery: stable for one event to one subscription, through retries, re-drives and replays. */
export function webhookIdOf(deliveryId: string): string {
  return `msg_${deliveryId}`;
}

export function laneOf(event: Pick<PublicEvent, 'aggregate'>): string {
  return `${event.aggregate.kind}:${event.aggregate.id}`;
}

/**
 * Queues the event for the subscription at the end of its lane, once (a second call for the same
 * event changes nothing). The lane row is locked, so two events of one aggregate handled at once (an
 * order's events arrive on two topics) still get distinct, consecutive sequences.
 */
export async function enqueueDelivery(manager: EntityManager, subscriptionId: string, eventId: string, event: PublicEvent, publishedAt: Date): Promise<boolean> {
  const [existing] = await manager.query(`SELECT 1 FROM deliveries WHERE subscription_id = $1 AND event_id = $2`, [subscriptionId, eventId]);
  if (existing) return false;
  const aggregate = laneOf(event);
  const id = uuidv7();
  await manager.query(`INSERT INTO delivery_lanes (subscription_id, aggregate, last_sequence, last_delivery_id) VALUES ($1, $2, 0, NULL) ON CONFLICT DO NOTHING`, [subscriptionId, aggregate]);
  const [lane] = await manager.query(`SELECT last_sequence, last_delivery_id FROM delivery_lanes WHERE subscription_id = $1 AND aggregate = $2 FOR UPDATE`, [subscriptionId, aggregate]);
  const sequence = Number(lane.last_sequence) + 1;
  const previousId: string | null = lane.last_delivery_id;
  const body = webhookBodyOf(event, { id: webhookIdOf(id), sequence, previousId: previousId && webhookIdOf(previousId) });
  await manager.query(
    `INSERT INTO deliveries (id, subscription_id, event_id, event_type, aggregate, sequence, previous_id, body, occurred_at, published_at, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')`,
    [id, subscriptionId, eventId, event.type, aggregate, sequence, previousId, body, event.occurredAt, publishedAt],
  );
  await manager.query(`UPDATE delivery_lanes SET last_sequence = $3, last_delivery_id = $4 WHERE subscription_id = $1 AND aggregate = $2`, [subscriptionId, aggregate, sequence, id]);
  return true;
}

export async function recordAggregateChannel(manager: EntityManager, aggregate: string, channelId: string): Promise<void> {
  await manager.query(`INSERT INTO aggregate_channels (aggregate, channel_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [aggregate, channelId]);
}

export async function channelOfAggregate(manager: EntityManager, aggregate: string): Promise<string | null> {
  const [row] = await manager.query(`SELECT channel_id FROM aggregate_channels WHERE aggregate = $1`, [aggregate]);
  return row?.channel_id ?? null;
}

/** A delivery taken by the dispatcher, with what it needs to send it. */
export interface LeasedDelivery {
  id: string;
  subscriptionId: string;
  body: string;
  attempts: number;
  publishedAt: Date;
}

/**
 * Takes up to `limit` lane heads that are due (their lowest pending sequence, next attempt reached,
 * subscription active, not leased by another dispatcher) and leases them until `leaseUntil`. A lane
 * whose head waits for a retry sends nothing else meanwhile; other lanes to the same endpoint go on.
 */
export async function leaseDueHeads(manager: EntityManager, now: Date, leaseUntil: Date, limit: number, excludeSubscriptions: string[]): Promise<LeasedDelivery[]> {
  const rows = await changedRows(manager, `WITH heads AS (
       SELECT DISTINCT ON (subscription_id, aggregate) id, subscription_id, next_attempt_at, lease_until
       FROM deliveries WHERE status = 'pending' ORDER BY subscription_id, aggregate, sequence
     ), due AS (
       SELECT heads.id FROM heads JOIN subscriptions s ON s.id = heads.subscription_id AND s.status = 'active'
       WHERE heads.next_attempt_at <= $1 AND (heads.lease_until IS NULL OR heads.lease_until < $1) AND NOT (heads.subscription_id = ANY($4::uuid[]))
       ORDER BY heads.next_attempt_at LIMIT $3
     )
     UPDATE deliveries d SET lease_until = $2 FROM due
     WHERE d.id = due.id AND d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until < $1)
     RETURNING d.id, d.subscription_id, d.body, d.attempts, d.published_at`,
    [now, leaseUntil, limit, excludeSubscriptions],
  );
  return rows.map((row: any) => ({ id: row.id, subscriptionId: row.subscription_id, body: row.body, attempts: row.attempts, publishedAt: row.published_at }));
}

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  outcome: string;
  error: string | null;
  responseStart: string | null;
}

export async function recordAttempt(manager: EntityManager, deliveryId: string, attempt: AttemptRecord): Promise<void> {
  await manager.query(
    `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome, error, response_start) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [deliveryId, attempt.attempt, attempt.startedAt, attempt.latencyMs, attempt.statusCode, attempt.outcome, attempt.error, attempt.responseStart],
  );
}

export async function markDelivered(manager: EntityManager, id: string, attempts: number, at: Date): Promise<void> {
  await manager.query(`UPDATE deliveries SET status = 'delivered', attempts = $2, delivered_at = $3, lease_until = NULL, last_error = NULL WHERE id = $1`, [id, attempts, at]);
}

export async function scheduleRetry(manager: EntityManager, id: string, attempts: number, nextAttemptAt: Date, error: string): Promise<void> {
  await manager.query(`UPDATE deliveries SET attempts = $2, next_attempt_at = $3, last_error = $4, lease_until = NULL WHERE id = $1`, [id, attempts, nextAttemptAt, error]);
}

export async function markDead(manager: EntityManager, id: string, attempts: number, reason: string): Promise<void> {
  await manager.query(`UPDATE deliveries SET status = 'dead', attempts = $2, dead_reason = $3, last_error = $3, lease_until = NULL WHERE id = $1`, [id, attempts, reason]);
}

/** A delivery as its subscription's owner sees it, with its attempts. */
export interface DeliveryView {
  id: string;
  webhookId: string;
  eventType: string;
  aggregate: string;
  sequence: number;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  deadReason: string | null;
  occurredAt: string;
  deliveredAt: string | null;
  attemptLog: { attempt: number; startedAt: string; latencyMs: number; statusCode: number | null; outcome: string; error: string | null; responseStart: string | null }[];
}

export async function listDeliveries(manager: EntityManager, subscriptionId: string, filter: { status?: string; limit: number; ids?: string[] }): Promise<DeliveryView[]> {
  const rows = await manager.query(
    `SELECT id, event_type, aggregate, sequence, status, attempts, next_attempt_at, dead_reason, occurred_at, delivered_at FROM deliveries
     WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2) AND ($4::uuid[] IS NULL OR id = ANY($4::uuid[]))
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [subscriptionId, filter.status ?? null, filter.limit, filter.ids ?? null],
  );
  if (!rows.length) return [];
  const attempts = await manager.query(
    `SELECT delivery_id, attempt, started_at, latency_ms, status_code, outcome, error, response_start FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY id`,
    [rows.map((row: any) => row.id)],
  );
  return rows.map((row: any) => ({
    id: row.id,
    webhookId: webhookIdOf(row.id),
    eventType: row.event_type,
    aggregate: row.aggregate,
    sequence: Number(row.sequence),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    deadReason: row.dead_reason,
    occurredAt: row.occurred_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    attemptLog: attempts
      .filter((attempt: any) => attempt.delivery_id === row.id)
      .map((attempt: any) => ({
        attempt: attempt.attempt,
        startedAt: attempt.started_at.toISOString(),
        latencyMs: attempt.latency_ms,
        statusCode: attempt.status_code,
        outcome: attempt.outcome,
        error: attempt.error,
        responseStart: attempt.response_start,
      })),
  }));
}

/** A dead letter back in its lane, due at once, its attempts counted afresh. False when it is not a dead letter of this subscription. */
export async function redriveDeadLetter(manager: EntityManager, subscriptionId: string, deliveryId: string, now: Date): Promise<boolean> {
  const rows = await changedRows(manager, `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, dead_reason = NULL, lease_until = NULL
     WHERE id = $2 AND subscription_id = $1 AND status = 'dead' RETURNING id`,
    [subscriptionId, deliveryId, now],
  );
  return rows.length > 0;
}

/** The lane head an operator gives up on: dead-lettered (re-drivable later) so the lane goes on. */
export async function skipPendingDelivery(manager: EntityManager, subscriptionId: string, deliveryId: string): Promise<boolean> {
  const rows = await changedRows(manager, `UPDATE deliveries SET status = 'dead', dead_reason = 'skipped_by_operator', lease_until = NULL WHERE id = $2 AND subscription_id = $1 AND status = 'pending' RETURNING id`,
    [subscriptionId, deliveryId],
  );
  return rows.length > 0;
}

/**
 * Every delivery of the subscription whose event occurred in [from, to) and that is no longer pending
 * goes out again, with its same webhook id and body (a receiver that de-duplicates by webhook id
 * recognises it). Returns how many.
 */
export async function replayRange(manager: EntityManager, subscriptionId: string, from: Date, to: Date, now: Date): Promise<number> {
  const rows = await changedRows(manager, `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $4, dead_reason = NULL, lease_until = NULL
     WHERE subscription_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND status <> 'pending' RETURNING id`,
    [subscriptionId, from, to, now],
  );
  return rows.length;
}

/** For the gauges: deliveries waiting for a retry (attempted at least once, still pending). */
export async function countRetriesPending(manager: EntityManager): Promise<number> {
  const [row] = await manager.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending' AND attempts > 0`);
  return row.n;
}
