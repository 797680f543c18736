import { SignJWT } from 'jose';
import { issueToken, verifyToken } from './tokens';

const secret = 'a-test-secret-of-at-least-32-characters!';

describe('API tokens', () => {
  it('a token issued for a channel verifies to its subject and scopes', async () => {
    const token = await issueToken({ sub: 'channel:web-eu', scopes: ['orders:write', 'orders:read'], secret });
    await expect(verifyToken(token, secret)).resolves.toEqual({ sub: 'channel:web-eu', scopes: ['orders:write', 'orders:read'] });
  });

  it("a channel's token bound to its sales channel carries it; one without the claim is bound to none", async () => {
    const bound = await issueToken({ sub: 'channel:web-eu', scopes: ['orders:read'], secret, channel: 'web-eu' });
    await expect(verifyToken(bound, secret)).resolves.toEqual({ sub: 'channel:web-eu', scopes: ['orders:read'], channel: 'web-eu' });
    const unbound = await issueToken({ sub: 'operator:alice', scopes: ['review:read'], secret });
    expect(await verifyToken(unbound, secret)).not.toHaveProperty('channel');
  });

  it('a token signed with another secret is refused', async () => {
    const token = await issueToken({ sub: 'operator:alice', scopes: ['ops:admin'], secret: 'x'.repeat(32) });
    await expect(verifyToken(token, secret)).rejects.toThrow('token signature or claims invalid');
  });

  it('an expired token is refused as expired', async () => {
    const token = await issueToken({ sub: 'operator:alice', scopes: [], ttl: -10, secret });
    await expect(verifyToken(token, secret)).rejects.toThrow('token expired');
  });

  it('an unsigned token (alg none) and garbage are refused', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'mallory', scope: 'ops:admin', iss: 'omnibus' })).toString('base64url');
    await expect(verifyToken(`${header}.${body}.`, secret)).rejects.toThrow('token signature or claims invalid');
    await expect(verifyToken('not-a-token', secret)).rejects.toThrow('token signature or claims invalid');
  });

  it('a token without a subject is refused', async () => {
    const token = await new SignJWT({ scope: 'ops:admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('omnibus')
      .sign(new TextEncoder().encode(secret));
    await expect(verifyToken(token, secret)).rejects.toThrow('token has no subject');
  });

  it('a token verified once is still refused under another secret, and once it has expired', async () => {
    const token = await issueToken({ sub: 'channel:pos', scopes: ['orders:write'], ttl: 2, secret });
    await expect(verifyToken(token, secret)).resolves.toEqual({ sub: 'channel:pos', scopes: ['orders:write'] });
    // The second answer comes from the cache of verified tokens: the same principal.
    await expect(verifyToken(token, secret)).resolves.toEqual({ sub: 'channel:pos', scopes: ['orders:write'] });
    await expect(verifyToken(token, 'y'.repeat(32))).rejects.toThrow('token signature or claims invalid');
    // Three seconds later (the system clock of Date, which jose reads too): past the token's exp.
    jest.useFakeTimers({ now: Date.now() + 3_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'setInterval'] });
    try {
      await expect(verifyToken(token, secret)).rejects.toThrow('token expired');
    } finally {
      jest.useRealTimers();
    }
  });
});
