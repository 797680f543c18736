import { testKafka, uniqueName, waitFor } from '@omnibus/testing';
import { appendToOutbox, OutboxRecord } from './append';
import { OutboxRelay, OutboxRelayOptions } from './relay';
import { consumeTopic, messagesInTopic, outboxTestDatabase, OutboxTestDatabase, recordingLogger, unpublishedCount } from './test/fixtures';

jest.setTimeout(60_000);

const WRITERS = 3;
const KEYS = 60;
const EVENTS_PER_KEY = 40;
const TOTAL = KEYS * EVENTS_PER_KEY;

describe('per-key order with several relays', () => {
  let db: OutboxTestDatabase;
  beforeAll(async () => {
    db = await outboxTestDatabase('outbox_order', 16);
  });
  afterAll(() => db.close());

  let topic: string;

  /**
   * Each writer owns some SKUs and appends their stock events in sequence (from..to), a few SKUs and
   * 1-3 events of each per transaction, interleaved with the other writers — as services do when
   * each aggregate update locks the aggregate's row.
   */
  async function write(writer: number, from: number, to: number): Promise<void> {
    const next = new Map<string, number>();
    for (let i = writer; i < KEYS; i += WRITERS) next.set(`sku-${i}`, from);
    for (let round = 0; next.size > 0; round++) {
      const keys = [...next.keys()];
      const offset = round % keys.length;
      const chosen = [...keys.slice(offset), ...keys.slice(0, offset)].slice(0, 4);
      const records: OutboxRecord[] = [];
      for (const key of chosen) {
        const seq = next.get(key)!;
        const last = Math.min(seq + (round % 3), to);
        for (let s = seq; s <= last; s++) {
          records.push({ topic, key, value: Buffer.from(String(s)), headers: { ce_id: `${key}-${s}` } });
        }
        if (last === to) next.delete(key);
        else next.set(key, last + 1);
      }
      await db.dataSource.transaction((manager) => appendToOutbox(manager, records));
    }
  }

  const writeAll = (from: number, to: number) =>
    Promise.all(Array.from({ length: WRITERS }, (_, writer) => write(writer, from, to)));

  it('keeps every SKU\'s events in order with two relays running, one of them replaced mid-stream', async () => {
    const kafka = testKafka('outbox-order-test');
    topic = uniqueName('outbox.order');
    const consumer = await consumeTopic(kafka, topic, 4);
    const publishedBy = new Map<string, number>();
    const relay = (instanceId: string) => {
      const options: OutboxRelayOptions = {
        dataSource: db.dataSource,
        kafka,
        instanceId,
        batchSize: 40,
        leaseTtlMs: 2000,
        logger: recordingLogger(),
        onPublished: (batch) => publishedBy.set(instanceId, (publishedBy.get(instanceId) ?? 0) + batch.records.length),
      };
      return new OutboxRelay(options);
    };
    const a = relay('relay-a');
    const b = relay('relay-b');
    const c = relay('relay-c');
    await Promise.all([a.start(), b.start()]);
    try {
      const firstHalf = writeAll(1, EVENTS_PER_KEY / 2);
      await waitFor(() => (publishedBy.get('relay-a') ?? 0) > 0 && (publishedBy.get('relay-b') ?? 0) > 0, {
        what: 'both relays to publish',
      });
      // Relay A leaves mid-stream (gracefully); C joins and must take half the shards from B.
      await a.stop();
      await c.start();
      await firstHalf;
      await waitFor(() => b.heldShards.length === 4 && c.heldShards.length === 4, { what: 'B and C to share the shards' });
      await writeAll(EVENTS_PER_KEY / 2 + 1, EVENTS_PER_KEY);
      await waitFor(async () => (await unpublishedCount(db.dataSource)) === 0, { timeoutMs: 30_000, what: 'an empty outbox' });
      expect(await messagesInTopic(kafka, topic)).toBe(TOTAL);
      await waitFor(() => consumer.received.length === TOTAL, { what: 'every event consumed' });
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
      await consumer.stop();
    }
    expect(publishedBy.get('relay-c')).toBeGreaterThan(0);
    const sequences = new Map<string, number[]>();
    for (const event of consumer.received) {
      const seqs = sequences.get(event.key) ?? [];
      seqs.push(Number(event.value));
      sequences.set(event.key, seqs);
    }
    const expected = Array.from({ length: EVENTS_PER_KEY }, (_, i) => i + 1);
    expect(sequences.size).toBe(KEYS);
    for (const [, seqs] of sequences) expect(seqs).toEqual(expected);
  });
});
