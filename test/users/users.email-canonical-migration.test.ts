// Migration 0010: e-mails already stored are rewritten in the canonical form the application uses
// (issue 14, item 6), and rows it cannot settle (look-alike duplicates, hidden characters) stop it
// with the user ids to fix, changing nothing. The SQL copy of the canonicaliser is checked against
// the application's in both shapes; the migration over old rows needs a schema that stops before
// 0010, so it runs on PGlite only (the server run shares one fully migrated database).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { normaliseEmail } from '../../src/features/auth/account-input.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { MIGRATIONS_DIR } from '../../src/platform/db/migrator.ts';
import { createPgliteDatabase } from '../../src/platform/db/pglite.ts';
import { hashPassword } from '../../src/platform/passwords/index.ts';
import { hasInvisibleCharacters } from '../../src/platform/text-rules.ts';
import { loginOk, PASSWORD } from '../auth/support.ts';
import { LOOK_ALIKE_EMAILS } from '../fuzz/hostile.ts';
import { buildTestApp, createTestDatabase, embeddedRunOnly } from '../helpers/app.ts';

const sqlCanonical = async (db: Database, emails: string[]): Promise<string[]> => {
  const { rows } = await db.withOwner((q) =>
    q.query<{ c: string }>(
      'SELECT email_canonical(e) AS c FROM unnest($1::text[]) WITH ORDINALITY AS u(e, i) ORDER BY i',
      [emails],
    ),
  );
  return rows.map((r) => r.c);
};

const LABELS = [
  'a',
  'mail',
  'bücher',
  'münchen',
  'ﬁnance',
  'ｅｘａｍｐｌｅ',
  'ελλάδα',
  'пример',
  '例え',
  'テスト',
  'مثال',
  'faß',
  'ñandú',
  'ｘn--bcher-kva',
  'xn--mnchen-3ya',
  'çà',
  '한국',
  'ไทย',
  'δοκιμή',
  'ǅemal',
];
const LOCALS = ['alice', 'ALICE', 'ａlice', 'Zoë', 'li.xiao', '李', 'ﬁ', 'o\u0308', 'Ⅻ'];

describe('the canonical e-mail in SQL (migration 0010), both shapes', () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  test('email_canonical agrees with the application for every spelling the look-alike class and the generator give', async () => {
    const generated = fc
      .sample(
        fc.tuple(
          fc.constantFrom(...LOCALS),
          fc.array(fc.constantFrom(...LABELS), { minLength: 1, maxLength: 3 }),
          fc.constantFrom('de', 'COM', 'テスト', 'рф'),
        ),
        { numRuns: 300, seed: 14 },
      )
      .map(([local, labels, top]) => `${local}@${[...labels, top].join('.')}`);
    const emails = [...LOOK_ALIKE_EMAILS.filter((e) => !hasInvisibleCharacters(e, 'strict')), ...generated];
    const fromSql = await sqlCanonical(db, emails);
    for (const [i, email] of emails.entries())
      assert.equal(fromSql[i], normaliseEmail(email), JSON.stringify(email));
  });

  test('email_has_invisible_characters finds every control, format and separator character JavaScript knows', async () => {
    const hidden: string[] = [];
    for (let cp = 1; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCodePoint(cp);
      if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(char)) hidden.push(`a${char}b@a.com`);
    }
    const visible = ['alice@a.com', 'zoë@a.com', '李@a.com', 'o\u0308@a.com', '🚀@a.com', 'a\u00a0b@a.com'];
    const { rows } = await db.withOwner((q) =>
      q.query<{ e: string; hidden: boolean }>(
        'SELECT e, email_has_invisible_characters(e) AS hidden FROM unnest($1::text[]) AS u(e)',
        [[...hidden, ...visible]],
      ),
    );
    const missed = rows
      .filter((r) => hidden.includes(r.e) && !r.hidden)
      .map((r) => r.e.codePointAt(1)?.toString(16));
    assert.deepEqual(missed, []);
    assert.deepEqual(
      rows.filter((r) => visible.includes(r.e) && r.hidden).map((r) => r.e),
      [],
    );
  });

  test('the database itself refuses a non-canonical e-mail, whatever writes the row', async () => {
    const tenantId = randomUUID();
    for (const email of [`x.${tenantId.slice(0, 8)}@bücher.de`, `ｘ.${tenantId.slice(0, 8)}@a.com`]) {
      await assert.rejects(
        db.withTenant(tenantId, async (tx) => {
          await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, 'T']);
          await tx.query(
            "INSERT INTO users (tenant_id, email, full_name, password_hash) VALUES ($1, $2, 'X', 'x')",
            [tenantId, email],
          );
        }),
        /users_email_canonical/,
      );
    }
  });
});

