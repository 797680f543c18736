import fs from 'node:fs';
import path from 'node:path';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { kafkaBrokers, kafkaClientConfig } from '@omnibus/service-kit/kafka';
import { AclPlan, applyAcls, catalogueAcls } from './acls';
import { cataloguePath, loadCatalogue } from './catalogue';
import { isLocalHost } from './net';
import { omnibusHome } from './paths';

/**
 * The local broker's security as infra/kafka/kafka.sh set it up (KAFKA_SECURITY=scram): the mode
 * its storage was formatted with, and the generated SCRAM identities in
 * `.omnibus/kafka/credentials.json` — `broker` (the broker itself, the only super user),
 * `admin` (topic set-up) and one per service. Platform tools act as one of these identities.
 */
export type KafkaSecurity = 'plaintext' | 'scram';

export interface KafkaCredentials {
  mechanism: string;
  users: Record<string, string>;
}

export const kafkaCredentialsPath = (home: string) => path.join(home, 'kafka', 'credentials.json');

/** What kafka.sh formatted the local broker with; plaintext when it left no record. */
export function localKafkaSecurity(home: string): KafkaSecurity {
  try {
    return fs.readFileSync(path.join(home, 'kafka', 'security'), 'utf8').trim() === 'scram' ? 'scram' : 'plaintext';
  } catch {
    return 'plaintext';
  }
}

export function readKafkaCredentials(home: string): KafkaCredentials | undefined {
  try {
    return JSON.parse(fs.readFileSync(kafkaCredentialsPath(home), 'utf8')) as KafkaCredentials;
  } catch {
    return undefined;
  }
}

/** KAFKA_SASL_* for one identity of the local broker; {} when it runs without SASL. */
export function localKafkaIdentity(home: string, identity: string): Record<string, string> {
  if (localKafkaSecurity(home) !== 'scram') return {};
  const password = readKafkaCredentials(home)?.users[identity];
  if (!password) throw new Error(`the local Kafka broker has no identity "${identity}" (see ${kafkaCredentialsPath(home)})`);
  return { KAFKA_SASL_USERNAME: identity, KAFKA_SASL_PASSWORD: password, KAFKA_SASL_MECHANISM: 'scram-sha-512' };
}

/** True when `brokers` is the single loopback broker kafka.sh runs (the one whose credentials we hold). */
export function isLocalKafka(brokers: string[]): boolean {
  return brokers.length === 1 && isLocalHost(brokers[0].split(':')[0]);
}

/**
 * The environment of a platform tool acting as `identity`: the caller's own KAFKA_SASL_* win
 * (an operator chose an identity); otherwise, against the local secure broker, that identity's
 * generated credentials; otherwise no SASL.
 */
export function withKafkaIdentity(env: NodeJS.ProcessEnv, identity: string, brokers = kafkaBrokers(env)): NodeJS.ProcessEnv {
  if (env.KAFKA_SASL_USERNAME || !isLocalKafka(brokers)) return env;
  return { ...env, ...localKafkaIdentity(omnibusHome(env), identity) };
}

/** `new Kafka(platformKafkaConfig('admin', { clientId: 'omnibus-cli' }))`: a kafkajs config for a platform tool. */
export function platformKafkaConfig(
  identity: string,
  options: Omit<KafkaConfig, 'brokers'> & { brokers?: string[] } = {},
  env: NodeJS.ProcessEnv = process.env,
): KafkaConfig {
  return kafkaClientConfig(withKafkaIdentity(env, identity, options.brokers ?? kafkaBrokers(env)), options);
}

/**
 * What an app started by `up` gets against the local secure broker: its own identity, or none
 * (blank values) for an app without one, so an operator's exported identity never leaks into apps.
 * Against a plaintext or remote broker: nothing (the apps read their own KAFKA_SASL_* settings).
 */
export function appKafkaIdentity(home: string, brokers: string[], app: string): Record<string, string> {
  if (!isLocalKafka(brokers) || localKafkaSecurity(home) !== 'scram') return {};
  if (readKafkaCredentials(home)?.users[app]) return localKafkaIdentity(home, app);
  return { KAFKA_SASL_USERNAME: '', KAFKA_SASL_PASSWORD: '' };
}

/** Applies the catalogue's ACLs (acls.ts) with the identity in `env`; see applyAcls. */
export async function applyCatalogueAcls(
  brokers: string[],
  env: NodeJS.ProcessEnv = process.env,
  options: { prune?: boolean } = {},
): Promise<AclPlan> {
  const wanted = catalogueAcls(loadCatalogue(cataloguePath(env)));
  const admin = new Kafka(kafkaClientConfig(env, { clientId: 'omnibus-cli', brokers, logLevel: logLevel.NOTHING })).admin();
  await admin.connect();
  try {
    return await applyAcls(admin, wanted, options);
  } finally {
    await admin.disconnect();
  }
}

/**
 * `up` against the local secure broker: the broker identity applies the catalogue's ACLs, and the
 * environment returned makes the topic set-up run as `admin`. Elsewhere it returns `env` unchanged.
 */
export async function secureLocalKafka(
  brokers: string[],
  env: NodeJS.ProcessEnv,
  home: string,
  progress: (step: string, message: string) => void,
): Promise<NodeJS.ProcessEnv> {
  if (!isLocalKafka(brokers)) return env;
  const security = localKafkaSecurity(home);
  // A broker that was already running is used as it is: never let a plaintext one pass for secure.
  if (env.KAFKA_SECURITY && env.KAFKA_SECURITY !== security) {
    throw new Error(
      `KAFKA_SECURITY=${env.KAFKA_SECURITY}, but the local broker at ${brokers[0]} runs ${security} (fixed when its storage in ${path.join(home, 'kafka', 'data')} was formatted); stop it and remove that folder, or use another OMNIBUS_HOME and KAFKA_PORT`,
    );
  }
  if (security !== 'scram') return env;
  const plan = await applyCatalogueAcls(brokers, { ...env, ...localKafkaIdentity(home, 'broker') });
  progress('acls', `${plan.missing.length + plan.present.length} from the catalogue: ${plan.missing.length} created`);
  return { ...env, ...localKafkaIdentity(home, 'admin') };
}
