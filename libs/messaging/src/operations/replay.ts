import type { Admin } from 'kafkajs';
import { isRetryTopic } from '../consumer/failure-routing';

/** Where to rewind a consumer group to. */
export type ReplayTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'time'; at: Date }
  | { kind: 'offset'; offset: string; partition?: number };

export interface PartitionMove {
  topic: string;
  partition: number;
  /** Committed offset now ('-1': none yet). */
  current: string;
  target: string;
  /** Records the group will receive again (negative: records it will skip). */
  redelivered: number;
}

export interface ReplayPlan {
  groupId: string;
  target: ReplayTarget;
  groupState: string;
  /** Running members: while there are any, Kafka refuses to move the offsets (and their commits would undo it). */
  activeMembers: Array<{ clientId: string; host: string }>;
  moves: PartitionMove[];
}

export function describeTarget(target: ReplayTarget): string {
  switch (target.kind) {
    case 'earliest':
      return 'the beginning';
    case 'latest':
      return 'the end';
    case 'time':
      return target.at.toISOString();
    case 'offset':
      return `offset ${target.offset}${target.partition !== undefined ? ` of partition ${target.partition}` : ''}`;
  }
}

/**
 * Works out what rewinding `groupId` would do. Without `topics`, every topic the group has
 * committed offsets for, except retry topics: replaying those would re-run old retry rounds,
 * which the dead letters already account for (name one explicitly if that is really meant).
 */
export async function planReplay(
  admin: Admin,
  { groupId, topics, target }: { groupId: string; topics?: string[]; target: ReplayTarget },
): Promise<ReplayPlan> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  const committed = await admin.fetchOffsets({ groupId, ...(topics ? { topics } : {}) });
  const selected = committed.filter((t) => (topics ? topics.includes(t.topic) : !isRetryTopic(t.topic)));
  if (selected.length === 0) {
    throw new Error(
      topics
        ? `consumer group ${groupId} has no offsets for ${topics.join(', ')}`
        : `consumer group ${groupId} has no committed offsets: nothing to replay`,
    );
  }
  const moves: PartitionMove[] = [];
  for (const { topic, partitions } of selected) {
    const ends = await admin.fetchTopicOffsets(topic);
    const byTime = target.kind === 'time' ? await admin.fetchTopicOffsetsByTimestamp(topic, target.at.getTime()) : [];
    for (const end of ends) {
      if (target.kind === 'offset' && target.partition !== undefined && target.partition !== end.partition) continue;
      const current = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      let wanted: bigint;
      if (target.kind === 'earliest') wanted = BigInt(end.low);
      else if (target.kind === 'latest') wanted = BigInt(end.high);
      else if (target.kind === 'time') wanted = BigInt(byTime.find((p) => p.partition === end.partition)?.offset ?? end.high);
      else wanted = BigInt(target.offset);
      // Never point outside what the topic still retains.
      const clamped = wanted < BigInt(end.low) ? BigInt(end.low) : wanted > BigInt(end.high) ? BigInt(end.high) : wanted;
      const from = current === '-1' ? BigInt(end.low) : BigInt(current);
      moves.push({
        topic,
        partition: end.partition,
        current,
        target: clamped.toString(),
        redelivered: Number(from - clamped),
      });
    }
  }
  return {
    groupId,
    target,
    groupState: group?.state ?? 'Unknown',
    activeMembers: (group?.members ?? []).map((m) => ({ clientId: m.clientId, host: m.clientHost })),
    moves: moves.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
  };
}

/** Why a replay cannot run now, or undefined when it can. */
export function replayBlocker(plan: ReplayPlan): string | undefined {
  if (plan.activeMembers.length === 0) return undefined;
  const members = plan.activeMembers.map((m) => `${m.clientId}@${m.host}`).join(', ');
  return (
    `consumer group ${plan.groupId} has ${plan.activeMembers.length} running member(s) (${members}). ` +
    'Kafka moves the offsets of an idle group only, and a running member would overwrite them with its next commit. ' +
    'Stop the service that runs this group, run the replay (or pass --wait to apply it as soon as the group is idle), then start the service again.'
  );
}

