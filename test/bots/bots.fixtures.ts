// Shared helpers for the bot and subscription tests: requests as a given user, a valid bot, and a
// walk through every page of the bot list.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';

export const API = '/api/v1';

/** A public IP literal: storing it needs no DNS lookup, and no test ever connects to it. */
export const PUBLIC_URL = 'https://93.184.215.14/health';

export function validBot(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'Momentum', kind: 'internal', exchange: 'binance', strategy: 'momentum', ...overrides };
}

export interface Caller {
  get(path: string): Promise<LightMyRequestResponse>;
  post(path: string, payload?: unknown): Promise<LightMyRequestResponse>;
  put(path: string, payload: unknown): Promise<LightMyRequestResponse>;
  patch(path: string, payload: unknown): Promise<LightMyRequestResponse>;
  delete(path: string): Promise<LightMyRequestResponse>;
}

/** Requests under /api/v1 with `who`'s access token; every response is also kept in `seen`. */
export function as(t: TestApp, who: TestIdentity, seen: LightMyRequestResponse[] = []): Caller {
  const send = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    payload?: unknown,
  ) => {
    const response = await t.app.inject({
      method,
      url: `${API}${path}`,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    seen.push(response);
    return response;
  };
  return {
    get: (path) => send('GET', path),
    post: (path, payload) => send('POST', path, payload),
    put: (path, payload) => send('PUT', path, payload),
    patch: (path, payload) => send('PATCH', path, payload),
    delete: (path) => send('DELETE', path),
  };
}

/** Creates a bot through the API and returns its id (fails the test on anything but 201). */
export async function createBot(caller: Caller, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await caller.post('/bots', validBot(overrides));
  if (res.statusCode !== 201) throw new Error(`bot not created: ${res.statusCode} ${res.body}`);
  return res.json().id as string;
}

/**
 * The contract's 422 for a refused URL: one issue at `loc` whose msg says why. `type` is
 * `url_host_not_allowed` for a refused host, else `url_scheme`, `url_userinfo` or `url_parsing`.
 */
export function urlRefusal(msg: string, options: { loc?: string[]; type?: string } = {}) {
  const { loc = ['body', 'api_url'], type = 'url_host_not_allowed' } = options;
  return { detail: [{ loc, msg, type }], code: 'VALIDATION_FAILED' };
}

export interface BotPage {
  items: { id: string; name: string; kind: string; status: string }[];
  next_cursor: string | null;
}

/**
 * Every page of `GET /bots?<query>` with `limit` per page, following next_cursor until it is null
 * (each page 200 and no longer than the limit): the ids in the order listed, and how many pages.
 */
export async function walkBots(
  api: Caller,
  limit: number,
  query = '',
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await api.get(
      `/bots?limit=${limit}${query === '' ? '' : `&${query}`}${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    assert.equal(res.statusCode, 200, res.body);
    const page: BotPage = res.json();
    assert.ok(page.items.length <= limit);
    ids.push(...page.items.map((b) => b.id));
    cursor = page.next_cursor;
    pages++;
  } while (cursor !== null);
  return { ids, pages };
}
