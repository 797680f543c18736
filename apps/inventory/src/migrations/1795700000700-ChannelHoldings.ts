import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reservations draw their channel's allocation down: deciding a chunk and refreshing the projection
 * read what each channel holds of a SKU from its reservation lines, by SKU. The projection rows were
 * computed without that, so the stored network fingerprint is dropped and they are rebuilt at start.
 */
export class ChannelHoldings1795700000700 implements MigrationInterface {
  name = 'ChannelHoldings1795700000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX reservation_lines_sku ON reservation_lines (sku)`);
    await queryRunner.query(`DELETE FROM sku_availability_network`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX reservation_lines_sku`);
  }
}
