// timestamptz values read as PostgreSQL's own text (`2026-11-28 05:31:19.399123+00`) instead of
// JS Dates: on a list endpoint, building a Date per value (a regular expression each) and then
// formatting it again was a tenth of the request's CPU. Request transactions run in UTC (the scope
// sets TimeZone per transaction; PGlite's default), so the common case is a few slices; any other offset takes the exact path.
import { isCalendarDate } from '../instants.ts';

/** `column` as PostgreSQL's text, under the same name (read it with the functions below). */
export function timestampTextSql(column: string): string {
  return `${column}::text AS ${column}`;
}

const PLAIN =
  /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-]\d\d)(?::(\d\d))?(?::(\d\d))?$/;

// PostgreSQL's limit on a time zone displacement in timestamptz input (±15:59:59).
const MAX_OFFSET_HOURS = 15;

/**
 * Whether `text`, in the form above, is a timestamptz PostgreSQL takes: a calendar day of years
 * 0001–9999, a time of day without a leap second or 24:00, an offset within ±15:59:59. A text form
 * that comes back from a client (a cursor) must pass this before it reaches SQL: the pattern alone
 * let `2024-13-45 99:99:99+00` through to a 22008 error.
 */
export function isTimestampText(text: string): boolean {
  const match = PLAIN.exec(text);
  if (match === null) return false;
  const [year, month, day, hour, minute, second, , offH, offM = '0', offS = '0'] = match.slice(1);
  return (
    isCalendarDate(Number(year), Number(month), Number(day)) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Math.abs(Number(offH)) <= MAX_OFFSET_HOURS &&
    Number(offM) <= 59 &&
    Number(offS) <= 59
  );
}

/**
 * Microseconds since the epoch as a double: exact within ±2^53 µs (years 1685 to 2255), which is
 * all that isoTimestamp needs; a cursor position uses epochMicrosExact.
 */
export function epochMicros(text: string): number {
  const match = PLAIN.exec(text);
  if (match === null) throw new RangeError(`unsupported timestamp: ${text}`);
  const [, year, month, day, hour, minute, second, fraction = '', offH, offM = '0', offS = '0'] = match;
  const sign = (offH as string).startsWith('-') ? -1 : 1;
  const offsetSeconds = sign * (Math.abs(Number(offH)) * 3600 + Number(offM) * 60 + Number(offS));
  const utcMs =
    Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) -
    offsetSeconds * 1000;
  return utcMs * 1000 + Number(fraction.padEnd(6, '0'));
}

/**
 * Microseconds since the epoch as a bigint, exact for every year 0001 to 9999 (Date.UTC would
 * read years 0–99 as 19xx, and a double rounds past ±2^53 µs).
 */
export function epochMicrosExact(text: string): bigint {
  const match = PLAIN.exec(text);
  if (match === null) throw new RangeError(`unsupported timestamp: ${text}`);
  const [, year, month, day, hour, minute, second, fraction = '', offH, offM = '0', offS = '0'] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  const sign = (offH as string).startsWith('-') ? -1 : 1;
  const offsetSeconds = sign * (Math.abs(Number(offH)) * 3600 + Number(offM) * 60 + Number(offS));
  return BigInt(date.getTime() - offsetSeconds * 1000) * 1000n + BigInt(fraction.padEnd(6, '0'));
}

/**
 * ISO 8601 in UTC with milliseconds (`2026-11-28T05:31:19.399Z`), the form Date#toISOString
 * writes; microseconds are truncated as a Date would.
 */
export function isoTimestamp(text: string): string {
  const end = text.length - 3;
  if (text.endsWith('+00') && end >= 19 && text.charCodeAt(10) === 32 && text.charCodeAt(4) === 45) {
    const fraction = end > 20 && text.charCodeAt(19) === 46 ? text.slice(20, Math.min(end, 23)) : '';
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction.padEnd(3, '0')}Z`;
  }
  return new Date(Math.floor(epochMicros(text) / 1000)).toISOString();
}

/** For nullable columns. */
export function isoTimestampOrNull(text: string | null): string | null {
  return text === null ? null : isoTimestamp(text);
}
