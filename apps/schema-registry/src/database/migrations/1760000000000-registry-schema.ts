import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registry's tables. A schema row is never deleted, so an id is never handed to another
 * schema and a hard-deleted schema registered again gets its old id back.
 */
export class RegistrySchema1760000000000 implements MigrationInterface {
  name = 'RegistrySchema1760000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE schemas (
        id integer PRIMARY KEY,
        schema_type text NOT NULL DEFAULT 'AVRO',
        -- canonical JSON text (what identity compares and what the API returns)
        schema text NOT NULL,
        -- [{name, subject, version}] in declaration order
        refs jsonb NOT NULL DEFAULT '[]'::jsonb,
        -- sha-256 of type + canonical text + references: one row per distinct schema
        fingerprint text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE subject_versions (
        subject text NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        schema_id integer NOT NULL REFERENCES schemas (id),
        deleted boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, version)
      )`);
    await queryRunner.query(`CREATE INDEX subject_versions_schema_id ON subject_versions (schema_id)`);
    await queryRunner.query(`
      CREATE TABLE subject_settings (
        -- '' is the global scope
        scope text NOT NULL,
        setting text NOT NULL CHECK (setting IN ('compatibility', 'mode')),
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, setting)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE subject_settings`);
    await queryRunner.query(`DROP TABLE subject_versions`);
    await queryRunner.query(`DROP TABLE schemas`);
  }
}
