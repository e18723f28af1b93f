// Cursor pagination as every list of the contract does it: `?limit=1..100` (default 50) and an
// opaque `?cursor=` that encodes the last item's position (sort key and id). The sort key is the
// database's own text form of the timestamp, so no precision is lost on the way through JavaScript;
// a key that comes back is checked to be a timestamp PostgreSQL takes (never a 22008 error, a 500).
import { isTimestampText, isUuid } from '../../platform/db/index.ts';
import { ValidationFailed } from '../../platform/errors.ts';

export interface Position {
  key: string;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.key, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor names; a 422 for anything that is not a cursor this service issued. */
export function decodeCursor(cursor: string | undefined): Position | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    isTimestampText(value[0]) &&
    isUuid(value[1])
  ) {
    return { key: value[0], id: value[1] };
  }
  throw new ValidationFailed([{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }]);
}

/** One page: fetch limit + 1 rows; the extra row only says that there is a next page. */
export function page<Row extends { cursor_key: string; id: string }, Item>(
  rows: Row[],
  limit: number,
  view: (row: Row) => Item,
): { items: Item[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(view),
    next_cursor:
      rows.length > limit && last !== undefined ? encodeCursor({ key: last.cursor_key, id: last.id }) : null,
  };
}
