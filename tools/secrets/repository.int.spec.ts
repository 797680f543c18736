import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { scanRepository, trackedFiles } from './scan';

const root = path.resolve(__dirname, '..', '..');

describe('the repository', () => {
  it('has no secrets in its tracked files (see tools/secrets/scan.ts for the rules and the allow-list)', () => {
    const findings = scanRepository(root).map((f) => `${f.file}:${f.line} ${f.rule}: ${f.excerpt}`);
    expect(findings).toEqual([]);
  });

  it('keeps local state and environment files out of git', () => {
    const ignored = (file: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', file], { cwd: root });
        return true;
      } catch {
        return false;
      }
    };
    for (const file of ['.omnibus/kafka/credentials.json', '.omnibus/kafka/server.properties', '.env', '.env.local', 'apps/order/.env.production']) {
      expect({ file, ignored: ignored(file) }).toEqual({ file, ignored: true });
    }
    expect(ignored('.env.example')).toBe(false);
    const tracked = trackedFiles(root).filter((file) => file.startsWith('.omnibus/') || /(^|\/)\.env(\.(?!example$)[^/]*)?$/.test(file));
    expect(tracked).toEqual([]);
  });
});
