import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { DEV_AUTH_SECRET } from '../config';

/** Who is calling and what they may do, from a verified token. */
export interface Principal {
  sub: string;
  scopes: string[];
  /** The sales channel a channel's token is bound to (its `channel` claim); absent: not bound to one. */
  channel?: string;
}

export interface IssueTokenOptions {
  /** Who the token is for, e.g. `channel:web-eu` or `operator:alice`. */
  sub: string;
  /** e.g. `orders:write`, `ops:admin`. */
  scopes: string[];
  /** Lifetime: seconds, or a duration such as `15m`, `8h`, `30d`. Default `1h`. */
  ttl?: number | string;
  /** Default: OMNIBUS_AUTH_SECRET from the environment, else the development secret. */
  secret?: string;
  /** Binds a channel's token to its sales channel (e.g. `web-us`): it may then act only on that channel's orders. */
  channel?: string;
}

const ISSUER = 'omnibus';
const ALGORITHM = 'HS256';

function key(secret: string | undefined): Uint8Array {
  return new TextEncoder().encode(secret ?? process.env.OMNIBUS_AUTH_SECRET ?? DEV_AUTH_SECRET);
}

/**
 * Signs an API token (JWT, HS256) with `sub` and a space-separated `scope` claim (RFC 8693 style).
 * The CLI's `omnibus token` prints one for an operator or a channel.
 */
export async function issueToken({ sub, scopes, ttl = '1h', secret, channel }: IssueTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = typeof ttl === 'number' ? now + ttl : ttl;
  return new SignJWT({ scope: scopes.join(' '), ...(channel ? { channel } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .sign(key(secret));
}

/** Why a token was refused, in words fit for a 401 body. */
export class InvalidTokenError extends Error {
  name = 'InvalidTokenError';
}

/**
 * Tokens verified before, until they expire. HS256 verification is deterministic: the same token
 * string under the same secret always gives the same answer, so a channel that sends one token with
 * every request pays for the signature check once per token, not per request. Only successes are
 * kept (a refused token is checked again each time); the entry is keyed by secret and token, and an
 * entry past the token's `exp` is dropped and checked again, which refuses it as expired.
 */
const verified = new LRUCache<string, { principal: Principal; expiresAtMs: number }>({ max: 10_000 });

/** Verifies signature, algorithm, issuer and expiry; returns the principal or throws InvalidTokenError. */
export async function verifyToken(token: string, secret?: string): Promise<Principal> {
  const secretText = secret ?? process.env.OMNIBUS_AUTH_SECRET ?? DEV_AUTH_SECRET;
  const cacheKey = `${secretText}\u0000${token}`;
  const hit = verified.get(cacheKey);
  if (hit && Date.now() < hit.expiresAtMs) return hit.principal;
  if (hit) verified.delete(cacheKey);
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: [ALGORITHM], issuer: ISSUER });
    if (!payload.sub) throw new InvalidTokenError('token has no subject');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    // Frozen: one cached principal is handed to every request that shows the token.
    const principal: Principal = Object.freeze({
      sub: payload.sub,
      scopes: Object.freeze(scope.split(' ').filter(Boolean)) as string[],
      ...(typeof payload.channel === 'string' && payload.channel ? { channel: payload.channel } : {}),
    });
    // A token without exp never expires (issueToken always sets one): not cached, so it is checked each time.
    if (typeof payload.exp === 'number') verified.set(cacheKey, { principal, expiresAtMs: payload.exp * 1000 });
    return principal;
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new InvalidTokenError('token expired');
    if (error instanceof errors.JOSEError) throw new InvalidTokenError('token signature or claims invalid');
    throw error;
  }
}