/** Polls until the group has no members, for an operator who is stopping the service now. */
export async function waitUntilGroupIdle(admin: Admin, groupId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { groups } = await admin.describeGroups([groupId]);
    if ((groups[0]?.members.length ?? 0) === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Running members of a group now (empty: Kafka will let its offsets move). */
export async function runningMembers(admin: Admin, groupId: string): Promise<Array<{ clientId: string; host: string }>> {
  const { groups } = await admin.describeGroups([groupId]);
  return (groups[0]?.members ?? []).map((m) => ({ clientId: m.clientId, host: m.clientHost }));
}

/** A replay that moved some topics and could not move them back: what the operator must fix by hand. */
export class ReplayPartlyApplied extends Error {
  constructor(
    readonly failedTopic: string,
    readonly cause: unknown,
    readonly stillMoved: string[],
  ) {
    super(
      `moving ${failedTopic} failed (${cause instanceof Error ? cause.message : String(cause)}) and restoring the topics moved before it failed too: ` +
        `${stillMoved.join(', ')} stay moved; run the replay again or move them back with --topic`,
    );
  }
}

type SetOffsets = (request: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: string }> }) => Promise<void>;

/**
 * Moves the committed offsets as planned, all topics or none. Kafka moves a group's offsets one
 * topic per request (kafkajs' admin.setOffsets), so there is no transaction across topics: the
 * targets were all computed by planReplay before anything moves, the topics are moved one after
 * the other, and when one fails the topics already moved are set back to the offsets they had.
 *
 * Every topic and partition is checked to still exist first: kafkajs' setOffsets on a topic that
 * is gone does not fail, it retries without end.
 *
 * What stays non-atomic: for the few hundred milliseconds between the first and the last topic the
 * group's offsets are mixed (harmless: the group is idle, no member reads them meanwhile); a
 * partition that had no committed offset is restored to its earliest retained offset (kafkajs
 * cannot delete a committed offset; for a group that starts from the beginning this reads the
 * same records); and if the restore itself fails (broker gone), ReplayPartlyApplied names the
 * topics that stay moved; a topic deleted between that check and its move still hangs kafkajs.
 */
export async function applyReplay(
  admin: Admin,
  plan: ReplayPlan,
  setOffsets: SetOffsets = (request) => admin.setOffsets(request),
): Promise<void> {
  const byTopic = new Map<string, PartitionMove[]>();
  for (const move of plan.moves) byTopic.set(move.topic, [...(byTopic.get(move.topic) ?? []), move]);
  await verifyTopicsStillThere(admin, byTopic);
  // What to set back on a failure: the offsets committed now, not those of the preview (the group
  // may have run and committed meanwhile).
  const committedNow = await admin.fetchOffsets({ groupId: plan.groupId, topics: [...byTopic.keys()] });
  const previousOffset = (topic: string, partition: number) =>
    committedNow.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
  const moved: Array<[string, PartitionMove[]]> = [];
  for (const [topic, moves] of byTopic) {
    try {
      await setOffsets({ groupId: plan.groupId, topic, partitions: moves.map((m) => ({ partition: m.partition, offset: m.target })) });
      moved.push([topic, moves]);
    } catch (error) {
      const stillMoved: string[] = [];
      for (const [movedTopic, movedMoves] of moved.reverse()) {
        try {
          const restore = await Promise.all(
            movedMoves.map(async (m) => {
              const previous = previousOffset(movedTopic, m.partition);
              return { partition: m.partition, offset: previous === '-1' ? await earliestOffset(admin, movedTopic, m.partition) : previous };
            }),
          );
          await setOffsets({ groupId: plan.groupId, topic: movedTopic, partitions: restore });
        } catch {
          stillMoved.push(movedTopic);
        }
      }
      if (stillMoved.length > 0) throw new ReplayPartlyApplied(topic, error, stillMoved);
      throw error;
    }
  }
}

async function verifyTopicsStillThere(admin: Admin, byTopic: Map<string, PartitionMove[]>): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const gone = [...byTopic.keys()].filter((topic) => !existing.has(topic));
  if (gone.length > 0) throw new Error(`${gone.join(', ')} no longer exist(s) on the broker`);
  const { topics } = await admin.fetchTopicMetadata({ topics: [...byTopic.keys()] });
  for (const { name, partitions } of topics) {
    const missing = (byTopic.get(name) ?? []).filter((m) => !partitions.some((p) => p.partitionId === m.partition));
    if (missing.length > 0) throw new Error(`${name} has no partition ${missing.map((m) => m.partition).join(', ')} any more`);
  }
}

async function earliestOffset(admin: Admin, topic: string, partition: number): Promise<string> {
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.find((p) => p.partition === partition)?.low ?? '0';
}