describe('migration 0010 over existing accounts (PGlite)', { skip: embeddedRunOnly }, () => {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f));

  /** A database migrated up to 0009, holding `emails` as accounts of one tenant (as written before 0010). */
  async function legacyDatabase(emails: string[]): Promise<{ db: Database; ids: string[] }> {
    const fresh = mkdtempSync(join(tmpdir(), 'tw-migrations-'));
    for (const file of files.filter((f) => f < '0010'))
      copyFileSync(join(MIGRATIONS_DIR, file), join(fresh, file));
    const db = await createPgliteDatabase({});
    await migrate(db, fresh);
    rmSync(fresh, { recursive: true, force: true });
    const tenantId = randomUUID();
    const hash = await hashPassword(PASSWORD, 4);
    const ids = await db.withOwner(async (q) => {
      await q.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, 'Legacy']);
      const out: string[] = [];
      for (const email of emails) {
        const { rows } = await q.query<{ id: string }>(
          "INSERT INTO users (tenant_id, email, full_name, password_hash) VALUES ($1, $2, 'Legacy', $3) RETURNING id",
          [tenantId, email, hash],
        );
        out.push((rows[0] as { id: string }).id);
      }
      return out;
    });
    return { db, ids };
  }

  const emailsOf = async (db: Database, ids: string[]): Promise<string[]> => {
    const { rows } = await db.withOwner((q) =>
      q.query<{ id: string; email: string }>('SELECT id, email FROM users WHERE id = ANY($1::uuid[])', [ids]),
    );
    return ids.map((id) => rows.find((r) => r.id === id)?.email ?? '');
  };

  test('stored e-mails become canonical, and their owners log in by any spelling', async () => {
    // As 0002 let them in: trimmed, NFC, lower-case.
    const legacy = [
      'bob@bücher.de',
      'ａlice@a.com',
      'ﬁnance@a.com',
      '李@例え.テスト',
      'plain@a.com',
      'zoë@ｅxample.com',
    ];
    const { db, ids } = await legacyDatabase(legacy);
    try {
      const { applied } = await migrate(db);
      assert.ok(
        applied.some((name) => name.startsWith('0010_')),
        applied.join(),
      );
      assert.deepEqual(await emailsOf(db, ids), [
        'bob@xn--bcher-kva.de',
        'alice@a.com',
        'finance@a.com',
        '李@xn--r8jz45g.xn--zckzah',
        'plain@a.com',
        'zoë@example.com',
      ]);
      assert.deepEqual(await emailsOf(db, ids), legacy.map(normaliseEmail));
      const t = await buildTestApp({}, { db });
      try {
        await t.app.ready();
        for (const typed of ['bob@bücher.de', 'BOB@XN--BCHER-KVA.DE', 'ａlice@a.com', 'alice@a.com'])
          await loginOk(t, typed);
      } finally {
        await t.close();
      }
    } finally {
      await db.close();
    }
  });

  test('look-alike duplicates stop the migration with their user ids, and nothing is changed', async () => {
    const { db, ids } = await legacyDatabase([
      'carol@bücher.de',
      'carol@xn--bcher-kva.de',
      'ｃarol@bücher.de',
      'dan@a.com',
    ]);
    try {
      await assert.rejects(migrate(db), (error: Error) => {
        assert.match(error.message, /0010_canonical_emails failed: .*one address in canonical form/);
        for (const id of ids.slice(0, 3)) assert.ok(error.message.includes(id), `${id} not named`);
        assert.ok(!error.message.includes(ids[3] as string));
        assert.doesNotMatch(error.message, /carol/);
        return true;
      });
      assert.deepEqual(await emailsOf(db, ids), [
        'carol@bücher.de',
        'carol@xn--bcher-kva.de',
        'ｃarol@bücher.de',
        'dan@a.com',
      ]);
      const { rows } = await db.withOwner((q) =>
        q.query('SELECT 1 FROM schema_migrations WHERE version = 10'),
      );
      assert.equal(rows.length, 0);
    } finally {
      await db.close();
    }
  });

  test('an e-mail with hidden characters stops the migration with its user id', async () => {
    const { db, ids } = await legacyDatabase(['erin\u200b@a.com', '\u202etxt.exe@a.com', 'frank@a.com']);
    try {
      await assert.rejects(migrate(db), (error: Error) => {
        assert.match(error.message, /invisible, control or direction characters/);
        assert.ok(error.message.includes(ids[0] as string) && error.message.includes(ids[1] as string));
        assert.ok(!error.message.includes(ids[2] as string));
        return true;
      });
    } finally {
      await db.close();
    }
  });
});
