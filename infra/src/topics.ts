import { Admin, ConfigResourceTypes, ConfigSource, ITopicMetadata } from 'kafkajs';
import { Catalogue, TopicSettings } from './catalogue';
import { waitUntil } from './processes';

/** A topic as the broker should have it. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Broker config names → values, as strings (the Kafka wire format). */
  configs: Record<string, string>;
}

export interface TopicSpecOptions {
  /** KAFKA_REPLICATION_FACTOR; 1 for the single local broker, 3 in production. */
  replicationFactor?: number;
  /** KAFKA_MIN_INSYNC_REPLICAS overrides the catalogue (production: 2 with replication factor 3). */
  minInsyncReplicas?: number;
}

/** The settings the catalogue can leave out. */
const BUILT_IN: Required<TopicSettings> = {
  partitions: 1,
  retentionMs: 604_800_000,
  cleanupPolicy: 'delete',
  minInsyncReplicas: 1,
  timestampBeforeMaxMs: 0, // 0: the broker's default (no fence)
};

/** The broker configs the catalogue manages; others on a topic are left as they are. */
export const MANAGED_CONFIGS = ['retention.ms', 'cleanup.policy', 'min.insync.replicas', 'message.timestamp.before.max.ms'] as const;

export function topicSpecOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TopicSpecOptions {
  const number = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a positive integer, got "${value}"`);
    return parsed;
  };
  return { replicationFactor: number('KAFKA_REPLICATION_FACTOR'), minInsyncReplicas: number('KAFKA_MIN_INSYNC_REPLICAS') };
}

/** Delay tiers of the messaging runtime's default schedule (10 s, 2 min, 15 min) when the catalogue names none. */
export const DEFAULT_RETRY_TIERS = 3;

/**
 * A service's retry topics, as @omnibus/messaging names them: `<service>.retry` (operator re-drives,
 * due at once) and `<service>.retry-1` … `-<tiers>` (one delay topic per retry tier, so a long delay
 * never holds back a short one). Written out here because infra does not depend on the runtime.
 */
export function retryTopicNames(service: string, tiers: number): string[] {
  return [`${service}.retry`, ...Array.from({ length: tiers }, (_, index) => `${service}.retry-${index + 1}`)];
}

export function retryTiersOf(catalogue: Pick<Catalogue, 'serviceTopics'>): number {
  const tiers = (catalogue.serviceTopics?.retry as { tiers?: number } | undefined)?.tiers;
  return tiers ?? DEFAULT_RETRY_TIERS;
}

/** Catalogue → the topics the broker should have: the aggregate streams, then each service's retry and dead-letter topics. */
export function topicSpecs(catalogue: Catalogue, options: TopicSpecOptions = {}): TopicSpec[] {
  const replicationFactor = options.replicationFactor ?? 1;
  const spec = (name: string, ...layers: TopicSettings[]): TopicSpec => {
    const settings = Object.assign({}, BUILT_IN, ...layers.map(definedOnly)) as Required<TopicSettings>;
    const minInsyncReplicas = options.minInsyncReplicas ?? settings.minInsyncReplicas;
    if (minInsyncReplicas > replicationFactor) {
      throw new Error(
        `topic ${name}: min.insync.replicas ${minInsyncReplicas} exceeds the replication factor ${replicationFactor} (producers with acks=all could never write)`,
      );
    }
    return {
      name,
      partitions: settings.partitions,
      replicationFactor,
      configs: {
        'retention.ms': String(settings.retentionMs),
        'cleanup.policy': settings.cleanupPolicy,
        'min.insync.replicas': String(minInsyncReplicas),
        ...(settings.timestampBeforeMaxMs ? { 'message.timestamp.before.max.ms': String(settings.timestampBeforeMaxMs) } : {}),
      },
    };
  };

  const specs = catalogue.topics.map((entry) => spec((entry.topic ?? entry.name)!, catalogue.defaults, entry));
  const perService = catalogue.serviceTopics;
  for (const service of perService?.services ?? []) {
    // Retry and dead-letter records keep their original timestamp, so the relay's timestamp fence must not apply.
    const serviceDefaults = { ...catalogue.defaults, timestampBeforeMaxMs: undefined };
    for (const name of retryTopicNames(service, retryTiersOf(catalogue))) specs.push(spec(name, serviceDefaults, perService!.retry));
    specs.push(spec(`${service}.dlq`, serviceDefaults, perService!.deadLetter));
  }
  const seen = new Set<string>();
  for (const { name } of specs) {
    if (seen.has(name)) throw new Error(`topic ${name} is declared twice in the catalogue`);
    seen.add(name);
  }
  return specs;
}

function definedOnly(settings: TopicSettings): TopicSettings {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(BUILT_IN) as Array<keyof TopicSettings>) {
    if (settings[key] !== undefined) picked[key] = settings[key];
  }
  return picked as TopicSettings;
}

/** What the broker has for a topic. */
export interface BrokerTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Current values of the managed configs. */
  configs: Record<string, string>;
}

export interface ConfigChange {
  name: string;
  from: string | undefined;
  to: string;
}

export type TopicStatus = 'missing' | 'ok' | 'drift';

/** What applying the catalogue does to one topic. Topics are never deleted or shrunk. */
export interface TopicPlan {
  spec: TopicSpec;
  status: TopicStatus;
  create: boolean;
  /** Raise the partition count to spec.partitions (Kafka can only add partitions). */
  addPartitions?: { from: number; to: number };
  configChanges: ConfigChange[];
  /** Drift we report but cannot repair here. */
  warnings: string[];
}

export function planTopics(specs: TopicSpec[], broker: ReadonlyMap<string, BrokerTopic>): TopicPlan[] {
  return specs.map((spec) => {
    const current = broker.get(spec.name);
    if (!current) return { spec, status: 'missing', create: true, configChanges: [], warnings: [] };
    const plan: TopicPlan = { spec, status: 'ok', create: false, configChanges: [], warnings: [] };
    if (current.partitions < spec.partitions) {
      plan.addPartitions = { from: current.partitions, to: spec.partitions };
    } else if (current.partitions > spec.partitions) {
      plan.warnings.push(
        `has ${current.partitions} partitions, the catalogue says ${spec.partitions} (Kafka cannot remove partitions; update the catalogue)`,
      );
    }
    if (current.replicationFactor !== spec.replicationFactor) {
      plan.warnings.push(
        `replication factor is ${current.replicationFactor}, wanted ${spec.replicationFactor} (change it with a partition reassignment)`,
      );
    }
    for (const [name, to] of Object.entries(spec.configs)) {
      if (current.configs[name] !== to) plan.configChanges.push({ name, from: current.configs[name], to });
    }
    if (plan.addPartitions || plan.configChanges.length || plan.warnings.length) plan.status = 'drift';
    return plan;
  });
}

/** Reads the broker's view of the given topics (absent topics are left out). */
export async function describeBrokerTopics(admin: Admin, names: string[]): Promise<Map<string, BrokerTopic>> {
  const existing = new Set(await admin.listTopics());
  const present = names.filter((name) => existing.has(name));
  const result = new Map<string, BrokerTopic>();
  if (present.length === 0) return result;
  const [metadata, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: present }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [...MANAGED_CONFIGS] })),
    }),
  ]);
  for (const topic of metadata.topics) {
    result.set(topic.name, {
      name: topic.name,
      partitions: topic.partitions.length,
      replicationFactor: Math.max(0, ...topic.partitions.map((p) => p.replicas.length)),
      configs: {},
    });
  }
  for (const resource of configs.resources) {
    const topic = result.get(resource.resourceName);
    if (!topic) continue;
    for (const entry of resource.configEntries) {
      // The fence is optional: reported only where a topic sets it, not the broker's default (none).
      if (entry.configName === 'message.timestamp.before.max.ms' && entry.configSource !== ConfigSource.TOPIC_CONFIG) continue;
      topic.configs[entry.configName] = entry.configValue;
    }
  }
  return result;
}

/**
 * Makes the broker match the catalogue: creates missing topics, adds partitions, corrects managed
 * configs. Never deletes a topic or a partition. Returns the plan it carried out.
 */
export async function applyTopics(admin: Admin, specs: TopicSpec[]): Promise<TopicPlan[]> {
  const plans = planTopics(specs, await describeBrokerTopics(admin, specs.map((s) => s.name)));

  const toCreate = plans.filter((p) => p.create).map((p) => p.spec);
  if (toCreate.length) {
    await admin.createTopics({
      waitForLeaders: false, // see waitForLeaders below
      topics: toCreate.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitForLeaders(admin, toCreate);
  }

  const toGrow = plans.filter((p) => p.addPartitions);
  if (toGrow.length) {
    await admin.createPartitions({
      topicPartitions: toGrow.map((p) => ({ topic: p.spec.name, count: p.addPartitions!.to })),
    });
  }

  const toAlter = plans.filter((p) => p.configChanges.length);
  if (toAlter.length) {
    // AlterConfigs (the only form KafkaJS speaks) replaces a topic's whole set of overrides,
    // so overrides we do not manage are read first and sent back unchanged.
    const overrides = await admin.describeConfigs({
      includeSynonyms: false,
      resources: toAlter.map((p) => ({ type: ConfigResourceTypes.TOPIC, name: p.spec.name })),
    });
    await admin.alterConfigs({
      validateOnly: false,
      resources: toAlter.map((plan) => {
        const kept = overrides.resources
          .find((r) => r.resourceName === plan.spec.name)
          ?.configEntries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && !(e.configName in plan.spec.configs))
          .map((e) => ({ name: e.configName, value: e.configValue }));
        return {
          type: ConfigResourceTypes.TOPIC,
          name: plan.spec.name,
          configEntries: [...(kept ?? []), ...Object.entries(plan.spec.configs).map(([name, value]) => ({ name, value }))],
        };
      }),
    });
  }
  return plans;
}

/**
 * Waits until every partition of the topics has a leader. kafkajs' `waitForLeaders` gives up when a
 * broker that has just started answers "does not host this topic-partition" for a moment.
 */
export async function waitForLeaders(admin: Admin, specs: Array<Pick<TopicSpec, 'name' | 'partitions'>>, timeoutMs = 30_000): Promise<void> {
  const names = specs.map((s) => s.name);
  await waitUntil(
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: names }).catch(() => ({ topics: [] as ITopicMetadata[] }));
      return specs.every((spec) => {
        const partitions = topics.find((t) => t.name === spec.name)?.partitions ?? [];
        return partitions.length >= spec.partitions && partitions.every((p) => p.leader >= 0);
      });
    },
    { timeoutMs, intervalMs: 100, what: `leaders for ${names.length} new topic(s)` },
  );
}

/** One line per topic for humans: "created", "ok", or what was changed / still differs. */
export function describePlan(plan: TopicPlan): string {
  if (plan.create) return `created (${plan.spec.partitions} partitions)`;
  const parts: string[] = [];
  if (plan.addPartitions) parts.push(`partitions ${plan.addPartitions.from} → ${plan.addPartitions.to}`);
  for (const change of plan.configChanges) parts.push(`${change.name} ${change.from ?? '(unset)'} → ${change.to}`);
  parts.push(...plan.warnings);
  return parts.length ? parts.join('; ') : 'ok';
}
