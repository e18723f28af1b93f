// The error catalogue is complete and honest (issue 15, item 4). The type system already refuses an
// AppError whose code is not catalogued, or whose status is not its catalogue's; this file checks
// what types cannot: that every code the source can answer with (AppError, the error handler's
// bodies, the raw socket answers) is catalogued once, that no catalogued code is dead, that
// docs/errors.md lists exactly the catalogue with the same statuses and fixed details, and that
// the codes the contract names exist.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ErrorEntry } from '../../src/platform/errors.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');
const DOCS = join(ROOT, 'docs', 'errors.md');
// The contract lives beside the checkout (../shared), not in it; CI has no copy.
const CONTRACT = join(ROOT, '..', 'shared', 'CONTRACT.md');
const CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

interface Catalogued {
  status: number;
  owner: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const FILES = sourceFiles(SRC);
const CATALOGUE_FILES = FILES.filter(
  (file) => file === join(SRC, 'platform', 'errors.ts') || /features\/[^/]+\/[^/]+\.errors\.ts$/.test(file),
);

function isEntry(value: unknown, code: string): value is ErrorEntry {
  const entry = value as Partial<ErrorEntry> | null;
  return (
    typeof entry === 'object' && entry !== null && entry.code === code && typeof entry.status === 'number'
  );
}

/** Every `*_ERRORS` export of the catalogue files, code → its status and file. */
async function loadCatalogue(): Promise<Map<string, Catalogued>> {
  const catalogue = new Map<string, Catalogued>();
  for (const file of CATALOGUE_FILES) {
    const owner = relative(ROOT, file);
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const catalogues = Object.entries(module).filter(([name]) => name.endsWith('_ERRORS'));
    assert.equal(catalogues.length, 1, `${owner} exports one catalogue (<NAME>_ERRORS = defineErrors(...))`);
    for (const [code, entry] of Object.entries(catalogues[0]?.[1] as object)) {
      assert.ok(isEntry(entry, code), `${owner}: ${code} is an entry of defineErrors`);
      assert.match(code, CODE, `${owner}: ${code} is UPPER_SNAKE`);
      assert.ok(
        Number.isInteger(entry.status) && entry.status >= 400 && entry.status < 600,
        `${owner}: ${code}`,
      );
      const twice = catalogue.get(code);
      assert.equal(twice, undefined, `${code} is in ${twice?.owner} and ${owner}: one catalogue owns a code`);
      catalogue.set(code, { status: entry.status, owner });
    }
  }
  return catalogue;
}

interface Answered {
  code: string;
  status?: number;
  detail?: string;
  where: string;
}

/** The codes the source answers with, wherever it spells one: status and detail when literal. */
function answeredCodes(): Answered[] {
  const found: Answered[] = [];
  const grab = (text: string, where: string, pattern: RegExp, shape: (m: RegExpMatchArray) => Answered) => {
    for (const match of text.matchAll(pattern)) found.push({ ...shape(match), where });
  };
  for (const file of FILES) {
    const text = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    // new AppError(404, 'BOT_NOT_FOUND', 'Bot not found'
    grab(text, where, /new AppError\(\s*(\d{3}),\s*'([A-Z0-9_]+)'(?:,\s*'([^'\n]*)')?/g, (m) => ({
      status: Number(m[1]),
      code: m[2] as string,
      ...(m[3] === undefined ? {} : { detail: m[3] }),
      where,
    }));
    // [413, 'PAYLOAD_TOO_LARGE', 'Request body too large'] (tables of framework and socket errors)
    grab(text, where, /\[\s*(\d{3}),\s*'([A-Z0-9_]+)',\s*'([^'\n]*)'\s*\]/g, (m) => ({
      status: Number(m[1]),
      code: m[2] as string,
      detail: m[3] as string,
      where,
    }));
    // { detail: 'Bad request', code: 'BAD_REQUEST' } and { detail: issues, code: 'VALIDATION_FAILED' }
    grab(text, where, /(?:detail:\s*'([^'\n]*)',\s*)?code:\s*'([A-Z][A-Z0-9_]+)'/g, (m) => ({
      code: m[2] as string,
      ...(m[1] === undefined ? {} : { detail: m[1] }),
      where,
    }));
    grab(text, where, /\bforbidden\('([^'\n]*)'\)/g, (m) => ({
      code: 'FORBIDDEN',
      detail: m[1] as string,
      where,
    }));
    grab(text, where, /\bnotFound\('([^'\n]*)'\)/g, (m) => ({
      code: 'NOT_FOUND',
      detail: m[1] as string,
      where,
    }));
    // PLATFORM_ERRORS.SERVICE_UNAVAILABLE.code
    grab(text, where, /\b[A-Z]+_ERRORS\.([A-Z0-9_]+)\.code\b/g, (m) => ({ code: m[1] as string, where }));
  }
  return found;
}

interface DocumentedRow {
  status: number;
  detail: string;
}

