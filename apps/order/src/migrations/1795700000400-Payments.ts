import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway connector's side of payments:
 *
 * - `payment`: each authorisation (by its payment id, the AuthorisePayment command id that is also the
 *   gateway idempotency key) with the last status the gateway reported. Statuses only move forward
 *   (authorised → captured or voided), so a late or repeated answer or webhook is recognised as stale
 *   and each fact is published once, whether the API answer or the webhook brought it first.
 * - `payment_webhook`: every signed webhook accepted, by its `webhook-id` (a redelivery acts once),
 *   with what came of it; those for an order this service does not know stay here for review.
 */
export class Payments1795700000400 implements MigrationInterface {
  name = 'Payments1795700000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payment (
        payment_id        uuid        PRIMARY KEY,
        order_id          uuid        NOT NULL,
        gateway           text        NOT NULL,
        gateway_reference text,
        status            text        NOT NULL CHECK (status IN ('authorised', 'declined', 'captured', 'voided')),
        amount_minor      bigint      NOT NULL,
        currency          char(3)     NOT NULL,
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX payment_order ON payment (order_id)`);
    await queryRunner.query(`
      CREATE TABLE payment_webhook (
        webhook_id   text        NOT NULL,
        gateway      text        NOT NULL,
        event_type   text        NOT NULL,
        order_id     text,
        outcome      text        NOT NULL CHECK (outcome IN ('applied', 'already_known', 'stale', 'unknown_order', 'ignored')),
        body         jsonb       NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (gateway, webhook_id)
      )`);
    await queryRunner.query(`CREATE INDEX payment_webhook_for_review ON payment_webhook (received_at) WHERE outcome = 'unknown_order'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payment_webhook`);
    await queryRunner.query(`DROP TABLE payment`);
  }
}
