import { createOperatorAuditTable } from '@omnibus/messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhooks service's own tables:
 * - `subscriptions`: a partner's endpoint, the event types it wants, its filter, its secret (and the
 *   previous one while a rotation's grace lasts), whether it is active, paused or disabled, and since
 *   when its endpoint has failed without a success in between (it is disabled after days of that).
 * - `delivery_lanes`: per (subscription, aggregate) the last sequence given out and its delivery, so
 *   each new delivery gets the next sequence and the previous delivery's id in one locked upsert.
 * - `deliveries`: one row per (subscription, canonical event): its webhook id is stable, its body the
 *   exact bytes sent on every attempt, re-drive and replay. Only the lowest pending sequence of a lane
 *   is sent (ordered per aggregate); `lease_until` keeps two dispatchers off one delivery.
 * - `delivery_attempts`: every attempt with status, latency and the response's first bytes.
 * - `aggregate_channels`: the sales channel of an order or a return, from the events that name it, so
 *   a channel-filtered subscription also gets the later events that do not (order.cancelled…).
 * - `operator_audit`: actions taken through the API (rotation, re-drive, replay, skip), in the
 *   shape of the operations database's table (libs/messaging/src/operations/audit.ts).
 */
export class Initial1795700000000 implements MigrationInterface {
  name = 'Initial1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE subscriptions (
        id                         uuid        PRIMARY KEY,
        owner                      text        NOT NULL,
        url                        text        NOT NULL,
        description                text,
        event_types                text[]      NOT NULL,
        channels                   text[],
        status                     text        NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
        disabled_reason            text,
        failing_since              timestamptz,
        secret                     text        NOT NULL,
        previous_secret            text,
        previous_secret_expires_at timestamptz,
        created_at                 timestamptz NOT NULL DEFAULT now(),
        updated_at                 timestamptz NOT NULL DEFAULT now(),
        deleted_at                 timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX subscriptions_owner ON subscriptions (owner, created_at) WHERE deleted_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE delivery_lanes (
        subscription_id  uuid   NOT NULL REFERENCES subscriptions (id),
        aggregate        text   NOT NULL,
        last_sequence    bigint NOT NULL,
        last_delivery_id uuid,
        PRIMARY KEY (subscription_id, aggregate)
      )`);
    await queryRunner.query(`
      CREATE TABLE deliveries (
        id                  uuid        PRIMARY KEY,
        subscription_id     uuid        NOT NULL REFERENCES subscriptions (id),
        event_id            text        NOT NULL,
        event_type          text        NOT NULL,
        aggregate           text        NOT NULL,
        sequence            bigint      NOT NULL,
        previous_id         uuid,
        body                text        NOT NULL,
        occurred_at         timestamptz NOT NULL,
        published_at        timestamptz NOT NULL,
        status              text        NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts            integer     NOT NULL DEFAULT 0,
        next_attempt_at     timestamptz NOT NULL DEFAULT now(),
        lease_until         timestamptz,
        last_error          text,
        dead_reason         text,
        delivered_at        timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        UNIQUE (subscription_id, event_id),
        UNIQUE (subscription_id, aggregate, sequence)
      )`);
    // The dispatcher's question: the head (lowest pending sequence) of every lane.
    await queryRunner.query(`CREATE INDEX deliveries_pending ON deliveries (subscription_id, aggregate, sequence) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, occurred_at)`);
    await queryRunner.query(`CREATE INDEX deliveries_dead ON deliveries (subscription_id, created_at) WHERE status = 'dead'`);
    await queryRunner.query(`
      CREATE TABLE delivery_attempts (
        id              bigserial   PRIMARY KEY,
        delivery_id     uuid        NOT NULL REFERENCES deliveries (id),
        attempt         integer     NOT NULL,
        started_at      timestamptz NOT NULL,
        latency_ms      integer     NOT NULL,
        status_code     integer,
        outcome         text        NOT NULL,
        error           text,
        response_start  text
      )`);
    await queryRunner.query(`CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id)`);
    await queryRunner.query(`CREATE TABLE aggregate_channels (aggregate text PRIMARY KEY, channel_id text NOT NULL)`);
    await createOperatorAuditTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['operator_audit', 'aggregate_channels', 'delivery_attempts', 'deliveries', 'delivery_lanes', 'subscriptions']) await queryRunner.query(`DROP TABLE ${table}`);
  }
}
