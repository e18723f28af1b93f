// The JSON body parser: Fastify's own (secure-json-parse, refusing __proto__ and constructor
// poisoning), behind two cheap checks. A body may nest at most MAX_JSON_DEPTH levels, refused
// with 400 before anything walks it (schema validation and our own code recurse; OWASP ASVS
// 13.1.x resource limits), and it must be UTF-8, the only encoding JSON has (RFC 8259 §8.1).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { decodeUtf8 } from './utf8.ts';

/** No request schema of ours nests more than a few levels; 20 leaves room and stops abuse. */
export const MAX_JSON_DEPTH = 20;

export const jsonTooDeep = (): AppError =>
  new AppError(400, 'JSON_TOO_DEEP', `Request body nests deeper than ${MAX_JSON_DEPTH} levels`);

const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACE = 125;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;

/** Whether `text` opens more than `max` nested objects/arrays; one pass, strings skipped. */
export function nestsDeeperThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

const unsupportedCharset = (): AppError =>
  new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type');

/** `charset` parameter other than UTF-8 in a JSON content type. */
function foreignCharset(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const at = contentType.toLowerCase().indexOf('charset=');
  if (at === -1) return false;
  const value = contentType
    .slice(at + 8)
    .split(';')[0]
    ?.trim()
    .replace(/^"|"$/g, '')
    .toLowerCase();
  return value !== 'utf-8' && value !== 'utf8';
}

/**
 * Replaces the root JSON parser and drops text/plain, so a text body on a JSON route is a 415.
 * The body arrives as bytes and is decoded strictly (invalid UTF-8 is a 400, never U+FFFD). An
 * empty body is no body: clients that always send `Content-Type: application/json` (a logout, a
 * cookie refresh, a DELETE) are answered as if they had sent none, and a route that requires a
 * body refuses the missing one through its schema (422), as it does without a content type.
 */
export function installJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      if (foreignCharset(request.headers['content-type'])) return done(unsupportedCharset());
      if (body.length === 0) return done(null, undefined);
      let text: string;
      try {
        text = typeof body === 'string' ? body : decodeUtf8(body);
      } catch (error) {
        return done(error as Error);
      }
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return done(jsonTooDeep());
      // Fastify's parser type allows a promise, but called with `done` it answers through the
      // callback, errors included, and returns nothing to wait for.
      void secureParse(request, text, done);
    },
  );
}
