import { createOperatorAuditTable } from '@omnibus/messaging';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The manual-review queue of the order saga:
 *
 * - `review_items`: one row per review item the saga opens, inserted in the transaction of the saga
 *   step that opened it (its id is the engine's review item id), and resolved in the transaction that
 *   feeds the operator's decision to the saga. `due_by` is the SLA (ORDER_REVIEW_SLA_MS after opening).
 * - `operator_audit`: the operator actions taken through this service's API, in the shape of the
 *   operations database's table (libs/messaging/src/operations/audit.ts), so the same reader lists it;
 *   a resolution's row commits with the resolution, a refused one is written on its own.
 */
export class ReviewQueue1795700000300 implements MigrationInterface {
  name = 'ReviewQueue1795700000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE review_items (
        id               uuid        PRIMARY KEY,
        order_id         uuid        NOT NULL REFERENCES orders (id),
        saga_step        text        NOT NULL,
        phase            text        NOT NULL CHECK (phase IN ('action', 'compensation')),
        reason           text        NOT NULL,
        detail           text,
        allowed_actions  text[]      NOT NULL,
        retry            text        NOT NULL CHECK (retry IN ('same-command', 'new-attempt')),
        opened_at        timestamptz NOT NULL,
        due_by           timestamptz NOT NULL,
        cause_type       text        NOT NULL,
        cause_event_id   uuid,
        state            text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
        resolution       text        CHECK (resolution IN ('retry', 'cancel', 'accept')),
        resolution_note  text,
        resolved_by      text,
        resolved_at      timestamptz,
        idempotency_key  text,
        CHECK ((state = 'open') = (resolution IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX review_items_open ON review_items (reason, due_by) WHERE state = 'open'`);
    await queryRunner.query(`CREATE INDEX review_items_order ON review_items (order_id, opened_at)`);
    await queryRunner.query(`CREATE INDEX review_items_listing ON review_items (opened_at, id)`);
    await createOperatorAuditTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE operator_audit`);
    await queryRunner.query(`DROP TABLE review_items`);
  }
}
