import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `payment_refund`: each refund the gateway connector asked for (RefundPayment, from the order saga or
 * the returns service), by our refund id: `issued` (the gateway paid it back; the API answer and the
 * `refund.created` webhook of one refund claim the same row, so RefundIssued is published once) or
 * `failed` (the gateway refused it for good; RefundFailed published once).
 */
export class Refunds1795700000700 implements MigrationInterface {
  name = 'Refunds1795700000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payment_refund (
        refund_id         text        PRIMARY KEY,
        order_id          uuid        NOT NULL,
        payment_id        uuid,
        return_id         text,
        gateway           text,
        gateway_reference text,
        status            text        NOT NULL CHECK (status IN ('issued', 'failed')),
        amount_minor      bigint      NOT NULL,
        currency          char(3)     NOT NULL,
        reason            text        NOT NULL,
        recorded_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX payment_refund_order ON payment_refund (order_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payment_refund`);
  }
}
