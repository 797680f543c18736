import type { EntityManager } from 'typeorm';
import { changedRows } from './rows';
import type { Subscription } from '../domain/subscription';

/** SQL of `subscriptions` (migration 1795700000000), in the caller's transaction or connection; its audit rows are written with recordOperatorAction (libs/messaging). */

const COLUMNS = `id, owner, url, description, event_types, channels, status, disabled_reason, secret, previous_secret, previous_secret_expires_at, created_at, updated_at`;

export async function insertSubscription(manager: EntityManager, subscription: Subscription): Promise<void> {
  await manager.query(
    `INSERT INTO subscriptions (id, owner, url, description, event_types, channels, status, secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
    [subscription.id, subscription.owner, subscription.url, subscription.description, subscription.eventTypes, subscription.channels, subscription.status, subscription.secret, subscription.createdAt],
  );
}

export async function findSubscription(manager: EntityManager, id: string, lock = false): Promise<Subscription | null> {
  const [row] = await manager.query(`SELECT ${COLUMNS} FROM subscriptions WHERE id = $1 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row ? fromRow(row) : null;
}

/** A partner's subscriptions (or, for `owner` null, everyone's), oldest first. */
export async function listSubscriptions(manager: EntityManager, owner: string | null): Promise<Subscription[]> {
  const rows = await manager.query(`SELECT ${COLUMNS} FROM subscriptions WHERE deleted_at IS NULL AND ($1::text IS NULL OR owner = $1) ORDER BY created_at, id`, [owner]);
  return rows.map(fromRow);
}

/** Every subscription that may want events (active or paused): the fan-out reads them per event chunk. */
export async function listReceivingSubscriptions(manager: EntityManager): Promise<Subscription[]> {
  const rows = await manager.query(`SELECT ${COLUMNS} FROM subscriptions WHERE deleted_at IS NULL AND status <> 'disabled' ORDER BY id`);
  return rows.map(fromRow);
}

export async function saveSubscription(manager: EntityManager, subscription: Subscription): Promise<void> {
  await manager.query(
    `UPDATE subscriptions SET url = $2, description = $3, event_types = $4, channels = $5, status = $6, disabled_reason = $7, secret = $8,
       previous_secret = $9, previous_secret_expires_at = $10, updated_at = $11 WHERE id = $1`,
    [
      subscription.id,
      subscription.url,
      subscription.description,
      subscription.eventTypes,
      subscription.channels,
      subscription.status,
      subscription.disabledReason,
      subscription.secret,
      subscription.previousSecret,
      subscription.previousSecretExpiresAt,
      subscription.updatedAt,
    ],
  );
}

/** Deleted subscriptions keep their row (deliveries refer to it) but are gone for every reader; pending deliveries are dropped. */
export async function deleteSubscription(manager: EntityManager, id: string, now: Date): Promise<void> {
  await manager.query(`UPDATE subscriptions SET deleted_at = $2, status = 'disabled', disabled_reason = 'deleted', updated_at = $2 WHERE id = $1`, [id, now]);
  await manager.query(`UPDATE deliveries SET status = 'dead', dead_reason = 'subscription_deleted' WHERE subscription_id = $1 AND status = 'pending'`, [id]);
}

/** 410 Gone from the endpoint, or days of failures: the subscription stops receiving until its owner resumes it. */
export async function disableSubscription(manager: EntityManager, id: string, reason: string, now: Date): Promise<boolean> {
  const rows = await changedRows(manager, `UPDATE subscriptions SET status = 'disabled', disabled_reason = $2, failing_since = NULL, updated_at = $3 WHERE id = $1 AND status <> 'disabled' RETURNING id`, [id, reason, now]);
  return rows.length > 0;
}

/**
 * Notes an endpoint failure: the subscription has failed since the first failure after its last
 * success. Returns that time.
 */
export async function noteEndpointFailure(manager: EntityManager, id: string, at: Date): Promise<Date> {
  const rows = await changedRows(manager, `UPDATE subscriptions SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING failing_since`, [id, at]);
  return rows[0]?.failing_since ?? at;
}

/** A success: the endpoint is not failing any more. */
export async function noteEndpointSuccess(manager: EntityManager, id: string): Promise<void> {
  await manager.query(`UPDATE subscriptions SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [id]);
}

export async function countDisabledSubscriptions(manager: EntityManager): Promise<number> {
  const [row] = await manager.query(`SELECT count(*)::int AS n FROM subscriptions WHERE status = 'disabled' AND deleted_at IS NULL`);
  return row.n;
}

function fromRow(row: any): Subscription {
  return {
    id: row.id,
    owner: row.owner,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    channels: row.channels,
    status: row.status,
    disabledReason: row.disabled_reason,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
