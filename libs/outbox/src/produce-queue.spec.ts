import type { Producer, ProducerBatch } from 'kafkajs';
import { ProduceQueue } from './produce-queue';

/** A stand-in producer that records each request and lets the test decide when the broker answers. */
function recordingProducer(refuse: (topic: string) => Error | undefined = () => undefined) {
  const requests: string[][] = [];
  const answers: Array<() => void> = [];
  const producer = {
    sendBatch: (batch: ProducerBatch) => {
      const messages = batch.topicMessages!.flatMap((t) => t.messages.map((m) => `${t.topic}:${m.value}`));
      requests.push(messages);
      const refusal = batch.topicMessages!.map((t) => refuse(t.topic)).find(Boolean);
      if (refusal) return Promise.reject(refusal);
      return new Promise((resolve) => answers.push(() => resolve([])));
    },
  } as unknown as Producer;
  return { producer, requests, answerAll: () => answers.splice(0).forEach((answer) => answer()) };
}

const message = (topic: string, value: string) => ({ topic, message: { key: value, value } });
const on = (...partitions: string[]) => new Set(partitions);
const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise(setImmediate);
};

describe('ProduceQueue', () => {
  it('sends what shards submit while a request is in flight as one request, in submission order', async () => {
    const { producer, requests, answerAll } = recordingProducer();
    const queue = new ProduceQueue(1_000_000);
    const first = queue.send(producer, [message('t', 'a1')], 10, on('t/0'));
    const second = queue.send(producer, [message('t', 'b1'), message('t', 'b2')], 20, on('t/1'));
    const third = queue.send(producer, [message('u', 'c1')], 10, on('u/0'));
    answerAll();
    await first;
    await settle();
    answerAll();
    await Promise.all([second, third]);
    expect(requests).toEqual([['t:a1'], ['t:b1', 't:b2', 'u:c1']]);
  });

  it('keeps a request under the byte limit', async () => {
    const { producer, requests, answerAll } = recordingProducer();
    const queue = new ProduceQueue(25);
    const sends = ['a', 'b', 'c', 'd'].map((value, i) => queue.send(producer, [message('t', value)], 10, on(`t/${i}`)));
    for (let i = 0; i < 3; i++) {
      answerAll();
      await settle(1);
    }
    await Promise.all(sends);
    expect(requests).toEqual([['t:a'], ['t:b', 't:c'], ['t:d']]);
  });

  it('never merges submissions that share a partition, nor one whose partitions are unknown', async () => {
    const { producer, requests, answerAll } = recordingProducer();
    const queue = new ProduceQueue(1_000_000);
    const sends = [
      queue.send(producer, [message('t', 'a')], 10, on('t/0')),
      queue.send(producer, [message('t', 'b')], 10, on('t/1')),
      queue.send(producer, [message('t', 'c')], 10, on('t/1', 't/2')),
      queue.send(producer, [message('t', 'd')], 10),
      queue.send(producer, [message('t', 'e')], 10, on('t/3')),
    ];
    for (let i = 0; i < 5; i++) {
      answerAll();
      await settle(1);
    }
    await Promise.all(sends);
    expect(requests).toEqual([['t:a'], ['t:b'], ['t:c'], ['t:d'], ['t:e']]);
  });

  it('retries each submission alone when a merged request is refused, so only the refused one fails', async () => {
    const { producer, requests, answerAll } = recordingProducer((topic) => (topic === 'missing' ? new Error('unknown topic') : undefined));
    const queue = new ProduceQueue(1_000_000);
    const blocker = queue.send(producer, [message('t', 'a')], 10, on('t/0'));
    const outcomes = Promise.allSettled([
      queue.send(producer, [message('missing', 'x')], 10, on('missing/0')),
      queue.send(producer, [message('t', 'b')], 10, on('t/1')),
    ]);
    answerAll();
    await blocker;
    for (let i = 0; i < 5 && requests.length < 4; i++) await settle(1);
    answerAll();
    const [refused, healthy] = await outcomes;
    expect(refused).toMatchObject({ status: 'rejected', reason: new Error('unknown topic') });
    expect(healthy.status).toBe('fulfilled');
    expect(requests).toEqual([['t:a'], ['missing:x', 't:b'], ['missing:x'], ['t:b']]);
  });

  it('fails every submission of a request at once when the producer itself broke (no retry on it)', async () => {
    const broken = Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError' });
    const { producer, requests, answerAll } = recordingProducer((topic) => (topic === 'u' ? broken : undefined));
    const queue = new ProduceQueue(1_000_000);
    const blocker = queue.send(producer, [message('t', 'a')], 10, on('t/0'));
    const outcomes = Promise.allSettled([
      queue.send(producer, [message('u', 'x')], 10, on('u/0')),
      queue.send(producer, [message('t', 'b')], 10, on('t/1')),
    ]);
    answerAll();
    await blocker;
    const settled = await outcomes;
    expect(settled.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(requests).toEqual([['t:a'], ['u:x', 't:b']]);
  });

  it('does not hold back the sends of a new producer behind a request hanging on the old one', async () => {
    const hung = recordingProducer();
    const fresh = recordingProducer();
    const queue = new ProduceQueue(1_000_000);
    void queue.send(hung.producer, [message('t', 'stuck')], 10, on('t/0'));
    const next = queue.send(fresh.producer, [message('t', 'flows')], 10, on('t/0'));
    await settle();
    fresh.answerAll();
    await next;
    expect(fresh.requests).toEqual([['t:flows']]);
  });
});
