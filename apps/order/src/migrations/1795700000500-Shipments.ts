import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shipments as the carriers report them, and what makes their webhooks act once:
 *
 * - `shipment`: each parcel by our shipment id, with the carrier's id, what it carries and the last
 *   milestone (its rank and time), so a repeated, late or out-of-order milestone is recognised (a
 *   delivered parcel never goes back to in transit).
 * - `carrier_webhook`: every signed carrier webhook accepted, by its `webhook-id` (a redelivery acts
 *   once), with what came of it; those for an order this service does not know stay here for review.
 * - `saga_deferred_input`: a shipment event that reached an order's saga before the saga was ready for
 *   it (the carrier was quicker than the warehouse release's answer); offered again once the saga moves.
 * - `payment_capture`: each capture (a shipment's share, or the rest) by its CapturePayment command id,
 *   so the gateway's answer to one capture is published once.
 */
export class Shipments1795700000500 implements MigrationInterface {
  name = 'Shipments1795700000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE shipment (
        shipment_id         text        PRIMARY KEY,
        order_id            uuid        NOT NULL,
        carrier             text        NOT NULL,
        carrier_shipment_id text        NOT NULL,
        tracking_number     text,
        tracking_url        text,
        from_location       text        NOT NULL,
        lines               jsonb       NOT NULL,
        status              text        NOT NULL,
        status_at           timestamptz NOT NULL,
        exception           text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        UNIQUE (carrier, carrier_shipment_id)
      )`);
    await queryRunner.query(`CREATE INDEX shipment_order ON shipment (order_id)`);
    await queryRunner.query(`
      CREATE TABLE carrier_webhook (
        webhook_id   text        NOT NULL,
        carrier      text        NOT NULL,
        event_type   text        NOT NULL,
        order_id     text,
        outcome      text        NOT NULL,
        body         jsonb       NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (carrier, webhook_id)
      )`);
    await queryRunner.query(`CREATE INDEX carrier_webhook_for_review ON carrier_webhook (received_at) WHERE outcome = 'unknown_order'`);
    await queryRunner.query(`
      CREATE TABLE saga_deferred_input (
        seq        bigserial   PRIMARY KEY,
        saga_id    text        NOT NULL,
        event_id   text        NOT NULL,
        input      jsonb       NOT NULL,
        cause_type text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (saga_id, event_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE payment_capture (
        capture_id         uuid        PRIMARY KEY,
        payment_id         uuid        NOT NULL,
        order_id           uuid        NOT NULL,
        shipment_id        text,
        amount_minor       bigint      NOT NULL,
        currency           char(3)     NOT NULL,
        final              boolean     NOT NULL,
        gateway_reference  text        NOT NULL,
        captured_at        timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX payment_capture_payment ON payment_capture (payment_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payment_capture`);
    await queryRunner.query(`DROP TABLE saga_deferred_input`);
    await queryRunner.query(`DROP TABLE carrier_webhook`);
    await queryRunner.query(`DROP TABLE shipment`);
  }
}
