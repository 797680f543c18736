import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CATALOGUE_FILE } from './catalogue';
import type { SchemaFile } from './assemble';
import { LOCK_FILE } from './lock';

/** Everything under schemas/ that governance reads, as text (so the logic itself does no I/O). */
export interface SchemaSource {
  catalogueText: string;
  files: SchemaFile[];
  lockText?: string;
}

/** Reads schemas/: the catalogue, every .avsc file below it, and the lock when present. */
export function readSchemaSource(schemasDir: string): SchemaSource {
  const files: SchemaFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.avsc')) files.push({ path: relative(schemasDir, path).split('\\').join('/'), text: readFileSync(path, 'utf8') });
    }
  };
  walk(schemasDir);
  const lockPath = join(schemasDir, LOCK_FILE);
  return {
    catalogueText: readFileSync(join(schemasDir, CATALOGUE_FILE), 'utf8'),
    files,
    ...(existsSync(lockPath) ? { lockText: readFileSync(lockPath, 'utf8') } : {}),
  };
}
