import {
  AclEntry,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Admin,
  ResourcePatternTypes,
} from 'kafkajs';
import { z } from 'zod';
import type { Catalogue } from './catalogue';
import { retryTiersOf, retryTopicNames, topicSpecs } from './topics';

/**
 * Least-privilege Kafka ACLs derived from schemas/catalogue.yaml, for a cluster whose clients
 * authenticate (KAFKA_SECURITY=scram locally, SASL in production). Principals are `User:<service>`
 * plus the `admin` identity that sets topics up; the broker's own identity is the only super user.
 *
 * - publishers of a topic: Topic WRITE. A topic's publishers are, per event, its `owner` (the
 *   topic's owner when the event names none) and its `producers` — so `odoo.commands` is written by
 *   the services that issue commands, not by the adapter that executes them.
 * - consumers of a topic (topic or event level): Topic READ.
 * - every service: WRITE and READ on its retry topics (`<service>.retry` for re-drives and
 *   `<service>.retry-1` … `-<tiers>`, one per delay tier), WRITE on `<service>.dlq`, and
 *   Group READ on its own group ids: `<service>` (the messaging default) and the prefix `<service>.`.
 * - admin: CREATE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS and ALTER (partitions) on the catalogue's
 *   topics, by name — topic set-up only, no data.
 */
export type AclResource = 'topic' | 'group';
export type AclPattern = 'literal' | 'prefixed';
export type AclOperation = 'read' | 'write' | 'create' | 'describe' | 'describe-configs' | 'alter-configs' | 'alter';

export interface AclBinding {
  principal: string;
  resource: AclResource;
  pattern: AclPattern;
  name: string;
  operation: AclOperation;
  /** Why the catalogue grants it, for humans ("publishes OrderPlaced"). */
  reason: string;
}

export interface CatalogueAclOptions {
  /** The identity that creates and configures topics (default `admin`). */
  adminIdentity?: string;
}

/** The catalogue fields ACLs depend on; infra's Catalogue keeps them as passthrough fields. */
const aclFields = z.object({
  topics: z.array(
    z
      .object({
        topic: z.string().optional(),
        name: z.string().optional(),
        owner: z.string().optional(),
        consumers: z.array(z.string()).default([]),
        events: z
          .array(
            z
              .object({
                type: z.string(),
                owner: z.string().optional(),
                producers: z.array(z.string()).default([]),
                consumers: z.array(z.string()).default([]),
              })
              .passthrough(),
          )
          .default([]),
      })
      .passthrough(),
  ),
  serviceTopics: z.object({ services: z.array(z.string()) }).passthrough().optional(),
});

export const principalOf = (identity: string): string => `User:${identity}`;

const shortType = (type: string) => type.split('.').pop() ?? type;

/** The ACLs the catalogue implies (pure; see the module comment for the rules). Sorted and without duplicates. */
export function catalogueAcls(catalogue: Catalogue, options: CatalogueAclOptions = {}): AclBinding[] {
  const fields = aclFields.parse(catalogue);
  const bindings = new Map<string, AclBinding>();
  const grant = (identity: string, resource: AclResource, pattern: AclPattern, name: string, operation: AclOperation, reason: string) => {
    const binding = { principal: principalOf(identity), resource, pattern, name, operation, reason };
    const key = aclKey(binding);
    const existing = bindings.get(key);
    if (existing) existing.reason = existing.reason.split('; ').includes(reason) ? existing.reason : `${existing.reason}; ${reason}`;
    else bindings.set(key, binding);
  };

  const services = new Set(fields.serviceTopics?.services ?? []);
  for (const entry of fields.topics) {
    const topic = (entry.topic ?? entry.name)!;
    const publishers = new Map<string, string[]>();
    const publish = (service: string, what: string) => publishers.set(service, [...(publishers.get(service) ?? []), what]);
    if (entry.events.length === 0 && entry.owner) publish(entry.owner, 'owns the topic');
    for (const event of entry.events) {
      const owner = event.owner ?? entry.owner;
      for (const service of new Set([...(owner ? [owner] : []), ...event.producers])) publish(service, shortType(event.type));
    }
    for (const [service, what] of publishers) grant(service, 'topic', 'literal', topic, 'write', `publishes ${what.join(', ')}`);

    const readers = new Set([...entry.consumers, ...entry.events.flatMap((event) => event.consumers)]);
    for (const service of readers) grant(service, 'topic', 'literal', topic, 'read', 'consumes the topic');
    for (const service of [...publishers.keys(), ...readers]) services.add(service);
  }

  for (const service of services) {
    for (const retryTopic of retryTopicNames(service, retryTiersOf(catalogue))) {
      grant(service, 'topic', 'literal', retryTopic, 'write', 'its retry topic');
      grant(service, 'topic', 'literal', retryTopic, 'read', 'its retry topic');
    }
    grant(service, 'topic', 'literal', `${service}.dlq`, 'write', 'its dead letters');
    grant(service, 'group', 'literal', service, 'read', 'its consumer group');
    grant(service, 'group', 'prefixed', `${service}.`, 'read', 'its consumer groups');
  }

  const admin = options.adminIdentity ?? 'admin';
  const setUp: AclOperation[] = ['create', 'describe', 'describe-configs', 'alter-configs', 'alter'];
  for (const spec of topicSpecs(catalogue)) {
    for (const operation of setUp) grant(admin, 'topic', 'literal', spec.name, operation, 'topic set-up');
  }
  return [...bindings.values()].sort((a, b) => aclKey(a).localeCompare(aclKey(b)));
}

