#!/usr/bin/env node
// Runs every test file under test/ with Node's test runner and tsx. Node 20's `--test` does not
// expand globs or find .ts files by itself, so the file list is built here.
// Usage: npm test [-- <path filter>...]
// With TEST_SUMMARY_FILE set, the totals are also written there as JSON (CI adds up both runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests('test')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The browser tests drive what `npm start` serves: build it once here, before test files run in
// parallel (fast when nothing changed; see scripts/build.js).
const build = spawnSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('scripts/build.js failed');
  process.exit(1);
}
const tap = join(mkdtempSync(join(tmpdir(), 'tw-tests-')), 'results.tap');
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// A hang costs one failure, not the run: a test (or a suite without its own timeout) that has not
// finished in 10 minutes fails, and a file still alive after its last test fails (test-exit-guard.js).
const timeoutMs = process.env.TEST_TIMEOUT_MS ?? '600000';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--import',
    './scripts/test-exit-guard.js',
    `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
const summary = readFileSync(tap, 'utf8');
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(summary)?.[1] ?? 0);
const totals = {
  passed: count('pass'),
  failed: count('fail') + count('cancelled'),
  skipped: count('skipped'),
};
if (process.env.TEST_SUMMARY_FILE) writeFileSync(process.env.TEST_SUMMARY_FILE, JSON.stringify(totals));
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(result.status ?? 1);
