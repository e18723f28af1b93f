// The password policy is readable before a client trips over it (issue 16): /openapi.json states
// it on every field that sets a new password, including which characters count as special.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: {
          content: Record<string, { schema: { properties: Record<string, { description?: string }> } }>;
        };
      }
    >
  >;
};

describe('the password policy in the OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
  });
  after(() => t.close());

  const property = (path: string, method: string, field: string) => {
    const found =
      doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema.properties[field];
    assert.ok(found, `${method} ${path} has no JSON body field ${field}`);
    return found;
  };
  const description = (path: string, method: string, field: string) =>
    property(path, method, field).description;

  for (const [path, method, field] of [
    ['/api/v1/auth/register', 'post', 'password'],
    ['/api/v1/users', 'post', 'password'],
    ['/api/v1/users/me/password', 'post', 'new_password'],
  ] as const) {
    test(`${method.toUpperCase()} ${path} documents every rule of the policy at ${field}`, () => {
      const text = description(path, method, field) ?? '';
      assert.match(text, /at least 8 characters/);
      assert.match(text, /at most 72 bytes/);
      assert.match(text, /uppercase letter/);
      assert.match(text, /lowercase letter/);
      assert.match(text, /a digit/);
      assert.ok(text.includes('!@#$%^&*(),.?":{}|<>'), text);
      assert.match(text, /common/);
    });
  }

  test('fields that check an existing password do not claim the policy (login, the current password)', () => {
    assert.equal(description('/api/v1/auth/token', 'post', 'password'), undefined);
    assert.equal(description('/api/v1/users/me/password', 'post', 'current_password'), undefined);
  });
});
