/**
 * Estimated size of a record in a Kafka record batch: key, value, header names and values, plus
 * generous per-record and per-header framing. Used to keep produce requests under the broker's limit.
 */
interface SizedRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export function recordBytes(record: SizedRecord): number {
  let bytes = 32 + Buffer.byteLength(record.key) + record.value.length;
  for (const name in record.headers) {
    bytes += 8 + name.length + Buffer.byteLength(record.headers[name]);
  }
  return bytes;
}

/**
 * The largest record appendToOutbox accepts by default: under Kafka's default message.max.bytes
 * (1 MiB) with room for batch framing. Bigger values belong in object storage, referenced by the event.
 */
export const MAX_RECORD_BYTES = 1_000_000;

/** Consecutive runs of records whose estimated size stays within `maxBytes` (a bigger record goes alone), with their size. */
export function splitBySize<T extends SizedRecord>(records: T[], maxBytes: number): Array<{ records: T[]; bytes: number }> {
  const requests: Array<{ records: T[]; bytes: number }> = [];
  let current: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (current.length > 0 && bytes + size > maxBytes) {
      requests.push({ records: current, bytes });
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) requests.push({ records: current, bytes });
  return requests;
}
