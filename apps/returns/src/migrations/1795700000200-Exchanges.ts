import { MigrationInterface, QueryRunner } from 'typeorm';

/** An exchange: a return's replacements, the price difference, and what the returned goods still owe the replacement (per line). */
export class Exchanges1795700000200 implements MigrationInterface {
  name = 'Exchanges1795700000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE return_exchanges (
        exchange_id             uuid        PRIMARY KEY,
        return_id               uuid        NOT NULL UNIQUE REFERENCES return_authorisations (id),
        replacement_order_id    text        NOT NULL UNIQUE,
        lines                   jsonb       NOT NULL,
        currency                text        NOT NULL,
        credit_minor            bigint      NOT NULL,
        replacement_total_minor bigint      NOT NULL,
        amount_to_charge_minor  bigint      NOT NULL,
        amount_to_refund_minor  bigint      NOT NULL,
        owed_by_goods           jsonb       NOT NULL,
        requested_at            timestamptz NOT NULL,
        published_at            timestamptz,
        replacement_cancelled_at timestamptz,
        replacement_cancel_reason text
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE return_exchanges`);
  }
}
