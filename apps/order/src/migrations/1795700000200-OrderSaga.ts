import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The order saga (its state is `saga_instance`, from @omnibus/saga's migration):
 *
 * - `orders.payment_status`, `orders.fulfilment_status` beside `status`: the three statuses, derived
 *   from the saga and written with it, kept as columns so they can be searched and counted.
 * - `order_timeline`: every saga step of an order with its cause (the event that caused it, or a
 *   timeout, or the order's acceptance), written in the transaction that advanced the saga.
 * - The columns of the sagaless first slice go: the saga's state has the sale order and the review.
 */
export class OrderSaga1795700000200 implements MigrationInterface {
  name = 'OrderSaga1795700000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        ADD COLUMN payment_status    text NOT NULL DEFAULT 'pending',
        ADD COLUMN fulfilment_status text NOT NULL DEFAULT 'not_fulfilled',
        DROP COLUMN sale_order_command_id,
        DROP COLUMN odoo_sale_order_id,
        DROP COLUMN odoo_sale_order_name,
        DROP COLUMN review_failure,
        DROP COLUMN review_message`);
    await queryRunner.query(`
      CREATE TABLE order_timeline (
        id              bigserial   PRIMARY KEY,
        order_id        uuid        NOT NULL REFERENCES orders (id),
        at              timestamptz NOT NULL,
        step            text,
        phase           text        NOT NULL,
        what            text        NOT NULL,
        detail          text,
        cause_type      text        NOT NULL,
        cause_event_id  uuid
      )`);
    await queryRunner.query(`CREATE INDEX order_timeline_order ON order_timeline (order_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE order_timeline`);
    await queryRunner.query(`
      ALTER TABLE orders
        DROP COLUMN payment_status, DROP COLUMN fulfilment_status,
        ADD COLUMN sale_order_command_id uuid, ADD COLUMN odoo_sale_order_id bigint, ADD COLUMN odoo_sale_order_name text,
        ADD COLUMN review_failure text, ADD COLUMN review_message text`);
  }
}
