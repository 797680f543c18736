import { createHash, timingSafeEqual } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, ROOT_LOGGER } from '@omnibus/service-kit';
import type { Logger } from '@omnibus/observability';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { SCHEMA_REGISTRY_V1_JSON } from './media-type';

/**
 * Optional HTTP Basic auth, the one scheme Confluent clients speak (`auth: { username, password }`
 * in @kafkajs/confluent-schema-registry, `basic.auth.user.info` in Java). On when
 * SCHEMA_REGISTRY_USERS is set, e.g. `reader:<pw>:read,ci:<pw>:write`:
 * - `read` users may GET, and POST a lookup (`/subjects/{s}`) or a compatibility check
 *   (`/compatibility/…`): both only read, and producers and CI need them without write rights;
 * - `write` users may also register, change config/mode and delete (POST/PUT/DELETE);
 * - `/health/*` and `/metrics` stay open (probes and Prometheus carry no credentials).
 * Otherwise 401 (no or wrong credentials) or 403 (a reader writing), in Confluent's error shape.
 */
export type RegistryRole = 'read' | 'write';

interface RegistryUser {
  name: string;
  role: RegistryRole;
  /** SHA-256 of the password: compared in constant time, and the password is not kept. */
  digest: Buffer;
}

/** Kept as a plain string so a malformed value is reported without echoing the passwords in it. */
export const registryAuthSettings = {
  SCHEMA_REGISTRY_USERS: z.string().optional(),
};

const MIN_PASSWORD = 8;
const OPEN_PATHS = /^\/(health\/(live|ready)|metrics)\/?$/;
const READ_ONLY_POSTS = [/^\/subjects\/[^/]+\/?$/, /^\/compatibility\//];

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** `name:password:role[,…]`; the password may contain `:` (name is up to the first, role after the last). */
export function parseRegistryUsers(spec: string): RegistryUser[] {
  const users = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const first = entry.indexOf(':');
      const last = entry.lastIndexOf(':');
      const problem = `SCHEMA_REGISTRY_USERS entry ${index + 1} must be <name>:<password>:<read|write>`;
      if (first <= 0 || last === first) throw new Error(problem);
      const [name, password, role] = [entry.slice(0, first), entry.slice(first + 1, last), entry.slice(last + 1)];
      if (role !== 'read' && role !== 'write') throw new Error(`${problem} (role of ${name} is "${role}")`);
      if (password.length < MIN_PASSWORD) throw new Error(`SCHEMA_REGISTRY_USERS: the password of ${name} is shorter than ${MIN_PASSWORD} characters`);
      return { name, role, digest: digest(password) } as RegistryUser;
    });
  if (users.length === 0) throw new Error('SCHEMA_REGISTRY_USERS is set but names no user (<name>:<password>:<read|write>,…)');
  const names = users.map((u) => u.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new Error(`SCHEMA_REGISTRY_USERS names ${twice} twice`);
  return users;
}

/** The role a request needs, or undefined for the open paths. */
export function requiredRole(method: string, path: string): RegistryRole | undefined {
  if (OPEN_PATHS.test(path)) return undefined;
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'read';
  if (method === 'POST' && READ_ONLY_POSTS.some((pattern) => pattern.test(path))) return 'read';
  return 'write';
}

function credentials(header: string | undefined): { name: string; password: string } | undefined {
  const [scheme, encoded] = (header ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function registryBasicAuth(users: RegistryUser[], logger?: Logger): RequestHandler {
  const byName = new Map(users.map((user) => [user.name, user]));
  const refuse = (response: Response, status: 401 | 403, errorCode: number, message: string) => {
    if (status === 401) response.setHeader('WWW-Authenticate', 'Basic realm="schema-registry", charset="UTF-8"');
    response.status(status).type(SCHEMA_REGISTRY_V1_JSON).send(JSON.stringify({ error_code: errorCode, message }));
  };
  return (request: Request, response: Response, next: NextFunction) => {
    const needed = requiredRole(request.method, request.path);
    if (!needed) return next();
    const given = credentials(request.headers.authorization);
    const user = given && byName.get(given.name);
    // The digest is compared even for an unknown name, so timing does not tell which names exist.
    const matches = timingSafeEqual(digest(given?.password ?? ''), user?.digest ?? digest('\u0000no user'));
    if (!user || !matches) {
      logger?.warn({ user: given?.name, method: request.method, url: request.originalUrl }, 'schema registry: authentication refused');
      return refuse(response, 401, 401, 'Unauthorized');
    }
    (request as Request & { principal?: { sub: string; scopes: string[] } }).principal = { sub: user.name, scopes: [`registry:${user.role}`] };
    if (needed === 'write' && user.role !== 'write') {
      logger?.warn({ user: user.name, method: request.method, url: request.originalUrl }, 'schema registry: write refused to a read-only user');
      return refuse(response, 403, 40301, `User ${user.name} is denied operation ${request.method} on ${request.path} (read-only)`);
    }
    next();
  };
}

/** Turns Basic auth on when SCHEMA_REGISTRY_USERS is set; call it before the body parser. */
export function useRegistryAuth(app: NestExpressApplication, config: { SCHEMA_REGISTRY_USERS?: string }): void {
  if (!config.SCHEMA_REGISTRY_USERS) return;
  let users: RegistryUser[];
  try {
    users = parseRegistryUsers(config.SCHEMA_REGISTRY_USERS);
  } catch (error) {
    throw new ConfigError('schema-registry', [(error as Error).message]);
  }
  const logger = app.get<Logger>(ROOT_LOGGER);
  app.use(registryBasicAuth(users, logger));
  logger.info({ users: users.map(({ name, role }) => `${name} (${role})`) }, 'schema registry: HTTP Basic auth on');
}
