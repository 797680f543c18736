import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `payment_link`: the checkout session the connector opened for a pay-by-link payment (policy
 * pay_by_link), by our payment id: the void of a payment nobody paid expires this session, and a
 * declined try on it is not final (the customer may try another card).
 */
export class PaymentLinks1795700000650 implements MigrationInterface {
  name = 'PaymentLinks1795700000650';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payment_link (
        payment_id   uuid        PRIMARY KEY,
        order_id     uuid        NOT NULL,
        gateway      text        NOT NULL,
        session_id   text        NOT NULL,
        url          text        NOT NULL,
        expires_at   timestamptz NOT NULL,
        amount_minor bigint      NOT NULL,
        currency     char(3)     NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX payment_link_order ON payment_link (order_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE payment_link`);
  }
}
