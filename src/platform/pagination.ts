// Cursor pagination as every list of the contract does it (CONTRACT.md "Bots"): `?limit=` 1–100,
// default 50, an opaque `?cursor=`, and `{"items": [...], "next_cursor": "..." | null}`. Pages are
// keyset pages: the cursor names the last row of the previous page, so a row inserted or deleted
// meanwhile neither repeats nor skips another (unlike OFFSET), and every page costs the same.
//
// A cursor is base64url of `<listing>.<position fields>`. Each listing declares its cursor once,
// under a name no other listing has (checked at start-up), so a cursor of one listing presented to
// another is refused like any cursor this service did not issue: a 422 on `cursor`, never another
// listing's page. Cursors reach SQL, so every field is checked before (issue 14, item 3: a
// timestamp PostgreSQL refused was a 500), and only the one spelling this module writes is read.
// A cursor holds the position and nothing else a tenant may not see (issue 14, item 11): a
// timestamp and id of the tenant's own row, a per-tenant audit seq, a random security-event id.
//
// One timestamp form: microseconds since the epoch, as a decimal integer. It is what PostgreSQL
// stores (timestamptz is an int64 of microseconds), so it round-trips exactly, and every integer in
// range is an instant: the strict check is one range check, not a calendar. The alternatives lose
// or depend on more: a JS Date keeps milliseconds (rows created in one millisecond were skipped);
// float epoch seconds (to_timestamp, extract as float8) keep ~15 digits; PostgreSQL's text form
// round-trips but is a second grammar to validate (month 13, 24:00, leap seconds, offsets past
// ±15:59) and is read under the session's DateStyle and TimeZone; a bigint column comes back from
// node-postgres as a double and from PGlite as a number or a BigInt. So the value is computed from
// the row's timestamp text with BigInt arithmetic (epochMicrosExact) and rebuilt in SQL as whole
// seconds plus microseconds: `timestamptz 'epoch' + n * interval '1 microsecond'` multiplies by a
// double and is off by up to 32 µs outside years 1685–2255, while 10^6 × seconds is exact for every
// year 0001–9999 (test/platform/pagination.test.ts checks both shapes at those edges).
import { Type } from 'typebox';
import { epochMicrosExact, isTimestampText, isUuid } from './db/index.ts';
import { ValidationFailed } from './errors.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** The query fields of every listing; a listing with filters spreads them into its own object. */
export const pageQueryFields = {
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** The query string of a listing without filters. */
export const ListQuery = Type.Object(pageQueryFields);

/** `next_cursor` of a page body: null on the last page. */
export const NextCursor = Type.Union([Type.String(), Type.Null()]);

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A position in (created_at, id) order: created_at in microseconds since the epoch. */
export interface Keyset {
  createdUs: bigint;
  id: string;
}

/**
 * A position in (instant, text key) order, for a table keyed by text instead of a uuid (IP blocks:
 * blocked_at and the address): the instant in microseconds since the epoch.
 */
export interface TextKeyset {
  atUs: bigint;
  key: string;
}

/** A listing's cursor: writes its positions, and reads back only what it wrote. */
export interface Cursor<P> {
  readonly listing: string;
  encode(position: P): string;
  /** The position `cursor` names, undefined without one; anything else is a 422 on `cursor`. */
  decode(cursor: string | undefined): P | undefined;
}

/** What the old modules issued before issue 15 (read for one release, see pagination-legacy.ts). */
export type LegacyReader<P> = (cursor: string) => P | undefined;

interface Fields<P> {
  write(position: P): string[];
  read(fields: readonly string[]): P | undefined;
}

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: what both a timestamptz and the text
// PostgreSQL writes for it (four-digit years, no BC) hold.
export const EARLIEST_MICROS = -62_135_596_800_000_000n;
export const LATEST_MICROS = 253_402_300_799_999_999n;

const MICROS = /^(0|-?[1-9]\d{0,17})$/;
const SEQUENCE = /^[1-9]\d{0,15}$/;
const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,256}$/;
const LISTING = /^[a-z]+(-[a-z]+)*$/;

/** Microseconds in range, in their one spelling (no sign on 0, no leading zeros). */
export function micros(text: string): bigint | undefined {
  if (!MICROS.test(text)) return undefined;
  const value = BigInt(text);
  return value >= EARLIEST_MICROS && value <= LATEST_MICROS ? value : undefined;
}

const keysetFields: Fields<Keyset> = {
  write: (position) => [String(position.createdUs), position.id],
  read: ([us = '', id = '']) => {
    const createdUs = micros(us);
    return createdUs !== undefined && LOWER_UUID.test(id) ? { createdUs, id } : undefined;
  },
};

const sequenceFields: Fields<number> = {
  write: (seq) => [String(seq)],
  read: ([text = '']) =>
    SEQUENCE.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined,
};

const idFields: Fields<string> = {
  write: (id) => [id],
  read: ([id = '']) => (LOWER_UUID.test(id) ? id : undefined),
};

/** The key may itself hold dots (an IPv4 address): every field after the instant is the key. */
const textKeysetFields = (isKey: (key: string) => boolean): Fields<TextKeyset> => ({
  write: (position) => [String(position.atUs), position.key],
  read: ([us = '', ...parts]) => {
    const atUs = micros(us);
    const key = parts.join('.');
    return atUs !== undefined && isKey(key) ? { atUs, key } : undefined;
  },
});

