import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest directory above `from` holding schemas/catalogue.yaml. */
export function findRepositoryRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'schemas', 'catalogue.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no schemas/catalogue.yaml found above ${from}`);
    dir = parent;
  }
}
