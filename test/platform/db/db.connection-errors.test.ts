// Issue 16: a start-up failure to reach PostgreSQL says which variable's URL it was and what went
// wrong, in words, never with the URL's password. The process tests (startup.process.test.ts) see
// a refused port and an unknown database; here the errors a test cannot provoke on loopback.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { describeConnectionError, explainingConnectionErrors } from '../../../src/platform/db/index.ts';

const source = { variable: 'DATABASE_URL', url: 'postgres://app:s3cret-pw@db.internal:6432/tradewise' };

function databaseError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, 0, 'error');
  error.code = code;
  return error;
}

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('connection errors at start-up', () => {
  test('a refused password says so with the user PostgreSQL names, not the password', () => {
    const message = describeConnectionError(
      databaseError('28P01', 'password authentication failed for user "app"'),
      source,
    );
    assert.equal(
      message,
      'cannot connect to PostgreSQL at db.internal:6432 (DATABASE_URL): password authentication failed for user "app"',
    );
    assert.ok(!message?.includes('s3cret-pw'));
  });

  test('a host name that does not resolve is a DNS failure naming the host', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
      assert.equal(
        describeConnectionError(systemError(code, `getaddrinfo ${code} db.internal`), source),
        `cannot connect to PostgreSQL at db.internal:6432 (DATABASE_URL): the host name "db.internal" does not resolve (DNS: ${code})`,
      );
    }
  });

  test('a URL without a port is the default 5432', () => {
    assert.match(
      describeConnectionError(systemError('ETIMEDOUT', 'connect ETIMEDOUT'), {
        variable: 'MIGRATION_DATABASE_URL',
        url: 'postgres://owner:pw@db.internal/tradewise',
      }) ?? '',
      /^cannot connect to PostgreSQL at db\.internal:5432 \(MIGRATION_DATABASE_URL\): the connection timed out$/,
    );
  });

  test('an error that is not about connecting keeps its own message', async () => {
    const failed = databaseError('42P01', 'relation "users" does not exist');
    assert.equal(describeConnectionError(failed, source), undefined);
    await assert.rejects(
      explainingConnectionErrors(source, async () => {
        throw failed;
      }),
      (error) => error === failed,
    );
  });

  test('the embedded shape (no URL) passes every error through', async () => {
    const refused = systemError('ECONNREFUSED', 'connect ECONNREFUSED');
    await assert.rejects(
      explainingConnectionErrors({ variable: 'DATABASE_URL', url: undefined }, async () => {
        throw refused;
      }),
      (error) => error === refused,
    );
  });
});
