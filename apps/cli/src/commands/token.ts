import { Command } from 'commander';
import { DEV_AUTH_SECRET, issueToken } from '@omnibus/service-kit';
import { fail } from '../output';

/** `operator:alice`, `channel:web-eu`, `ci`: printable, no spaces (it becomes the JWT subject and the audit name). */
const SUBJECT = /^[\w.@:-]{1,128}$/;
/** `orders:write`, `odoo:sync` — the form @RequireScopes uses. */
const SCOPE = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;
/** Seconds, or a count and a unit. */
const TTL = /^(\d+)\s*([smhdw]?)$/;
const SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
const MAX_TTL_SECONDS = 90 * 86_400;

export function command(): Command {
  return new Command('token')
    .description('print an API token (JWT) for an operator, a channel or a job, signed with OMNIBUS_AUTH_SECRET')
    .requiredOption('--sub <who>', 'who the token is for, e.g. operator:alice, channel:web-eu')
    .option('--scope <scope>', 'a scope it grants, e.g. odoo:sync (repeat for several)', (scope: string, all: string[]) => [...all, scope], [])
    .option('--ttl <duration>', 'lifetime: seconds, or 15m, 8h, 30d (at most 90d)', '8h')
    .option('--channel <id>', "binds a channel's token to its sales channel, e.g. web-us: it may then act only on that channel's orders")
    .addHelpText('after', '\nScopes in use: libs/service-kit/README.md ("Scopes"). Prints the token alone on stdout: TOKEN=$(npx omnibus token …)')
    .action(async (options: { sub: string; scope: string[]; ttl: string; channel?: string }) => {
      try {
        const ttl = ttlSeconds(options.ttl);
        if (!SUBJECT.test(options.sub)) throw new Error(`--sub must be 1-128 characters without spaces, e.g. operator:alice (got "${options.sub}")`);
        if (options.scope.length === 0) throw new Error('give at least one --scope, e.g. --scope odoo:sync');
        const bad = options.scope.find((scope) => !SCOPE.test(scope));
        if (bad) throw new Error(`--scope must look like <area>:<right>, e.g. odoo:sync (got "${bad}")`);
        const secret = authSecret(process.env);
        if (options.channel !== undefined && !/^[\w.-]{1,64}$/.test(options.channel)) throw new Error(`--channel must be a channel id such as web-us (got "${options.channel}")`);
        const token = await issueToken({ sub: options.sub, scopes: [...new Set(options.scope)], ttl, secret, channel: options.channel });
        const expires = new Date(Date.now() + ttl * 1000).toISOString();
        process.stderr.write(`token for ${options.sub} (${[...new Set(options.scope)].join(' ')})${options.channel ? `, bound to channel ${options.channel}` : ''}, expires ${expires}\n`);
        process.stdout.write(`${token}\n`);
      } catch (error) {
        fail(error);
      }
    });
}

export function ttlSeconds(value: string): number {
  const match = TTL.exec(value.trim());
  if (!match) throw new Error(`--ttl must be seconds or a duration such as 15m, 8h, 30d (got "${value}")`);
  const seconds = Number(match[1]) * SECONDS[match[2] as keyof typeof SECONDS];
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) throw new Error(`--ttl must be between 1s and 90d (got "${value}")`);
  return seconds;
}

/** The services' own rule: the development secret only outside production, and never a short one. */
function authSecret(env: NodeJS.ProcessEnv): string {
  const secret = env.OMNIBUS_AUTH_SECRET;
  if (!secret) {
    if (env.NODE_ENV === 'production') throw new Error('OMNIBUS_AUTH_SECRET is required when NODE_ENV=production');
    process.stderr.write('omnibus: OMNIBUS_AUTH_SECRET is not set: signing with the development secret (services in production refuse it)\n');
    return DEV_AUTH_SECRET;
  }
  if (secret.length < 32) throw new Error('OMNIBUS_AUTH_SECRET must be at least 32 characters (as the services require)');
  return secret;
}
