// What the audit log, security events and blocked IPs pages share: the page size and time window
// read from the URL (so a reload or a shared link shows the same list), the datetime-local inputs
// that edit the window, and JSON details shown as text.

/** Every list's page size bound (CONTRACT.md "Bots": `?limit=` 1–100). */
const MAX_PAGE_SIZE = 100;

/** `?limit=` when it is a page size the API takes, else undefined (the API's default, 50). */
export function pageSize(query: URLSearchParams): number | undefined {
  const value = Number(query.get('limit'));
  return Number.isInteger(value) && value >= 1 && value <= MAX_PAGE_SIZE ? value : undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a datetime-local value (the reader's local time, to the minute). */
export function toLocalInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * A datetime-local value (local time, no zone) as the RFC 3339 instant the API takes, or null when
 * it is no date; '' stays undefined (no bound).
 */
export function fromLocalInput(value: string): string | undefined | null {
  if (value.trim() === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The query value, or undefined when absent or empty (no filter). */
export function param(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

/**
 * An object's JSON as text in a <pre>: untrusted content is never HTML. It wraps (styles.css
 * `pre`) rather than scrolling, so nothing needs focus to be read by keyboard.
 */
export function JsonText(props: { value: unknown }) {
  return <pre>{JSON.stringify(props.value, null, 2)}</pre>;
}
