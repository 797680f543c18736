import { pythonError } from './errors';

/** Datetimes are kept as UTC text with microseconds, "YYYY-MM-DD HH:MM:SS.ffffff", so text order = time order. */

let lastMicros = 0;

/** Current UTC time with microseconds, strictly increasing within the process. */
export function nowMicros(): string {
  const micros = Math.max(Date.now() * 1000 + Number(process.hrtime.bigint() % 1000n), lastMicros + 1);
  lastMicros = micros;
  return microsToText(micros);
}

export function microsToText(micros: number): string {
  const date = new Date(Math.floor(micros / 1000));
  const frac = String(micros % 1_000_000).padStart(6, '0');
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${frac}`;
}

export function textToMillis(text: string): number {
  return Date.parse(`${text.slice(0, 19).replace(' ', 'T')}Z`);
}

/** The wire form Odoo's marshaller writes: fraction truncated. */
export function datetimeToWire(value: string): string {
  return value.slice(0, 19);
}

/** Python's str(datetime): microseconds only when not zero (used by webhook payloads). */
export function datetimeToPythonStr(value: string): string {
  return value.endsWith('.000000') ? value.slice(0, 19) : value;
}

export function todayText(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Odoo's fields.Datetime.to_datetime: "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"; anything else is a ValueError. */
export function parseDatetimeInput(value: unknown): string | false {
  if (value === false || value === null || value === '') return false;
  if (typeof value !== 'string') throw pythonError('builtins.TypeError', `strptime() argument 1 must be str, not ${pyTypeName(value)}`);
  const text = value.length === 10 ? `${value} 00:00:00` : value;
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(text) || Number.isNaN(textToMillis(text))) {
    throw pythonError('builtins.ValueError', `time data '${value}' does not match format '%Y-%m-%d %H:%M:%S'`);
  }
  const [main, frac = ''] = text.split('.');
  return `${main}.${frac.padEnd(6, '0')}`;
}

export function parseDateInput(value: unknown): string | false {
  if (value === false || value === null || value === '') return false;
  if (typeof value !== 'string') throw pythonError('builtins.TypeError', `strptime() argument 1 must be str, not ${pyTypeName(value)}`);
  const text = value.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    throw pythonError('builtins.ValueError', `time data '${value}' does not match format '%Y-%m-%d'`);
  }
  return text;
}

export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** Python repr() of plain values, for error messages that quote them. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}
