import { MigrationInterface, QueryRunner } from 'typeorm';

/** Return authorisations: requested online or in store, for one order. */
export class Initial1795700000000 implements MigrationInterface {
  name = 'Initial1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE return_authorisations (
        id           uuid         PRIMARY KEY,
        order_id     uuid         NOT NULL,
        channel      text         NOT NULL,
        status       text         NOT NULL,
        reason       text,
        requested_at timestamptz  NOT NULL,
        version      integer      NOT NULL DEFAULT 1,
        created_at   timestamptz  NOT NULL DEFAULT now(),
        updated_at   timestamptz  NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX return_authorisations_order ON return_authorisations (order_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE return_authorisations`);
  }
}
