import { z } from 'zod';

/** Client settings, validated up front so a bad configuration fails at start-up, not on the first order. */
export const odooClientOptionsSchema = z
  .object({
    /** Base URL of the Odoo server, e.g. http://127.0.0.1:8069. */
    url: z.string().url(),
    database: z.string().min(1),
    login: z.string().min(1),
    password: z.string().min(1).optional(),
    /** API key of the integration user; required for JSON-2, preferred everywhere (works with 2FA). */
    apiKey: z.string().min(1).optional(),
    /** `auto`: JSON-2 on 19+ when an API key is set, JSON-RPC otherwise. */
    protocol: z.enum(['auto', 'jsonrpc', 'xmlrpc', 'json2']).default('auto'),
    /** Known server major version; skips detection when set. */
    version: z.number().int().min(16).optional(),
    timeoutMs: z.number().int().positive().default(30_000),
    keepAliveTimeoutMs: z.number().int().positive().default(30_000),
    /** Calls in flight at once (Odoo workers are few; §6.2 suggests 2–4 per database). */
    maxConcurrent: z.number().int().positive().default(4),
    /** Optional cap on calls per second (rate limit), e.g. a hosting plan's limit. */
    maxCallsPerSecond: z.number().positive().optional(),
    retry: z
      .object({
        maxAttempts: z.number().int().min(0).default(4),
        initialDelayMs: z.number().int().positive().default(100),
        maxDelayMs: z.number().int().positive().default(5_000),
      })
      .default({}),
    circuit: z
      .object({
        /** Consecutive outage-type failures (unreachable, unknown outcome) that open the circuit. */
        consecutiveFailures: z.number().int().positive().default(5),
        /** After this long an open circuit lets one trial call through. */
        halfOpenAfterMs: z.number().int().positive().default(10_000),
      })
      .default({}),
    /** Context sent with every call; Odoo runs RPC calls with an empty context otherwise (§1.3). */
    context: z.record(z.unknown()).default({ lang: 'en_US', tz: 'UTC' }),
    userAgent: z.string().default('omnibus-odoo-client'),
  })
  .refine((options) => options.password !== undefined || options.apiKey !== undefined, {
    message: 'Odoo needs a password or an API key',
    path: ['apiKey'],
  })
  .refine((options) => options.protocol !== 'json2' || options.apiKey !== undefined, {
    message: 'JSON-2 authenticates with an API key only',
    path: ['apiKey'],
  });

export type OdooClientOptionsInput = z.input<typeof odooClientOptionsSchema>;
export type OdooClientOptions = z.output<typeof odooClientOptionsSchema>;
