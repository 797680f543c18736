/**
 * Finds things that look like secrets in the repository's tracked files: private keys, cloud and
 * SaaS tokens, committed JWTs, credentials in URLs, and secret-named settings given a literal
 * value. Documented development defaults are allowed by name below, with the reason.
 *
 *   node -r @swc-node/register tools/secrets/scan.ts     # lists findings; exit 1 when there are any
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretFinding {
  file: string;
  line: number;
  rule: string;
  /** The line with the suspected secret masked, so the report itself leaks nothing. */
  excerpt: string;
}

interface Rule {
  name: string;
  pattern: RegExp;
  /** Only in files that configure rather than test (see isTestFile). */
  skipTests?: boolean;
  /** Only in these files (by path). */
  files?: RegExp;
}

/** Files of settings rather than code, where `NAME: value` is an assignment and not a type or a call. */
const SETTINGS_FILES = /(^|\/)(\.env[^/]*|[^/]+\.(env|properties|ya?ml|sh|conf|ini|toml|cfg)|Dockerfile[^/]*|\.npmrc)$/;

/** Patterns with capture group `secret` mark what is masked and compared with the allow-list. */
const RULES: Rule[] = [
  { name: 'private key', pattern: /-----BEGIN (?<secret>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/ },
  { name: 'AWS access key id', pattern: /\b(?<secret>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16})\b/ },
  { name: 'AWS secret access key', pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?(?<secret>[A-Za-z0-9/+=]{40})\b/i },
  { name: 'GitHub token', pattern: /\b(?<secret>(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}))\b/ },
  { name: 'Slack token', pattern: /\b(?<secret>xox[abposr]-[A-Za-z0-9-]{10,})\b/ },
  { name: 'Google API key', pattern: /\b(?<secret>AIza[0-9A-Za-z_-]{35})\b/ },
  { name: 'Stripe live key', pattern: /\b(?<secret>[rs]k_live_[0-9A-Za-z]{20,})\b/ },
  { name: 'npm token', pattern: /\b(?<secret>npm_[A-Za-z0-9]{36})\b/ },
  { name: 'JSON Web Token', pattern: /\b(?<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})/ },
  {
    name: 'credentials in a URL',
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[A-Za-z0-9._%-]+:(?<secret>[^@\s'"`/$<>{}]{3,})@[A-Za-z0-9.-]/,
    skipTests: true,
  },
  {
    // `password = "…"`, `"apiKey": "…"`, `ODOO_PASSWORD: '…'`: a quoted literal under a secret-like name.
    name: 'secret assigned a literal',
    pattern:
      /(?<![A-Za-z])(?:[A-Za-z0-9_.-]*?(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?token|token))["']?\s*[:=]\s*(?<q>["'`])(?<secret>[^"'`\s]{6,})\k<q>/i,
    skipTests: true,
  },
  {
    // .env, .properties, YAML, shell: KEY=value / KEY: value without quotes.
    name: 'secret setting with a literal value',
    pattern:
      /^\s*(?:export\s+)?-?\s*[A-Za-z0-9_.]*(?:PASSWORD|PASSWD|SECRET|API_KEY|ACCESS_KEY|PRIVATE_KEY|TOKEN)\s*[=:]\s*(?<secret>[^\s"'`$<{#][^\s"'`]{5,})\s*$/i,
    skipTests: true,
    files: SETTINGS_FILES,
  },
];

/**
 * Values that are documented development defaults, or clearly not secrets. Every entry says why;
 * add one only for a value that is public by design, never for a real credential.
 */
export const ALLOWED_VALUES: ReadonlyArray<{ value: string; why: string }> = [
  { value: 'omnibus-development-secret-never-use-in-production', why: 'service-kit DEV_AUTH_SECRET; services refuse it when NODE_ENV=production' },
  { value: 'omnibus-dev-odoo-webhook-secret', why: 'odoo-adapter DEV_WEBHOOK_SECRET; refused when NODE_ENV=production' },
  { value: 'dev-only-odoo-sim-admin-token', why: "odoo-sim's admin API token for local runs and tests" },
];

/** A value that says it is not a real secret: a placeholder, a reference, or a dev/test marker. */
export function looksLikePlaceholder(value: string): boolean {
  return (
    /^(?:\*+|x+|\.{3}|…|<[^>]*>|\[[^\]]*\]|changeme|change-me|redacted|secret|password|your[-_].*|null|undefined|none|true|false)$/i.test(value) ||
    /\$\{|\$\(|\$[A-Za-z_]|process\.env|\benv\b|%\(|\{\{/.test(value) ||
    /^[\^~<>=]/.test(value) || // a version range (package.json, lockfiles)
    /(?:^|[-_.:])(?:dev|development|test|testing|example|sample|dummy|fake|local|placeholder|not-the-password)(?:[-_.:]|$)/i.test(value)
  );
}

export function isTestFile(file: string): boolean {
  return /(^|\/)(test|tests|__tests__|fixtures?)\//.test(file) || /\.(int\.)?spec\.[cm]?[jt]s$/.test(file) || /\.test\.[cm]?[jt]s$/.test(file);
}

const mask = (line: string, secret: string) => line.replace(secret, `${secret.slice(0, 4)}…(${secret.length} chars)`).trim().slice(0, 200);

export function scanText(file: string, text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const allowed = new Set(ALLOWED_VALUES.map((entry) => entry.value));
  const testFile = isTestFile(file);
  text.split('\n').forEach((line, index) => {
    for (const rule of RULES) {
      if ((rule.skipTests && testFile) || (rule.files && !rule.files.test(file))) continue;
      const match = rule.pattern.exec(line);
      const secret = match?.groups?.secret;
      if (!secret || allowed.has(secret)) continue;
      if (rule.name !== 'private key' && looksLikePlaceholder(secret)) continue;
      findings.push({ file, line: index + 1, rule: rule.name, excerpt: mask(line, secret) });
      break;
    }
  });
  return findings;
}

/** The files git tracks (committed or staged), relative to `root`. */
export function trackedFiles(root: string): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);
}

const MAX_BYTES = 2 * 1024 * 1024;

export function scanRepository(root: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of trackedFiles(root)) {
    const full = path.join(root, file);
    let content: Buffer;
    try {
      const stat = fs.lstatSync(full);
      if (!stat.isFile() || stat.size > MAX_BYTES) continue;
      content = fs.readFileSync(full);
    } catch {
      continue; // deleted in the working tree
    }
    if (content.subarray(0, 8000).includes(0)) continue; // binary
    findings.push(...scanText(file, content.toString('utf8')));
  }
  return findings;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  const findings = scanRepository(root);
  for (const f of findings) process.stdout.write(`${f.file}:${f.line}  ${f.rule}  ${f.excerpt}\n`);
  process.stdout.write(findings.length ? `${findings.length} possible secret(s) in tracked files\n` : 'no secrets found in tracked files\n');
  process.exitCode = findings.length ? 1 : 0;
}
