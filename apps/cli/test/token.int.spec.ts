import { decodeJwt } from 'jose';
import { verifyToken } from '@omnibus/service-kit';
import { ttlSeconds } from '../src/commands/token';
import { runOmnibus as omnibus } from '@omnibus/testing';


const SECRET = 'a-test-secret-of-at-least-32-characters!';

describe('omnibus token', () => {
  it('prints a token the services accept, for the subject, scopes and lifetime asked', async () => {
    const result = await omnibus(['token', '--sub', 'operator:alice', '--scope', 'odoo:sync', '--scope', 'orders:read', '--ttl', '8h'], {
      OMNIBUS_AUTH_SECRET: SECRET,
    });
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(await verifyToken(token, SECRET)).toEqual({ sub: 'operator:alice', scopes: ['odoo:sync', 'orders:read'] });
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(8 * 3600);
    expect(result.stderr).toMatch(/^token for operator:alice \(odoo:sync orders:read\), expires \d{4}-/);
    // Another secret (another deployment) does not accept it.
    await expect(verifyToken(token, 'another-secret-of-at-least-32-characters')).rejects.toThrow('token signature or claims invalid');
  });

  it('refuses to print a token without a scope, with a short secret, or without a secret in production', async () => {
    const noScope = await omnibus(['token', '--sub', 'operator:alice'], { OMNIBUS_AUTH_SECRET: SECRET });
    expect(noScope).toMatchObject({ code: 1, stdout: '' });
    expect(noScope.stderr).toBe('omnibus: give at least one --scope, e.g. --scope odoo:sync\n');

    const short = await omnibus(['token', '--sub', 'ci', '--scope', 'odoo:sync'], { OMNIBUS_AUTH_SECRET: 'short' });
    expect(short).toMatchObject({ code: 1, stdout: '' });
    expect(short.stderr).toMatch(/OMNIBUS_AUTH_SECRET must be at least 32 characters/);

    const production = await omnibus(['token', '--sub', 'ci', '--scope', 'odoo:sync'], { OMNIBUS_AUTH_SECRET: '', NODE_ENV: 'production' });
    expect(production).toMatchObject({ code: 1, stdout: '' });
    expect(production.stderr).toMatch(/OMNIBUS_AUTH_SECRET is required when NODE_ENV=production/);
  });
});

describe('token lifetimes', () => {
  it('read seconds or a count with a unit, between 1s and 90d', () => {
    expect(ttlSeconds('900')).toBe(900);
    expect(ttlSeconds('15m')).toBe(900);
    expect(ttlSeconds('8h')).toBe(28_800);
    expect(ttlSeconds('30d')).toBe(2_592_000);
    expect(() => ttlSeconds('91d')).toThrow('--ttl must be between 1s and 90d (got "91d")');
    expect(() => ttlSeconds('0')).toThrow(/between 1s and 90d/);
    expect(() => ttlSeconds('soon')).toThrow(/--ttl must be seconds or a duration/);
  });
});
