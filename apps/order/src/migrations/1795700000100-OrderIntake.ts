import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Order intake: the whole order on its row, its status history, its link to the Odoo sale order,
 * and the channels' idempotency keys.
 *
 * - `orders.document`: the canonical order (lines, totals, addresses, fulfilment) as JSON; the columns
 *   beside it are what is searched or changed.
 * - `order_status_history`: one row per status an order entered; `seq` is the order's `version`
 *   after the change, so the history and the optimistic-lock counter cannot disagree.
 * - `order_idempotency_keys`: per caller (token subject) and key, the fingerprint of the request and
 *   the answer given, replayed for a retry. Written first in the intake transaction so a concurrent
 *   retry waits on the key instead of racing to a duplicate; the order it names is inserted later in
 *   the same transaction, hence the deferred foreign key.
 */
export class OrderIntake1795700000100 implements MigrationInterface {
  name = 'OrderIntake1795700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Defaults only to fill rows that might exist from the skeleton; dropped right after.
    await queryRunner.query(`
      ALTER TABLE orders
        ADD COLUMN brand                 text        NOT NULL DEFAULT '',
        ADD COLUMN company_id            text        NOT NULL DEFAULT '',
        ADD COLUMN placed_at             timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN document              jsonb       NOT NULL DEFAULT '{}',
        ADD COLUMN sale_order_command_id uuid,
        ADD COLUMN odoo_sale_order_id    bigint,
        ADD COLUMN odoo_sale_order_name  text,
        ADD COLUMN review_failure        text,
        ADD COLUMN review_message        text`);
    await queryRunner.query(`
      ALTER TABLE orders
        ALTER COLUMN brand DROP DEFAULT,
        ALTER COLUMN company_id DROP DEFAULT,
        ALTER COLUMN placed_at DROP DEFAULT,
        ALTER COLUMN document DROP DEFAULT`);
    await queryRunner.query(`
      CREATE TABLE order_status_history (
        order_id          uuid        NOT NULL REFERENCES orders (id),
        seq               integer     NOT NULL,
        status            text        NOT NULL,
        detail            text,
        caused_by_event   uuid,
        occurred_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (order_id, seq)
      )`);
    await queryRunner.query(`
      CREATE TABLE order_idempotency_keys (
        caller             text        NOT NULL,
        idempotency_key    text        NOT NULL,
        fingerprint        char(64)    NOT NULL,
        order_id           uuid        NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
        response           jsonb       NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (caller, idempotency_key)
      )`);
    await queryRunner.query(`CREATE INDEX order_idempotency_keys_created_at ON order_idempotency_keys USING brin (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE order_idempotency_keys`);
    await queryRunner.query(`DROP TABLE order_status_history`);
    await queryRunner.query(`
      ALTER TABLE orders
        DROP COLUMN brand, DROP COLUMN company_id, DROP COLUMN placed_at, DROP COLUMN document,
        DROP COLUMN sale_order_command_id, DROP COLUMN odoo_sale_order_id, DROP COLUMN odoo_sale_order_name,
        DROP COLUMN review_failure, DROP COLUMN review_message`);
  }
}
