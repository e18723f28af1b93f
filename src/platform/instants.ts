// Instants a client sends (`since`, `until`, any `format: date-time`): RFC 3339 §5.6 `date-time`,
// read here once, by hand, so that the schema's check and the value the code uses are the same
// decision. ajv-formats' `date-time` let through values that neither a JS Date nor PostgreSQL can
// hold (a leap second makes an Invalid Date, year 0000 and 9999 with a negative offset leave
// timestamptz's text range), and `new Date(text)` then threw or reached SQL: 500s. The accepted
// range is what both hold: years 0001 to 9999, in UTC once the offset is applied.
//
// Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with `t` and `z` in either case (RFC 3339
// §5.6 NOTE). Refused: a leap second (:60; neither a Date nor our timestamps can represent it, and
// silently moving it would answer another question), a space instead of `T`, an offset without its
// colon, and anything out of range. Fractions are kept to the millisecond, as listings show them.

export const DATE_TIME_RULE =
  'Input should be a valid date-time: RFC 3339 with a time zone (e.g. 2026-01-31T12:00:00Z), ' +
  'years 0001 to 9999 in UTC, no leap second';

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:[Zz]|([+-])(\d\d):(\d\d))$/;

/** Milliseconds since the epoch of a proleptic Gregorian UTC time (Date.UTC maps years 0–99 to 19xx). */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

const EARLIEST = utcMillis(1, 1, 1, 0, 0, 0);
const LATEST = utcMillis(9999, 12, 31, 23, 59, 59) + 999;

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether year-month-day is a day of the calendar (no 30 February, no year 0000). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  return day <= days;
}

/** The instant `text` names, or undefined when it is not an RFC 3339 date-time in range. */
export function parseInstant(text: string): Date | undefined {
  const match = DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const [, , , , , , , fraction = '', sign, offsetHour = '0', offsetMinute = '0'] = match;
  if (!isCalendarDate(year as number, month as number, day as number)) return undefined;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return undefined;
  if (Number(offsetHour) > 23 || Number(offsetMinute) > 59) return undefined;
  const local =
    utcMillis(
      year as number,
      month as number,
      day as number,
      hour as number,
      minute as number,
      second as number,
    ) + Number(fraction.slice(0, 3).padEnd(3, '0'));
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(offsetHour) * 60 + Number(offsetMinute)) * 60_000;
  const utc = local - offsetMs;
  return utc >= EARLIEST && utc <= LATEST ? new Date(utc) : undefined;
}

/** The `date-time` format of request schemas: exactly the values parseInstant accepts. */
export const isInstant = (text: string): boolean => parseInstant(text) !== undefined;
