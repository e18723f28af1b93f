// `engines` says which Node the service runs on; every installed package must agree, or `npm
// install` warns EBADENGINE for each and the lowest Node declared is one a package does not
// support (issue 16: cookie@2 and content-disposition@3 want Node 22, so package.json's
// `overrides` pins the releases before them, which keep the API their dependents call; undici
// wants 20.18.1; issue 17: Vite, which `npm start` runs to build the console, wants 20.19, so that is
// the floor `engines` declares).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string }; dev?: boolean }>;
};

type Version = [number, number, number];

function parse(text: string): Version {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim());
  assert.ok(match, `a version: ${text}`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The subset of npm's range grammar engines fields use: `||`, `>=`, `>`, `^`, bare majors. */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        // `*` (and an empty range) is any version.
        if (comparator === '*' || comparator === '') return true;
        const match = /^(>=|>|<=|<|\^|~|=)?\s*(\S+)$/.exec(comparator.trim());
        assert.ok(match, `a comparator npm's engines use: "${comparator}" in "${range}"`);
        const [, operator = '', written = ''] = match;
        // `10.*` and `10.x` are the partial version `10`.
        const bound = written.replace(/(\.[*x])+$/i, '');
        const target = parse(bound);
        const order = compare(version, target);
        if (operator === '>=') return order >= 0;
        if (operator === '>') return order > 0;
        if (operator === '<=') return order <= 0;
        if (operator === '<') return order < 0;
        if (operator === '^') return version[0] === target[0] && order >= 0;
        if (operator === '~') return version[0] === target[0] && version[1] === target[1] && order >= 0;
        // A bare `20` or `20.18` is that major (and minor); `=1.2.3` or `1.2.3` is that version.
        const parts = bound.split('.').length;
        return version.slice(0, parts).every((part, index) => part === target[index]);
      }),
  );
}

describe('the Node versions engines declares', () => {
  const lowest = parse(/^>=\s*(\S+)$/.exec(pkg.engines.node)?.[1] ?? '');

  test('the range reader reads the forms the lockfile holds', () => {
    assert.ok(satisfies([20, 18, 0], '>=18'));
    assert.ok(!satisfies([20, 18, 0], '>=22'));
    assert.ok(satisfies([20, 18, 0], '18 || 20 || >=22'));
    assert.ok(satisfies([20, 18, 0], '^18 || ^20 || >= 21'));
    assert.ok(!satisfies([21, 0, 0], '20 || >=22'));
    assert.ok(satisfies([20, 18, 0], '>= 0.6'));
    assert.ok(satisfies([20, 18, 0], '*'));
  });

  test('every locked package supports the lowest Node engines names, and this one', () => {
    const current = parse(process.versions.node);
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines?.node !== undefined)
      .filter(([, entry]) => {
        const range = entry.engines?.node as string;
        return !satisfies(lowest, range) || !satisfies(current, range);
      })
      .map(([path, entry]) => `${path}@${entry.version} wants node ${entry.engines?.node}`);
    assert.deepEqual(refusing, []);
  });
});
