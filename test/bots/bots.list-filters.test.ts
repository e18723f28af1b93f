// GET /bots narrowed by `q` (a part of the name, ignoring case, every character literal), `kind` and
// `status`, all of which must hold; the keyset cursor still pages through the narrowed list.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { BotPage, Caller } from './bots.fixtures.ts';
import { as, createBot, PUBLIC_URL, walkBots } from './bots.fixtures.ts';

interface Seed {
  name: string;
  kind?: 'internal' | 'external';
  status?: 'running' | 'paused' | 'error';
}

// Only `a_b` holds an underscore, only `50% off` a percent sign, only `back\slash` a backslash:
// a pattern that let them act as wildcards would list more than these.
const SEEDS: Seed[] = [
  { name: 'Alpha grid' },
  { name: 'ALPHA momentum', kind: 'external', status: 'running' },
  { name: 'beta alpha', status: 'paused' },
  { name: 'a_b' },
  { name: 'axb', status: 'running' },
  { name: '50% off', kind: 'external' },
  { name: '50 off' },
  { name: 'back\\slash', status: 'error' },
  { name: 'backslash' },
];

describe('bots list filters', () => {
  let t: TestApp;
  let api: Caller;
  const ids = new Map<string, string>();

  /** The ids of the named seeds, in creation order (the list's order). */
  const idsOf = (...names: string[]): string[] => names.map((name) => ids.get(name) as string);

  /** Every bot the filtered list shows, in order, walking pages of `limit`. */
  const listed = async (query: string, limit = 100): Promise<string[]> =>
    (await walkBots(api, limit, query)).ids;

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    api = as(t, await createTenantUser(t, { roles: ['user'] }));
    for (const seed of SEEDS) {
      const external = seed.kind === 'external' ? { kind: 'external', api_url: PUBLIC_URL } : {};
      const id = await createBot(api, { name: seed.name, ...external });
      if (seed.status !== undefined) {
        assert.equal((await api.patch(`/bots/${id}`, { status: seed.status })).statusCode, 200);
      }
      ids.set(seed.name, id);
    }
  });
  after(() => t.close());

  test('q lists the bots whose name contains it, ignoring case, oldest first', async () => {
    const alphas = idsOf('Alpha grid', 'ALPHA momentum', 'beta alpha');
    assert.deepEqual(await listed('q=alpha'), alphas);
    assert.deepEqual(await listed('q=aLpHa'), alphas);
    assert.deepEqual(await listed('q=PHA%20MO'), idsOf('ALPHA momentum'));
    assert.deepEqual(await listed(`q=${encodeURIComponent('50% off')}`), idsOf('50% off'));
  });

  test('_ in q matches an underscore only, never any one character', async () => {
    assert.deepEqual(await listed('q=_'), idsOf('a_b'));
    assert.deepEqual(await listed('q=a_b'), idsOf('a_b'));
  });

  test('% in q matches a percent sign only, never any run of characters', async () => {
    assert.deepEqual(await listed('q=%25'), idsOf('50% off'));
    assert.deepEqual(await listed('q=0%25%20'), idsOf('50% off'));
  });

  test('a backslash in q matches a backslash only, never escaping what follows', async () => {
    assert.deepEqual(await listed(`q=${encodeURIComponent('\\')}`), idsOf('back\\slash'));
    assert.deepEqual(await listed(`q=${encodeURIComponent('k\\s')}`), idsOf('back\\slash'));
    // `\%` is a backslash then a percent sign, which no name holds: not an escaped `%`.
    assert.deepEqual(await listed(`q=${encodeURIComponent('\\%')}`), []);
  });

  test('a q no name contains gives an empty last page', async () => {
    const res = await api.get('/bots?q=nothing%20like%20it');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { items: [], next_cursor: null });
  });

  test('kind and status each list only the bots with that value', async () => {
    assert.deepEqual(await listed('kind=external'), idsOf('ALPHA momentum', '50% off'));
    assert.equal((await listed('kind=internal')).length, SEEDS.length - 2);
    assert.deepEqual(await listed('status=running'), idsOf('ALPHA momentum', 'axb'));
    assert.deepEqual(await listed('status=paused'), idsOf('beta alpha'));
    assert.deepEqual(await listed('status=error'), idsOf('back\\slash'));
    const page: BotPage = (await api.get('/bots?status=stopped')).json();
    assert.ok(page.items.length > 0 && page.items.every((bot) => bot.status === 'stopped'));
  });

  test('filters together list only the bots that satisfy every one', async () => {
    assert.deepEqual(await listed('q=alpha&kind=internal'), idsOf('Alpha grid', 'beta alpha'));
    assert.deepEqual(await listed('q=alpha&status=running'), idsOf('ALPHA momentum'));
    assert.deepEqual(await listed('q=alpha&kind=internal&status=paused'), idsOf('beta alpha'));
    assert.deepEqual(await listed('q=alpha&kind=external&status=paused'), []);
    assert.deepEqual(await listed('kind=external&status=running'), idsOf('ALPHA momentum'));
  });

  test('filtered pages reach every match once, in order, and end with next_cursor null', async () => {
    // 6 internal bots hold an "a": pages of 2, 2 and 2, the last without a cursor; in pages of 4,
    // a full page and then the other 2.
    const expected = idsOf('Alpha grid', 'beta alpha', 'a_b', 'axb', 'back\\slash', 'backslash');
    const byTwo = await walkBots(api, 2, 'q=A&kind=internal');
    assert.deepEqual(byTwo.ids, expected);
    assert.equal(byTwo.pages, 3);
    const byFour = await walkBots(api, 4, 'q=A&kind=internal');
    assert.deepEqual(byFour.ids, expected);
    assert.equal(byFour.pages, 2);
    // Exactly 2 names hold "50": one full page of 2 is the last, with no cursor to an empty one.
    const exact = await api.get('/bots?limit=2&q=50');
    assert.deepEqual(exact.json(), {
      items: (await api.get('/bots?q=50')).json().items,
      next_cursor: null,
    });
    const byOne = await walkBots(api, 1, 'status=running');
    assert.deepEqual(byOne.ids, idsOf('ALPHA momentum', 'axb'));
    assert.equal(byOne.pages, 2);
  });

  test('a cursor is a position in the list, so under other filters it continues after that bot', async () => {
    const first: BotPage = (await api.get('/bots?kind=external&limit=1')).json();
    assert.deepEqual(
      first.items.map((bot) => bot.id),
      idsOf('ALPHA momentum'),
    );
    const rest = await api.get(`/bots?cursor=${first.next_cursor}&q=alpha`);
    assert.equal(rest.statusCode, 200);
    assert.deepEqual(
      (rest.json() as BotPage).items.map((bot) => bot.id),
      idsOf('beta alpha'),
    );
  });

  test('a bad filter value is a 422 naming the parameter', async () => {
    const cases: [string, string, string][] = [
      ['q=', 'q', 'string_too_short'],
      [`q=${'x'.repeat(101)}`, 'q', 'string_too_long'],
      ['q=a%07b', 'q', 'string_invisible_characters'],
      ['q=a%00b', 'q', 'string_nul'],
      ['kind=robot', 'kind', 'enum'],
      ['kind=INTERNAL', 'kind', 'enum'],
      ['status=done', 'status', 'enum'],
      ['status=running&status=paused', 'status', 'enum'],
    ];
    for (const [query, field, type] of cases) {
      const res = await api.get(`/bots?${query}`);
      assert.equal(res.statusCode, 422, query);
      const body = res.json();
      assert.equal(body.code, 'VALIDATION_FAILED', query);
      assert.deepEqual(body.detail[0].loc, ['query', field], query);
      assert.equal(body.detail[0].type, type, query);
    }
  });

  test('an unknown query parameter is a 422, not a silently unfiltered list', async () => {
    for (const query of ['name=alpha', 'search=alpha', 'Q=alpha', 'q=alpha&sort=name']) {
      const res = await api.get(`/bots?${query}`);
      assert.equal(res.statusCode, 422, query);
      assert.equal(res.json().detail[0].type, 'extra_forbidden', query);
    }
  });
});
