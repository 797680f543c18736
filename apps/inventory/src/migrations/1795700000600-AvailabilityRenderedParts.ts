import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The availability projection also keeps each location's part of the answer as JSON text
 * (`location_parts`: `[[locationId, text], …]`, the text being the location's object without its
 * closing brace), so `GET /availability` assembles its answer by concatenation, splicing in what
 * depends on the caller and the time (whether the location counts for the channel, its sources'
 * ages), without parsing or rendering the parts on every read. It is derived in SQL from `locations`
 * in the same UPDATE, so the invariant check on `locations` covers what is served.
 */
export class AvailabilityRenderedParts1795700000600 implements MigrationInterface {
  name = 'AvailabilityRenderedParts1795700000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sku_availability ADD COLUMN location_parts json NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`UPDATE sku_availability SET location_parts = ${LOCATION_PARTS_OF('locations')}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sku_availability DROP COLUMN location_parts`);
  }
}

/** SQL: the `location_parts` of a projection row from its `locations` json (json keeps each element's text as written). */
export const LOCATION_PARTS_OF = (locations: string) =>
  `(SELECT coalesce(json_agg(json_build_array(l ->> 'locationId', left(l::text, -1)) ORDER BY n), '[]')
      FROM json_array_elements(${locations}) WITH ORDINALITY AS e(l, n))`;
