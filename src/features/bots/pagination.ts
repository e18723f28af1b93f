// Keyset ("cursor") pagination shared by the tenant's list endpoints: rows in a stable order of
// (created_at, id), the cursor naming the last row of the previous page. Unlike OFFSET, a row
// inserted or deleted meanwhile neither repeats nor skips another, and every page costs the same.
// The cursor is opaque to clients (base64url); its content is checked strictly, since it reaches SQL.
import { Type } from 'typebox';
import { epochMicros } from '../../platform/db/index.ts';
import { ValidationFailed } from '../../platform/errors.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

/**
 * A position in (created_at, id) order. `createdUs` is microseconds since the epoch as decimal text:
 * a JS Date keeps milliseconds only, and rows created in the same millisecond must not be skipped.
 */
export interface Position {
  createdUs: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const CURSOR = /^v1\.(\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeCursor(position: Position): string {
  return Buffer.from(`v1.${position.createdUs}.${position.id.toLowerCase()}`, 'utf8').toString('base64url');
}

/** The position a cursor names; a cursor this service did not issue is a 422, never a 500. */
export function decodeCursor(cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = CURSOR.exec(text);
  // Re-encoding must give the same string: no second spelling of one cursor is accepted.
  if (match === null || Buffer.from(text, 'utf8').toString('base64url') !== cursor) {
    throw new ValidationFailed([{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }]);
  }
  return { createdUs: match[1] as string, id: match[2] as string };
}

/** A listed row: its id and its `created_at` as PostgreSQL's text (timestampTextSql). */
export interface PagedRow {
  id: string;
  created_at: string;
}

/**
 * Rows fetched with `limit + 1`: the extra row only says that another page exists. The cursor
 * names the page's last row, to the microsecond.
 */
export function toPage<Row extends PagedRow, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    next_cursor:
      rows.length > limit && last !== undefined
        ? encodeCursor({ createdUs: String(epochMicros(last.created_at)), id: last.id })
        : null,
  };
}

/**
 * SQL fragments for a keyset page over `table` (which has `created_at` and `id`): the condition
 * for the rows after a position (parameters `$first`, `$first + 1`), and the order. Columns are
 * qualified with the table: the select list carries an output column named `created_at` (its
 * text), which an unqualified ORDER BY would sort by instead.
 */
export function keysetSql(table: string, first: number): { after: string; order: string } {
  const created = `${table}.created_at`;
  return {
    // Microsecond-exact rebuild of the timestamp (interval arithmetic on whole microseconds).
    after: `(${created}, ${table}.id) > (timestamptz 'epoch' + $${first}::bigint * interval '1 microsecond', $${first + 1}::uuid)`,
    order: `ORDER BY ${created}, ${table}.id`,
  };
}
