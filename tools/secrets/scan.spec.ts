import { isTestFile, looksLikePlaceholder, scanText } from './scan';

// Fixtures are assembled at run time, so this file itself holds nothing the scanner would flag.
const join = (...parts: string[]) => parts.join('');
const rules = (file: string, text: string) => scanText(file, text).map((f) => f.rule);

describe('the secrets scan', () => {
  it('finds private keys, cloud and SaaS tokens, and committed JWTs anywhere, tests included', () => {
    expect(rules('deploy/key.pem', join('-----BEGIN ', 'RSA PRIVATE KEY-----'))).toEqual(['private key']);
    expect(rules('src/a.spec.ts', join('-----BEGIN ', 'OPENSSH PRIVATE KEY-----'))).toEqual(['private key']);
    expect(rules('README.md', `key id ${join('AKIA', 'Q3EGRI7ZW2NDQ5XK')}`)).toEqual(['AWS access key id']);
    expect(rules('config.ini', `aws_secret_access_key = ${join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY')}`)).toEqual(['AWS secret access key']);
    expect(rules('a.ts', `const t = '${join('gh', 'p_', 'a'.repeat(36))}'`)).toEqual(['GitHub token']);
    expect(rules('a.ts', `'${join('xo', 'xb-', '1234567890-abcdef')}'`)).toEqual(['Slack token']);
    expect(rules('a.md', join('sk', '_live_', 'A1b2C3d4E5f6G7h8I9j0K1l2'))).toEqual(['Stripe live key']);
    const jwt = join('eyJ', 'hbGciOiJIUzI1NiJ9', '.eyJ', 'zdWIiOiJvcGVyYXRvciJ9', '.', 'c2lnbmF0dXJlLXNpZ25hdHVyZQ');
    expect(rules('docs/howto.md', `curl -H "Authorization: Bearer ${jwt}"`)).toEqual(['JSON Web Token']);
  });

  it('finds literal passwords and secrets in code, settings files and URLs', () => {
    expect(rules('apps/x/src/config.ts', `const db = { password: '${join('Tr0ub4dor', '&3x')}' }`)).toEqual(['secret assigned a literal']);
    expect(rules('deploy/app.properties', `sasl.password=${join('hunter', '2hunter2')}`)).toEqual(['secret setting with a literal value']);
    expect(rules('.env.production', `export OMNIBUS_AUTH_SECRET=${join('9f8e7d6c', '5b4a3928')}`)).toEqual(['secret setting with a literal value']);
    expect(rules('docker-compose.yml', `      POSTGRES_PASSWORD: ${join('s3cr3t', 'pass')}`)).toEqual(['secret setting with a literal value']);
    expect(rules('scripts/run.sh', `psql postgres://app:${join('pr0d', 'pass')}@db.internal:5432/app`)).toEqual(['credentials in a URL']);
  });

  it('leaves alone references, placeholders, development defaults and code that only names a secret', () => {
    const clean = [
      `password: config.ODOO_PASSWORD,`,
      `KAFKA_SASL_PASSWORD=$(password_of broker)`,
      `password="$secret";`,
      `SCHEMA_REGISTRY_URL=http://reader:<pw>@127.0.0.1:8081`,
      `DATABASE_URL=postgres://postgres@127.0.0.1:5432/order`,
      `OMNIBUS_AUTH_SECRET: setting.text({ description: 'HMAC secret' })`,
      `export const DEV_AUTH_SECRET = 'omnibus-development-secret-never-use-in-production';`,
      `const token = await issueToken({ sub, scopes });`,
      `"@tokenizer/token": "^0.3.0"`,
      `apiKey: 'your-api-key'`,
      `password: '********'`,
    ];
    for (const line of clean) expect({ line, found: rules('src/settings.ts', line) }).toEqual({ line, found: [] });
    expect(rules('deploy/.env', 'ODOO_API_KEY=${ODOO_API_KEY}')).toEqual([]);
  });

  it('takes literal values in tests for fixtures, but not tokens or keys', () => {
    expect(rules('apps/x/test/harness.ts', `const secret = '${join('integration', '-fixture-1234')}'`)).toEqual([]);
    expect(isTestFile('libs/a/src/thing.int.spec.ts')).toBe(true);
    expect(isTestFile('apps/x/test/harness.ts')).toBe(true);
    expect(isTestFile('apps/x/src/testing.ts')).toBe(false);
  });

  it('masks what it found, so its own report leaks nothing', () => {
    const secret = join('Tr0ub4dor', '&3xyz');
    const [finding] = scanText('src/a.ts', `password = "${secret}"`);
    expect(finding).toMatchObject({ file: 'src/a.ts', line: 1 });
    expect(finding.excerpt).not.toContain(secret);
    expect(finding.excerpt).toContain('Tr0u…(14 chars)');
  });

  it('knows a placeholder when it sees one', () => {
    for (const value of ['<password>', '***', 'changeme', '${SECRET}', 'dev-secret', 'example.key', 'not-the-password']) {
      expect({ value, placeholder: looksLikePlaceholder(value) }).toEqual({ value, placeholder: true });
    }
    expect(looksLikePlaceholder(join('Tr0ub4', 'dor&3'))).toBe(false);
  });
});
