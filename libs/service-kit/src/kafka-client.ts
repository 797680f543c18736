import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { defaultKafkaBrokers } from './operator-contract';
import { setting } from './settings';

/**
 * How every Omnibus process reaches Kafka: brokers plus, when the cluster wants them, SASL
 * credentials and TLS, all from the environment. Services (KAFKA_CLIENT, readiness), infra, the
 * CLI and the messaging tools build their kafkajs client through `kafkaClientConfig`, so one
 * setting switches them all to an authenticated identity (see infra/README.md, "Secure mode").
 */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** The variables read; values may already be parsed (a service's validated config) or raw strings (process.env). */
export interface KafkaClientEnvironment {
  KAFKA_BROKERS?: string | string[];
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_SASL_MECHANISM?: string;
  KAFKA_SSL?: string | boolean;
}

// An empty value means "not set" here: SASL is optional, unlike the kit's other settings.
const optionalText = (description: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .describe(description);

/** The Kafka security settings of serviceConfigSchema. */
export const kafkaSecuritySettings = {
  KAFKA_SASL_USERNAME: optionalText('SASL identity of this process, e.g. its service name (unset: no SASL)'),
  KAFKA_SASL_PASSWORD: optionalText('password of KAFKA_SASL_USERNAME'),
  KAFKA_SASL_MECHANISM: setting.oneOf(KAFKA_SASL_MECHANISMS, { default: 'scram-sha-512' }),
  KAFKA_SSL: setting.boolean({ description: 'TLS to the brokers (true/false); use it beyond loopback', default: false }),
};

/** What is wrong with the SASL settings, or undefined: a name without a password (or the reverse) is a mistake. */
export function kafkaSaslProblem(env: KafkaClientEnvironment): string | undefined {
  const username = env.KAFKA_SASL_USERNAME || undefined;
  const password = env.KAFKA_SASL_PASSWORD || undefined;
  if (username && !password) return 'KAFKA_SASL_PASSWORD is required when KAFKA_SASL_USERNAME is set';
  if (password && !username) return 'KAFKA_SASL_USERNAME is required when KAFKA_SASL_PASSWORD is set';
  const mechanism = env.KAFKA_SASL_MECHANISM || undefined;
  if (mechanism && !(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism.toLowerCase())) {
    return `KAFKA_SASL_MECHANISM is invalid (one of ${KAFKA_SASL_MECHANISMS.join(', ')}), got "${mechanism}"`;
  }
  return undefined;
}

/** kafkajs SASL options from KAFKA_SASL_*, or undefined when no identity is configured. Throws on a half-set identity. */
export function kafkaSasl(env: KafkaClientEnvironment = process.env): SASLOptions | undefined {
  const problem = kafkaSaslProblem(env);
  if (problem) throw new Error(problem);
  if (!env.KAFKA_SASL_USERNAME) return undefined;
  const mechanism = (env.KAFKA_SASL_MECHANISM || 'scram-sha-512').toLowerCase() as KafkaSaslMechanism;
  return { mechanism, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD! } as SASLOptions;
}

export function kafkaBrokers(env: KafkaClientEnvironment & { KAFKA_PORT?: string } = process.env): string[] {
  const value = env.KAFKA_BROKERS || (env.KAFKA_PORT ? `127.0.0.1:${env.KAFKA_PORT}` : defaultKafkaBrokers);
  return (Array.isArray(value) ? value : value.split(',')).map((broker) => broker.trim()).filter(Boolean);
}

/**
 * A kafkajs config from the environment plus the caller's own options (clientId, logging, retry…):
 * `new Kafka(kafkaClientConfig(process.env, { clientId: 'omnibus-cli' }))`.
 * `options.brokers` wins over KAFKA_BROKERS; the identity and TLS always come from `env`.
 */
export function kafkaClientConfig(
  env: KafkaClientEnvironment = process.env,
  options: Omit<KafkaConfig, 'brokers'> & { brokers?: string[] } = {},
): KafkaConfig {
  const sasl = kafkaSasl(env);
  const ssl = env.KAFKA_SSL === true || env.KAFKA_SSL === 'true' || env.KAFKA_SSL === '1';
  return {
    ...options,
    brokers: options.brokers ?? kafkaBrokers(env),
    ...(sasl ? { sasl } : {}),
    ...(ssl ? { ssl: true } : {}),
  };
}
