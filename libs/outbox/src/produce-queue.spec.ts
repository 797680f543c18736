import type { Producer, ProducerBatch } from 'kafkajs';
import { ProduceQueue } from './produce-queue';

/** A stand-in producer that records each request and lets the test decide when the broker answers. */
function recordingProducer(refuse: (topic: string) => boolean = () => false) {
  const requests: string[][] = [];
  const answers: Array<() => void> = [];
  const producer = {
    sendBatch: (batch: ProducerBatch) => {
      const messages = batch.topicMessages!.flatMap((t) => t.messages.map((m) => `${t.topic}:${m.value}`));
      requests.push(messages);
      if (batch.topicMessages!.some((t) => refuse(t.topic))) return Promise.reject(new Error('unknown topic'));
      return new Promise((resolve) => answers.push(() => resolve([])));
    },
  } as unknown as Producer;
  return { producer, requests, answerAll: () => answers.splice(0).forEach((answer) => answer()) };
}

const message = (topic: string, value: string) => ({ topic, message: { key: value, value } });

describe('ProduceQueue', () => {
  it('sends what shards submit while a request is in flight as one request, in submission order', async () => {
    const { producer, requests, answerAll } = recordingProducer();
    const queue = new ProduceQueue(1_000_000);
    const first = queue.send(producer, [message('t', 'a1')], 10);
    const second = queue.send(producer, [message('t', 'b1'), message('t', 'b2')], 20);
    const third = queue.send(producer, [message('u', 'c1')], 10);
    answerAll();
    await first;
    await new Promise(setImmediate);
    answerAll();
    await Promise.all([second, third]);
    expect(requests).toEqual([['t:a1'], ['t:b1', 't:b2', 'u:c1']]);
  });

  it('keeps a request under the byte limit', async () => {
    const { producer, requests, answerAll } = recordingProducer();
    const queue = new ProduceQueue(25);
    const sends = [queue.send(producer, [message('t', 'a')], 10), queue.send(producer, [message('t', 'b')], 10)];
    sends.push(queue.send(producer, [message('t', 'c')], 10), queue.send(producer, [message('t', 'd')], 10));
    for (let i = 0; i < 3; i++) {
      answerAll();
      await new Promise(setImmediate);
    }
    await Promise.all(sends);
    expect(requests).toEqual([['t:a'], ['t:b', 't:c'], ['t:d']]);
  });

  it('retries each submission alone when a merged request fails, so only the refused one fails', async () => {
    const { producer, requests, answerAll } = recordingProducer((topic) => topic === 'missing');
    const queue = new ProduceQueue(1_000_000);
    const blocker = queue.send(producer, [message('t', 'a')], 10);
    const outcomes = Promise.allSettled([
      queue.send(producer, [message('missing', 'x')], 10),
      queue.send(producer, [message('t', 'b')], 10),
    ]);
    answerAll();
    await blocker;
    for (let i = 0; i < 5 && requests.length < 4; i++) await new Promise(setImmediate);
    answerAll();
    const [refused, healthy] = await outcomes;
    expect(refused).toMatchObject({ status: 'rejected', reason: new Error('unknown topic') });
    expect(healthy.status).toBe('fulfilled');
    expect(requests).toEqual([['t:a'], ['missing:x', 't:b'], ['missing:x'], ['t:b']]);
  });
});
