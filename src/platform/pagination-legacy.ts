// The cursors the three pagination modules issued before issue 15, read for one release so that a
// client walking a listing across the upgrade (or across instances of a rolling deploy) is not
// refused halfway: CONTRACT.md gives a cursor no lifetime. Each reader keeps the old checks
// exactly (no field reaches SQL unchecked; anything else is still the 422 on `cursor`), and maps
// the old position to the new one. The old formats were shared between listings (bots and
// subscriptions, users and sessions, both security-event listings), so an old cursor is read where
// its format was read before; only new cursors are bound to their listing.
// Delete this file, and the readers' uses, in the release after issue 15.
import { isUuid } from './db/index.ts';
import type { Keyset, LegacyReader } from './pagination.ts';
import { cursorText, keysetFromText } from './pagination.ts';

const UUID_LOWER = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const MICROS_KEYSET = new RegExp(`^v1\\.(\\d{1,18})\\.(${UUID_LOWER})$`);

/** Bots and subscriptions: `v1.<microseconds>.<uuid>`. */
export const legacyMicrosKeyset: LegacyReader<Keyset> = (cursor) => {
  const match = MICROS_KEYSET.exec(cursorText(cursor) ?? '');
  // As before, any 18 digits are a position (one past year 9999 names the end of the list):
  // keysetSql rebuilds up to year 33658 without an error, and PostgreSQL's range ends at 294276.
  return match === null ? undefined : { createdUs: BigInt(match[1] as string), id: match[2] as string };
};

/** Users and sessions: JSON `["<timestamptz text>", "<uuid>"]`. */
export const legacyTextKeyset: LegacyReader<Keyset> = (cursor) => {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [key, id] = value as unknown[];
  return typeof key === 'string' && typeof id === 'string' ? keysetFromText(key, id) : undefined;
};

/** The audit log: `v1.a.<seq>`. */
export const legacyAuditSequence: LegacyReader<number> = (cursor) => {
  const text = cursorText(cursor) ?? '';
  const rest = text.startsWith('v1.a.') ? text.slice(5) : '';
  return /^[1-9]\d{0,15}$/.test(rest) && String(Number(rest)) === rest ? Number(rest) : undefined;
};

/** Security events: `v2.e.<public id>`. */
export const legacyEventId: LegacyReader<string> = (cursor) => {
  const text = cursorText(cursor) ?? '';
  const rest = text.startsWith('v2.e.') ? text.slice(5) : '';
  return isUuid(rest) ? rest : undefined;
};
