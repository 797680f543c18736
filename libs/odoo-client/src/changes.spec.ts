import { addSeconds, BEGINNING_OF_TIME, ChangeCursor, ChangeSource, readChangesSince } from './changes';
import { OdooDomain, OdooRecord } from './client';

/**
 * An in-memory model that behaves like Odoo where it matters here: write_date stored with microseconds,
 * compared and ordered on the full value, sent back truncated to the second.
 */
class FakeModel implements ChangeSource {
  readonly rows: Array<{ id: number; exact: string }> = [];
  private nextId = 1;
  calls = 0;

  /** Records written by one transaction that started at `exact` (all share it, like Odoo's cr.now()). */
  write(exact: string, count = 1): number[] {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(this.insert(this.nextId++, exact));
    return ids;
  }

  /** Rewrites existing records (same ids) at a new time. */
  touch(ids: number[], exact: string): void {
    for (const id of ids) this.rows.find((row) => row.id === id)!.exact = exact;
  }

  private insert(id: number, exact: string): number {
    this.rows.push({ id, exact });
    return id;
  }

  async searchRead<T extends OdooRecord>(_model: string, domain: OdooDomain, options: { limit?: number; order?: string }): Promise<T[]> {
    this.calls++;
    const leaves = domain as Array<[string, string, string | number]>;
    const matches = this.rows.filter((row) =>
      leaves.every(([field, operator, value]) => {
        const actual = field === 'id' ? row.id : row.exact;
        switch (operator) {
          case '>=': return actual >= value;
          case '<': return actual < value;
          case '>': return actual > value;
          default: throw new Error(`fake does not know ${operator}`);
        }
      }),
    );
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    matches.sort(options.order === 'id asc' ? byId : (a, b) => (a.exact === b.exact ? byId(a, b) : a.exact < b.exact ? -1 : 1));
    return matches.slice(0, options.limit).map((row) => ({ id: row.id, write_date: row.exact.slice(0, 19) }) as unknown as T);
  }
}

async function readAll(model: FakeModel, cursor: ChangeCursor, options: { pageSize: number; overlapSeconds?: number; stopAfterPages?: number }) {
  const ids: number[] = [];
  let last = cursor;
  let pages = 0;
  for await (const page of readChangesSince(model, 'stock.quant', { cursor, fields: ['id'], ...options })) {
    ids.push(...page.records.map((record) => record.id));
    last = page.cursor;
    if (++pages === options.stopAfterPages) break;
  }
  return { ids, cursor: last };
}

/** Deterministic pseudo-random numbers, so the interleaving test is the same on every run. */
function seeded(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('reading changes by write_date', () => {
  it('reads 700 records of one transaction (one write_date) exactly once with pages of 200', async () => {
    const model = new FakeModel();
    const ids = model.write('2024-05-01 10:00:00.250000', 700);
    const { ids: read, cursor } = await readAll(model, BEGINNING_OF_TIME, { pageSize: 200 });
    expect(read).toEqual(ids);
    expect(cursor).toEqual({ writeDate: '2024-05-01 10:00:00', lastId: 700 });
  });

  it('misses and repeats nothing when transactions of one second interleave ids and microseconds', async () => {
    const model = new FakeModel();
    const random = seeded(42);
    const expected: number[] = [];
    for (let transaction = 0; transaction < 120; transaction++) {
      // Many transactions per second; later ids may carry earlier microseconds (they started earlier).
      const second = Math.floor(transaction / 30);
      const micros = String(Math.floor(random() * 1_000_000)).padStart(6, '0');
      expected.push(...model.write(`2024-05-01 10:00:0${second}.${micros}`, 1 + Math.floor(random() * 9)));
    }
    for (const pageSize of [1, 7, 50, 1000]) {
      const { ids } = await readAll(model, BEGINNING_OF_TIME, { pageSize });
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('resumes from a cursor in the middle of a crowded second without repeating what was read', async () => {
    const model = new FakeModel();
    model.write('2024-05-01 10:00:00.100000', 300);
    const first = await readAll(model, BEGINNING_OF_TIME, { pageSize: 100, stopAfterPages: 2 });
    expect(first.ids).toHaveLength(200);
    expect(first.cursor).toEqual({ writeDate: '2024-05-01 10:00:00', lastId: 200 });

    const later = [...model.write('2024-05-01 10:00:00.900000', 50), ...model.write('2024-05-01 10:00:03.000000', 5)];
    const second = await readAll(model, first.cursor, { pageSize: 100 });
    expect(second.ids).toEqual([...Array.from({ length: 100 }, (_, i) => 201 + i), ...later]);
    expect(second.cursor).toEqual({ writeDate: '2024-05-01 10:00:03', lastId: 355 });
  });

  it('reads nothing when nothing changed since the cursor', async () => {
    const model = new FakeModel();
    model.write('2024-05-01 10:00:00.000000', 3);
    const { cursor } = await readAll(model, BEGINNING_OF_TIME, { pageSize: 10 });
    const again = await readAll(model, cursor, { pageSize: 10 });
    expect(again.ids).toEqual([]);
    expect(again.cursor).toEqual(cursor);
  });

  it('finds a late commit (older write_date) only thanks to the overlap window', async () => {
    const model = new FakeModel();
    model.write('2024-05-01 10:00:05.000000', 2);
    const { cursor } = await readAll(model, BEGINNING_OF_TIME, { pageSize: 10 });
    // A transaction that started at :03 commits now: its write_date is behind the cursor.
    const [late] = model.write('2024-05-01 10:00:03.500000');
    expect((await readAll(model, cursor, { pageSize: 10 })).ids).toEqual([]);
    const withOverlap = await readAll(model, cursor, { pageSize: 10, overlapSeconds: 5 });
    expect(withOverlap.ids).toContain(late);
    // Re-reading the window never moves the cursor backwards.
    expect(withOverlap.cursor).toEqual(cursor);
  });

  it('sees a record rewritten within the same second again when the overlap covers that second', async () => {
    const model = new FakeModel();
    const [id] = model.write('2024-05-01 10:00:05.100000');
    const { cursor } = await readAll(model, BEGINNING_OF_TIME, { pageSize: 10 });
    model.touch([id], '2024-05-01 10:00:05.700000');
    expect((await readAll(model, cursor, { pageSize: 10, overlapSeconds: 1 })).ids).toEqual([id]);
  });

  it('moves across day boundaries', () => {
    expect(addSeconds('2024-12-31 23:59:59', 1)).toBe('2025-01-01 00:00:00');
    expect(addSeconds('2024-03-01 00:00:00.123456', -1)).toBe('2024-02-29 23:59:59');
  });
});