export function aclKey(binding: Pick<AclBinding, 'principal' | 'resource' | 'pattern' | 'name' | 'operation'>): string {
  return `${binding.principal} ${binding.resource}:${binding.pattern}:${binding.name} ${binding.operation}`;
}

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERN = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;
const OPERATION = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  describe: AclOperationTypes.DESCRIBE,
  'describe-configs': AclOperationTypes.DESCRIBE_CONFIGS,
  'alter-configs': AclOperationTypes.ALTER_CONFIGS,
  alter: AclOperationTypes.ALTER,
} as const;

const reverse = <K extends string>(table: Record<K, number>) => new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
const RESOURCE_NAME = reverse(RESOURCE);
const PATTERN_NAME = reverse(PATTERN);
const OPERATION_NAME = reverse(OPERATION);

/** Our binding as a kafkajs entry: ALLOW from any host. */
export function toAclEntry(binding: AclBinding): AclEntry {
  return {
    principal: binding.principal,
    host: '*',
    resourceType: RESOURCE[binding.resource],
    resourceName: binding.name,
    resourcePatternType: PATTERN[binding.pattern],
    operation: OPERATION[binding.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** ALLOW-from-any-host ACLs on the broker in our terms; others (DENY, host-bound, cluster…) are not ours to manage. */
export async function describeBrokerAcls(admin: Admin): Promise<AclBinding[]> {
  const response = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ALLOW,
  });
  const found: AclBinding[] = [];
  for (const resource of response.resources) {
    const kind = RESOURCE_NAME.get(resource.resourceType);
    const pattern = PATTERN_NAME.get(resource.resourcePatternType);
    if (!kind || !pattern) continue;
    for (const acl of resource.acls) {
      const operation = OPERATION_NAME.get(acl.operation);
      if (!operation || acl.host !== '*') continue;
      found.push({ principal: acl.principal, resource: kind, pattern, name: resource.resourceName, operation, reason: 'on the broker' });
    }
  }
  return found;
}

export interface AclPlan {
  /** Wanted and absent: created by applyAcls. */
  missing: AclBinding[];
  present: AclBinding[];
  /** On the broker for a principal the catalogue manages, but no longer derived from it. Removed only with `prune`. */
  stale: AclBinding[];
}

/** Compares wanted bindings with the broker's. Only principals that appear in `wanted` can have stale bindings. */
export function planAcls(wanted: AclBinding[], broker: AclBinding[]): AclPlan {
  const onBroker = new Set(broker.map(aclKey));
  const wantedKeys = new Set(wanted.map(aclKey));
  const managed = new Set(wanted.map((b) => b.principal));
  return {
    missing: wanted.filter((b) => !onBroker.has(aclKey(b))),
    present: wanted.filter((b) => onBroker.has(aclKey(b))),
    stale: broker.filter((b) => managed.has(b.principal) && !wantedKeys.has(aclKey(b))),
  };
}

/**
 * Makes the broker grant what the catalogue says: creates the missing bindings (idempotent), never
 * touches other principals' ACLs, and removes stale ones of managed principals only with `prune`.
 * Needs an identity allowed to alter the cluster's ACLs (locally: the broker identity).
 */
export async function applyAcls(admin: Admin, wanted: AclBinding[], options: { prune?: boolean } = {}): Promise<AclPlan> {
  const plan = planAcls(wanted, await describeBrokerAcls(admin));
  if (plan.missing.length) await admin.createAcls({ acl: plan.missing.map(toAclEntry) });
  if (options.prune && plan.stale.length) {
    await admin.deleteAcls({ filters: plan.stale.map(toAclEntry) });
  }
  return plan;
}
