import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Parcels that left (ShipmentDispatched) take their units out of the order's reservation lines and
 * the on-hand: the `ship` movement, a line's `shipped` quantity beside what it still holds (a line
 * fully shipped holds 0), and the `fulfilled` reservation (everything shipped, nothing left to release).
 */
export class Shipments1795700000800 implements MigrationInterface {
  name = 'Shipments1795700000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_movement_check`);
    await queryRunner.query(`ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_movement_check CHECK (movement IN ('count', 'delta', 'reserve', 'release', 'expire', 'commit', 'ship'))`);
    await queryRunner.query(`ALTER TABLE reservations DROP CONSTRAINT reservations_status_check`);
    await queryRunner.query(`ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('held', 'rejected', 'released', 'expired', 'committed', 'fulfilled'))`);
    await queryRunner.query(`ALTER TABLE reservation_lines DROP CONSTRAINT reservation_lines_quantity_check`);
    await queryRunner.query(`ALTER TABLE reservation_lines ADD CONSTRAINT reservation_lines_quantity_check CHECK (quantity >= 0)`);
    await queryRunner.query(`ALTER TABLE reservation_lines ADD COLUMN shipped bigint NOT NULL DEFAULT 0 CHECK (shipped >= 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE reservation_lines DROP COLUMN shipped`);
    await queryRunner.query(`DELETE FROM reservation_lines WHERE quantity = 0`);
    await queryRunner.query(`ALTER TABLE reservation_lines DROP CONSTRAINT reservation_lines_quantity_check`);
    await queryRunner.query(`ALTER TABLE reservation_lines ADD CONSTRAINT reservation_lines_quantity_check CHECK (quantity > 0)`);
    await queryRunner.query(`ALTER TABLE reservations DROP CONSTRAINT reservations_status_check`);
    await queryRunner.query(`ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('held', 'rejected', 'released', 'expired', 'committed'))`);
    await queryRunner.query(`ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_movement_check`);
    await queryRunner.query(`ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_movement_check CHECK (movement IN ('count', 'delta', 'reserve', 'release', 'expire', 'commit'))`);
  }
}
