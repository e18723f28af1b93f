import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StateStore } from '../../src/platform/store/index.ts';
import { createMemoryStore } from '../../src/platform/store/memory.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('operations endpoints', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
  });
  after(() => t.close());

  test('GET /health says the process is alive', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('GET /ready reports both dependencies when they answer', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', checks: { database: 'ok', state_store: 'ok' } });
  });

  test('GET /openapi.json is an OpenAPI 3 document generated from the routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/health'] && doc.paths['/ready']);
  });

  test('the document marks exactly the operations that need a bearer token', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { security?: { bearerAuth?: unknown }[] }>>;
    };
    let checked = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      // /metrics documents its token but also answers loopback peers without one (as inject is).
      if (path === '/metrics') continue;
      for (const [method, operation] of Object.entries(operations)) {
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await t.app.inject({ method: method.toUpperCase() as 'GET', url });
        const documented = (operation.security ?? []).some((entry) => entry.bearerAuth !== undefined);
        assert.equal(
          documented,
          res.statusCode === 401,
          `${method.toUpperCase()} ${path} answered ${res.statusCode}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 25, `${checked} operations checked`);
  });

  test('GET /docs serves the interactive reference and / redirects to it', async () => {
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
    const root = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/docs');
  });
});

describe('readiness with a failing dependency', () => {
  test('GET /ready answers 503 naming the state store when it does not answer', async () => {
    const healthy = createMemoryStore();
    const failing: StateStore = {
      ...healthy,
      ping: async () => {
        throw new Error('connection refused');
      },
    };
    const t = await buildTestApp({}, { store: failing });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(res.statusCode, 503);
      const body = res.json();
      assert.equal(body.code, 'SERVICE_UNAVAILABLE');
      assert.match(body.detail, /state store/);
      assert.deepEqual(body.checks, { database: 'ok', state_store: 'unavailable' });
    } finally {
      await t.close();
      await healthy.close();
    }
  });

  test('GET /ready answers 503 naming the database when it does not answer', async () => {
    const t = await buildTestApp();
    const ping = t.db.ping;
    t.db.ping = async () => {
      throw new Error('down');
    };
    try {
      const res = await t.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(res.statusCode, 503);
      assert.match(res.json().detail, /database/);
    } finally {
      t.db.ping = ping;
      await t.close();
    }
  });
});
