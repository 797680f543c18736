/**
 * Incremental reads by `write_date` (reference §5.1), exact even though:
 * - Odoo stores write_date with microseconds but sends it truncated to the second, so `=` on the text we
 *   got back matches nothing and `order write_date` sorts by microseconds we cannot see;
 * - every record of one transaction shares one write_date (hundreds of records in one second);
 * - a long transaction commits later than its write_date says (handled by the caller's overlap window).
 *
 * The cursor is `(second W, id I)`: every record changed before second W has been read, and so has every
 * record of second W with id ≤ I. A read walks forward in two alternating ways:
 * - within one second (a closed window `[W, W+1s)`), by id — a total, stable order: no record of that
 *   second can be missed or read twice however many share it;
 * - across seconds, ordered `write_date, id`: a page whose last record is in second L holds every record
 *   before L completely; second L itself is then read by id.
 */
import type { OdooContext, OdooDomain, OdooRecord } from './client';

export interface ChangeCursor {
  /** Odoo datetime text of a whole second, `YYYY-MM-DD HH:MM:SS` (UTC). */
  writeDate: string;
  /** Last id read within that second (0: none yet). */
  lastId: number;
}

export const BEGINNING_OF_TIME: ChangeCursor = { writeDate: '1970-01-01 00:00:00', lastId: 0 };

export interface ChangePage<T> {
  records: T[];
  /** Where the next read continues once these records are processed; never behind the starting cursor. */
  cursor: ChangeCursor;
}

/** What the change reader needs from a client (an OdooClient fits). */
export interface ChangeSource {
  searchRead<T extends OdooRecord>(model: string, domain: OdooDomain, options: { fields?: string[]; limit?: number; order?: string; context?: OdooContext }): Promise<T[]>;
}

export interface ReadChangesOptions {
  cursor: ChangeCursor;
  /**
   * Re-read this many seconds before the cursor: records of a transaction that committed after a
   * later one still carry its (earlier) start time. Re-read records must be de-duplicated by the caller.
   */
  overlapSeconds?: number;
  /** Extra filter, e.g. `[['customer_rank', '>', 0]]`. */
  domain?: OdooDomain;
  /** Fields to read; `write_date` is always added. */
  fields: string[];
  pageSize?: number;
  context?: OdooContext;
}

type Changed = OdooRecord & { write_date: string };

export async function* readChangesSince<T extends OdooRecord>(source: ChangeSource, model: string, options: ReadChangesOptions): AsyncGenerator<ChangePage<T & { write_date: string }>> {
  const pageSize = options.pageSize ?? 500;
  const fields = options.fields.includes('write_date') ? options.fields : [...options.fields, 'write_date'];
  const domain = options.domain ?? [];
  const context = { active_test: false, ...options.context };
  const floor = options.cursor;
  const overlap = options.overlapSeconds ?? 0;
  let position: ChangeCursor = overlap > 0 ? { writeDate: addSeconds(floor.writeDate, -overlap), lastId: 0 } : floor;

  const read = (where: OdooDomain, order: string) =>
    source.searchRead<Changed>(model, [...domain, ...where], { fields, limit: pageSize, order, context });

  for (;;) {
    // The rest of second `position.writeDate`, by id.
    const second = position.writeDate;
    const next = addSeconds(second, 1);
    for (;;) {
      const page = await read([['write_date', '>=', second], ['write_date', '<', next], ['id', '>', position.lastId]], 'id asc');
      if (page.length === 0) break;
      position = { writeDate: second, lastId: page[page.length - 1].id };
      yield { records: page as Array<T & { write_date: string }>, cursor: atLeast(position, floor) };
      if (page.length < pageSize) break;
    }

    // Later seconds, in write_date order.
    const page = await read([['write_date', '>=', next]], 'write_date asc, id asc');
    if (page.length === 0) return;
    if (page.length < pageSize) {
      // Everything changed so far: the last second is complete too.
      const lastSecond = secondOf(page[page.length - 1].write_date);
      const lastId = Math.max(...page.filter((record) => secondOf(record.write_date) === lastSecond).map((record) => record.id));
      yield { records: page as Array<T & { write_date: string }>, cursor: atLeast({ writeDate: lastSecond, lastId }, floor) };
      return;
    }
    // A full page: records before its last second are complete; that second is read by id next.
    const lastSecond = secondOf(page[page.length - 1].write_date);
    const complete = page.filter((record) => secondOf(record.write_date) < lastSecond);
    position = { writeDate: lastSecond, lastId: 0 };
    if (complete.length > 0) yield { records: complete as Array<T & { write_date: string }>, cursor: atLeast(position, floor) };
  }
}

/** The second a write_date falls in (Odoo text; webhooks may carry microseconds, RPC does not). */
export function secondOf(writeDate: string): string {
  return writeDate.slice(0, 19).replace('T', ' ');
}

/** Odoo datetime text (UTC) to a Date, keeping microseconds down to milliseconds when present. */
export function parseOdooDatetime(value: string): Date {
  const [date, time = '00:00:00'] = value.replace('T', ' ').split(' ');
  return new Date(`${date}T${time.replace(/(\.\d{3})\d*$/, '$1')}Z`);
}

export function addSeconds(writeDate: string, seconds: number): string {
  const moved = new Date(parseOdooDatetime(secondOf(writeDate)).getTime() + seconds * 1000);
  return moved.toISOString().slice(0, 19).replace('T', ' ');
}

export function compareCursors(a: ChangeCursor, b: ChangeCursor): number {
  if (a.writeDate !== b.writeDate) return a.writeDate < b.writeDate ? -1 : 1;
  return a.lastId - b.lastId;
}

function atLeast(cursor: ChangeCursor, floor: ChangeCursor): ChangeCursor {
  return compareCursors(cursor, floor) >= 0 ? cursor : floor;
}
