import type { Admin } from 'kafkajs';

export interface PartitionLag {
  groupId: string;
  groupState: string;
  topic: string;
  partition: number;
  /** Next offset the group will read ('-1': nothing committed yet). */
  committed: string;
  end: string;
  /** Records the group has not processed yet (all retained ones when nothing is committed). */
  lag: number;
}

/** Lag of consumer groups per topic and partition: the end of each partition minus the group's committed offset. */
export async function consumerLag(
  admin: Admin,
  { groups, topics }: { groups?: string[]; topics?: string[] } = {},
): Promise<PartitionLag[]> {
  const groupIds =
    groups ?? (await admin.listGroups()).groups.filter((g) => g.protocolType === 'consumer').map((g) => g.groupId);
  if (groupIds.length === 0) return [];
  const states = new Map((await admin.describeGroups(groupIds)).groups.map((g) => [g.groupId, g.state]));
  const ends = new Map<string, Array<{ partition: number; high: string; low: string }>>();
  const rows: PartitionLag[] = [];
  for (const groupId of groupIds.sort()) {
    const committed = await admin.fetchOffsets({ groupId, ...(topics ? { topics } : {}) });
    for (const { topic, partitions } of committed) {
      if (topics && !topics.includes(topic)) continue;
      let topicEnds = ends.get(topic);
      if (!topicEnds) ends.set(topic, (topicEnds = await admin.fetchTopicOffsets(topic)));
      for (const end of topicEnds) {
        const offset = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
        rows.push({
          groupId,
          groupState: states.get(groupId) ?? 'Unknown',
          topic,
          partition: end.partition,
          committed: offset,
          end: end.high,
          lag: Math.max(0, Number(BigInt(end.high) - from)),
        });
      }
    }
  }
  return rows.sort((a, b) => a.groupId.localeCompare(b.groupId) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
