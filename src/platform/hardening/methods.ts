// Request methods. The service implements GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS; any
// other method (TRACE, TRACK, CONNECT, WebDAV's PROPFIND, …) is 501 Not Implemented, "the
// appropriate response when the server does not recognize the request method and is not capable
// of supporting it for any resource" (RFC 9110 §15.6.2). TRACE in particular would echo
// credentials back (cross-site tracing). A known path asked with a method it does not have is 405
// with an Allow header (RFC 9110 §15.5.6), as FastAPI answers; a bare OPTIONS gets 204 and Allow.
import { AppError } from '../errors.ts';

export const IMPLEMENTED_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

export const notImplemented = (): AppError => new AppError(501, 'NOT_IMPLEMENTED', 'Method not implemented');

export const methodNotAllowed = (allow: string): AppError =>
  new AppError(405, 'METHOD_NOT_ALLOWED', 'Method Not Allowed', { allow });

interface RoutePattern {
  segments: readonly string[];
  /** The pattern ends in `*`: it matches any remainder. */
  wildcard: boolean;
  methods: Set<string>;
}

/**
 * The routes the app has, by URL pattern, to tell "no such path" (404) from "no such method on
 * this path" (405). Consulted only for requests that matched no route, so the hot path never
 * pays for it.
 */
export class RouteTable {
  readonly #patterns = new Map<string, RoutePattern>();

  add(url: string, method: string | readonly string[]): void {
    let pattern = this.#patterns.get(url);
    if (pattern === undefined) {
      const wildcard = url.endsWith('*');
      const segments = (wildcard ? url.slice(0, -1) : url).split('/');
      if (wildcard) segments.pop();
      pattern = { segments, wildcard, methods: new Set() };
      this.#patterns.set(url, pattern);
    }
    for (const m of typeof method === 'string' ? [method] : method) pattern.methods.add(m);
  }

  /** The methods some route offers for `path` (no query string), or null when no route matches it. */
  allowedMethods(path: string): string[] | null {
    const segments = path.split('/');
    const methods = new Set<string>();
    for (const pattern of this.#patterns.values()) {
      if (matches(pattern, segments)) for (const m of pattern.methods) methods.add(m);
    }
    if (methods.size === 0) return null;
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    return [...methods].filter((m) => IMPLEMENTED_METHODS.has(m)).sort();
  }
}

function matches(pattern: RoutePattern, segments: readonly string[]): boolean {
  const expected = pattern.segments;
  if (pattern.wildcard ? segments.length < expected.length : segments.length !== expected.length) {
    return false;
  }
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] as string;
    const got = segments[i] as string;
    if (want.startsWith(':') ? got.length === 0 : want !== got) return false;
  }
  return true;
}