/** docs/errors.md's table rows: | `CODE` | status | detail | when | */
function documentedCodes(): Map<string, DocumentedRow[]> {
  const rows = new Map<string, DocumentedRow[]>();
  for (const line of readFileSync(DOCS, 'utf8').split('\n')) {
    const match = /^\| `([A-Z0-9_]+)` \| (\d{3}) \| (.*?) \| .* \|$/.exec(line);
    if (match === null) continue;
    const code = match[1] as string;
    rows.set(code, [...(rows.get(code) ?? []), { status: Number(match[2]), detail: match[3] as string }]);
  }
  return rows;
}

describe('the error catalogue', async () => {
  const catalogue = await loadCatalogue();
  const answered = answeredCodes();
  const documented = documentedCodes();

  test('the catalogue files were found: the platform and every feature that throws', () => {
    assert.ok(catalogue.size > 0);
    const owners = new Set([...catalogue.values()].map((entry) => entry.owner));
    assert.equal(owners.size, CATALOGUE_FILES.length, 'every catalogue file has at least one code');
    assert.ok(catalogue.has('VALIDATION_FAILED') && catalogue.has('BOT_NOT_FOUND'));
  });

  test('every code the source answers with is catalogued, with its catalogue status', () => {
    assert.ok(answered.length > catalogue.size, 'the scan finds the throw sites');
    for (const { code, status, where } of answered) {
      const entry = catalogue.get(code);
      assert.ok(entry, `${where} answers ${code}, which no catalogue lists`);
      if (status !== undefined) assert.equal(status, entry.status, `${where}: ${code} is a ${entry.status}`);
    }
  });

  test('every catalogued code is answered somewhere (no dead code in the catalogue)', () => {
    const used = new Set(answered.map((a) => a.code));
    for (const code of catalogue.keys())
      assert.ok(used.has(code), `${code} is catalogued but never answered`);
  });

  test('AppError is built only in a catalogue file or the platform, so every code has its factory', () => {
    for (const file of FILES) {
      if (CATALOGUE_FILES.includes(file) || file.startsWith(join(SRC, 'platform'))) continue;
      assert.doesNotMatch(
        readFileSync(file, 'utf8'),
        /new AppError\(/,
        `${relative(ROOT, file)}: use a factory`,
      );
    }
  });

  test('the error bodies are defined once, in src/platform/errors.ts', () => {
    for (const file of FILES) {
      if (file === join(SRC, 'platform', 'errors.ts')) continue;
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /Type\.Object\(\{\s*detail:/, `${relative(ROOT, file)}: use ErrorBody`);
      assert.doesNotMatch(text, /export const ErrorBody\b/, `${relative(ROOT, file)}: use ErrorBody`);
    }
  });

  test('docs/errors.md lists every catalogued code once, with its status', () => {
    for (const [code, entry] of catalogue) {
      const rows = documented.get(code) ?? [];
      assert.equal(rows.length, 1, `docs/errors.md has one row for ${code} (${entry.owner})`);
      assert.equal(rows[0]?.status, entry.status, `docs/errors.md: ${code} is a ${entry.status}`);
    }
  });

  test('docs/errors.md lists no code the catalogue lacks', () => {
    for (const code of documented.keys())
      assert.ok(catalogue.has(code), `docs/errors.md lists unknown ${code}`);
  });

  test('docs/errors.md quotes every fixed detail the source answers with', () => {
    for (const { code, detail, where } of answered) {
      if (detail === undefined) continue;
      const row = documented.get(code)?.[0];
      assert.ok(
        row?.detail.includes(`\`${detail}\``),
        `docs/errors.md: ${code} from ${where} says "${detail}"`,
      );
    }
  });

  test('the codes and statuses of the contract\'s "Errors" section are catalogued', {
    skip: existsSync(CONTRACT) ? false : 'CONTRACT.md is not beside this checkout (../shared)',
  }, () => {
    const text = readFileSync(CONTRACT, 'utf8');
    const section = /^## Errors\n([\s\S]*?)^## /m.exec(text)?.[1];
    assert.ok(section, 'CONTRACT.md has an "Errors" section');
    const named = [...section.matchAll(/"code": "([A-Z][A-Z0-9_]+)"|`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map(
      (m) => (m[1] ?? m[2]) as string,
    );
    assert.ok(named.includes('VALIDATION_FAILED'));
    for (const code of named)
      assert.ok(catalogue.has(code), `CONTRACT.md names ${code}, no catalogue has it`);
    const statuses = new Set([...catalogue.values()].map((entry) => entry.status));
    for (const row of section.matchAll(/^\| ([^|]+) \|/gm)) {
      for (const status of (row[1] as string).match(/\b[45]\d\d\b/g) ?? []) {
        assert.ok(statuses.has(Number(status)), `CONTRACT.md's ${status} has a catalogued code`);
      }
      // A row naming its message (400 `Inactive user`): some documented code of that status says it.
      const quoted = /^(\d{3}) `([^`]+)`/.exec((row[1] as string).trim());
      if (quoted === null) continue;
      const saying = [...documented].filter(([, rows]) =>
        rows.some((r) => r.status === Number(quoted[1]) && r.detail.includes(`\`${quoted[2]}\``)),
      );
      assert.ok(saying.length > 0, `docs/errors.md has a ${quoted[1]} saying "${quoted[2]}"`);
    }
  });
});