/** The text a cursor carries, when it is base64url in its one spelling (and valid UTF-8). */
export function cursorText(cursor: string): string | undefined {
  if (!BASE64URL.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return Buffer.from(text, 'utf8').toString('base64url') === cursor ? text : undefined;
}

const invalidCursor = () =>
  new ValidationFailed([{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }]);

const listings = new Set<string>();

function defineCursor<P>(listing: string, fields: Fields<P>, legacy?: LegacyReader<P>): Cursor<P> {
  if (!LISTING.test(listing) || listings.has(listing)) {
    throw new Error(`pagination: listing name ${listing} is not a new lower-case word`);
  }
  listings.add(listing);
  const encode = (position: P) =>
    Buffer.from([listing, ...fields.write(position)].join('.'), 'utf8').toString('base64url');
  return {
    listing,
    encode,
    decode(cursor) {
      if (cursor === undefined) return undefined;
      const [name, ...rest] = (cursorText(cursor) ?? '').split('.');
      const position = name === listing ? fields.read(rest) : undefined;
      // The re-encoding must give the cursor back: no second spelling of a position is read.
      if (position !== undefined && encode(position) === cursor) return position;
      const old = legacy?.(cursor);
      if (old !== undefined) return old;
      throw invalidCursor();
    },
  };
}

/** A listing in (created_at, id) order. */
export const keysetCursor = (listing: string, legacy?: LegacyReader<Keyset>): Cursor<Keyset> =>
  defineCursor(listing, keysetFields, legacy);

/** A listing positioned by a positive integer (a per-tenant sequence). */
export const sequenceCursor = (listing: string, legacy?: LegacyReader<number>): Cursor<number> =>
  defineCursor(listing, sequenceFields, legacy);

/** A listing positioned by a row's public uuid. */
export const idCursor = (listing: string, legacy?: LegacyReader<string>): Cursor<string> =>
  defineCursor(listing, idFields, legacy);

/** A listing in (instant, text key) order; a cursor carries only keys `isKey` accepts. */
export const textKeysetCursor = (listing: string, isKey: (key: string) => boolean): Cursor<TextKeyset> =>
  defineCursor(listing, textKeysetFields(isKey));

/** The text keyset position of a row: its instant as PostgreSQL's text, and its key. */
export function textKeysetOf(instantText: string, key: string): TextKeyset {
  return { atUs: epochMicrosExact(instantText), key };
}

/** The keyset position of a row: its id and its created_at as PostgreSQL's text. */
export function keysetOf(createdAtText: string, id: string): Keyset {
  return { createdUs: epochMicrosExact(createdAtText), id };
}

/** A keyset position from PostgreSQL text a client sent (legacy cursors), checked field by field. */
export function keysetFromText(text: string, id: string): Keyset | undefined {
  if (!isTimestampText(text) || !isUuid(id)) return undefined;
  const createdUs = epochMicrosExact(text);
  return createdUs >= EARLIEST_MICROS && createdUs <= LATEST_MICROS ? { createdUs, id } : undefined;
}

/**
 * Rows fetched with `limit + 1`: the extra row only says that another page exists. The cursor
 * names the page's last row.
 */
export function toPage<Row, Item, P>(
  rows: readonly Row[],
  limit: number,
  cursor: Cursor<P>,
  positionOf: (row: Row) => P,
  toItem: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    next_cursor: rows.length > limit && last !== undefined ? cursor.encode(positionOf(last)) : null,
  };
}

/**
 * SQL fragments for a keyset page over `table` (which has `created_at` and `id`): the condition
 * for the rows after a position (parameters `$first` = keysetParams), and the order. They live
 * here, beside the timestamp form they rebuild. Columns are qualified with the table: a select list
 * may carry an output column named `created_at` (its text), which an unqualified ORDER BY would
 * sort by instead.
 */
export function keysetSql(
  table: string,
  first: number,
  direction: 'ascending' | 'descending' = 'ascending',
): { after: string; order: string } {
  return orderSql(`${table}.created_at`, `${table}.id`, 'uuid', first, direction);
}

/** keysetSql for a TextKeyset listing: `instant` and `key` are qualified column names. */
export function textKeysetSql(
  columns: { instant: string; key: string },
  first: number,
  direction: 'ascending' | 'descending' = 'ascending',
): { after: string; order: string } {
  return orderSql(columns.instant, columns.key, 'text', first, direction);
}

function orderSql(
  instantColumn: string,
  keyColumn: string,
  keyType: 'uuid' | 'text',
  first: number,
  direction: 'ascending' | 'descending',
): { after: string; order: string } {
  const us = `$${first}::bigint`;
  const instant = `(timestamptz 'epoch' + (${us} / 1000000) * interval '1 second' + (${us} % 1000000) * interval '1 microsecond')`;
  const [compare, order] = direction === 'ascending' ? ['>', ''] : ['<', ' DESC'];
  return {
    after: `(${instantColumn}, ${keyColumn}) ${compare} (${instant}, $${first + 1}::${keyType})`,
    order: `ORDER BY ${instantColumn}${order}, ${keyColumn}${order}`,
  };
}

/** The parameters of keysetSql's condition: microseconds as decimal text (exact), then the id. */
export function keysetParams(position: Keyset): [string, string] {
  return [String(position.createdUs), position.id];
}

/** The parameters of textKeysetSql's condition. */
export function textKeysetParams(position: TextKeyset): [string, string] {
  return [String(position.atUs), position.key];
}
