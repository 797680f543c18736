import { z } from 'zod';

/**
 * Builders for environment settings. Each carries a description that the start-up error names,
 * so `PORT=abc` stops a service with "PORT is invalid (integer 0-65535), got "abc"".
 * An empty value counts as missing: a deployment that sets `KAFKA_BROKERS=` meant something.
 */
export const REQUIRED = 'is required';

function present() {
  return z.string({ required_error: REQUIRED }).min(1, REQUIRED);
}

function withDefault<S extends z.ZodTypeAny>(schema: S, fallback: string | undefined, description: string) {
  return (fallback === undefined ? schema : schema.default(fallback)).describe(description) as S;
}

export const setting = {
  text({ description, default: fallback, minLength = 1 }: { description: string; default?: string; minLength?: number }) {
    return withDefault(present().min(minLength, `shorter than ${minLength} characters`), fallback, description);
  },

  integer({ description, default: fallback, min = 0, max = Number.MAX_SAFE_INTEGER }: { description: string; default?: number; min?: number; max?: number }) {
    const schema = present()
      .regex(/^-?\d+$/, 'not an integer')
      .transform(Number)
      .refine((n) => n >= min && n <= max, `outside ${min}-${max}`);
    return withDefault(schema, fallback === undefined ? undefined : String(fallback), description);
  },

  url({ description, default: fallback, protocols }: { description: string; default?: string; protocols: string[] }) {
    const schema = present().refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `not a ${protocols.join(' or ')} URL`);
    return withDefault(schema, fallback, description);
  },

  oneOf<const T extends readonly [string, ...string[]]>(values: T, { default: fallback }: { default?: T[number] } = {}) {
    return withDefault(z.enum(values, { required_error: REQUIRED }), fallback, `one of ${values.join(', ')}`);
  },

  /** `host:port[,host:port…]` parsed to a list, as kafkajs wants its brokers. */
  hostPortList({ description, default: fallback }: { description: string; default?: string }) {
    const schema = present()
      .refine((value) => value.split(',').every((entry) => /^[^\s:,]+:\d{1,5}$/.test(entry.trim())), 'not a host:port list')
      .transform((value) => value.split(',').map((entry) => entry.trim()));
    return withDefault(schema, fallback, description);
  },

  boolean({ description, default: fallback }: { description: string; default?: boolean }) {
    const schema = present()
      .refine((value) => ['true', 'false', '1', '0'].includes(value), 'not true/false')
      .transform((value) => value === 'true' || value === '1');
    return withDefault(schema, fallback === undefined ? undefined : String(fallback), description);
  },

  /**
   * TOPIC_OVERRIDES: a JSON map from catalogue topic to the topic actually used, so tests and staging
   * can run a service on topics of their own. Read it with `topicFor`.
   */
  topicOverrides() {
    const schema = z
      .string()
      .transform((text, context) => {
        try {
          const parsed = JSON.parse(text) as unknown;
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((value) => typeof value === 'string')) {
            return parsed as Record<string, string>;
          }
        } catch {
          // reported below
        }
        context.addIssue({ code: 'custom', message: 'not a JSON object of topic names' });
        return z.NEVER;
      });
    return withDefault(schema, '{}', 'JSON map from catalogue topic to the topic actually used, e.g. {"odoo.results":"odoo.results.test1"}');
  },
};

/** The topic to use for a catalogue topic: itself, unless TOPIC_OVERRIDES renames it (tests, staging). */
export function topicFor(config: { TOPIC_OVERRIDES: Record<string, string> }, topic: string): string {
  return config.TOPIC_OVERRIDES[topic] ?? topic;
}
