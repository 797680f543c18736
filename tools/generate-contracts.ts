// Generates libs/contracts/src/generated/*.ts and docs/asyncapi.yaml from schemas/ (npm run generate).
//   --check   write nothing; exit 1 when the committed files are stale
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ASYNCAPI_FILE,
  GENERATED_DIR,
  SchemaSourceError,
  findRepositoryRoot,
  generateAsyncApi,
  generateContracts,
  loadRepository,
  readSchemaSource,
} from '@omnibus/contracts/tooling';

function main(): number {
  const root = findRepositoryRoot(__dirname);
  const checkOnly = process.argv.includes('--check');
  const repository = loadRepository(readSchemaSource(join(root, 'schemas')));
  const errors = repository.findings.filter((finding) => finding.severity === 'error');
  if (errors.length > 0) {
    for (const finding of errors) console.error(`ERROR ${finding.file ?? finding.subject ?? ''}: ${finding.message}`);
    console.error('fix the schemas first (npx omnibus schemas check shows everything)');
    return 1;
  }
  const files = generateContracts(repository);
  const dir = join(root, GENERATED_DIR);
  const stale = [...files].filter(([name, content]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), 'utf8') !== content);
  const extra = existsSync(dir) ? readdirSync(dir).filter((name) => !files.has(name)) : [];
  const asyncApi = generateAsyncApi(repository);
  const asyncApiPath = join(root, ASYNCAPI_FILE);
  const asyncApiStale = !existsSync(asyncApiPath) || readFileSync(asyncApiPath, 'utf8') !== asyncApi;
  if (checkOnly) {
    const staleNames = [...stale.map(([name]) => join(GENERATED_DIR, name)), ...extra.map((name) => join(GENERATED_DIR, name)), ...(asyncApiStale ? [ASYNCAPI_FILE] : [])];
    if (staleNames.length === 0) return 0;
    console.error(`stale generated files: ${staleNames.join(', ')} — run npm run generate`);
    return 1;
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of stale) writeFileSync(join(dir, name), content);
  for (const name of extra) rmSync(join(dir, name));
  console.log(`${GENERATED_DIR}: ${stale.length} written, ${extra.length} removed, ${files.size - stale.length} unchanged`);
  if (asyncApiStale) {
    mkdirSync(dirname(asyncApiPath), { recursive: true });
    writeFileSync(asyncApiPath, asyncApi);
  }
  console.log(`${ASYNCAPI_FILE}: ${asyncApiStale ? 'written' : 'unchanged'}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (cause) {
  if (cause instanceof SchemaSourceError) {
    console.error(cause.message);
    process.exitCode = 1;
  } else throw cause;
}
