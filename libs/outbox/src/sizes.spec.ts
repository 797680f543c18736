import { recordBytes, splitBySize } from './sizes';

const record = (key: string, valueBytes: number) => ({ key, value: Buffer.alloc(valueBytes), headers: { ce_id: 'x' } });

describe('splitBySize', () => {
  it('keeps the order and keeps every produce request under the limit', () => {
    const records = Array.from({ length: 10 }, (_, i) => record(`k${i}`, 100));
    const limit = recordBytes(records[0]) * 3;
    const requests = splitBySize(records, limit);
    expect(requests.map((r) => r.records.length)).toEqual([3, 3, 3, 1]);
    expect(requests.flatMap((r) => r.records)).toEqual(records);
    for (const request of requests) {
      expect(request.bytes).toBe(request.records.reduce((sum, r) => sum + recordBytes(r), 0));
      expect(request.bytes).toBeLessThanOrEqual(limit);
    }
  });

  it('sends a record bigger than the limit on its own rather than never', () => {
    const requests = splitBySize([record('a', 10), record('big', 5000), record('b', 10)], 1000);
    expect(requests.map((r) => r.records.map((x) => x.key))).toEqual([['a'], ['big'], ['b']]);
  });
});
