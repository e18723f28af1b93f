// The README's configuration table is the configuration (issue 16): it lists exactly the variables
// src/config.ts reads, and where it gives a number or a switch as a default, that is the default
// config.ts applies when the variable is unset.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.ts';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

interface Row {
  variables: string[];
  defaults: string[];
}

/** The rows of the table under "## Configuration": | `A`, `B` | meaning | `1`, `2` | */
function configurationTable(): Row[] {
  const section = README.split(/^## /m).find((part) => part.startsWith('Configuration\n'));
  assert.ok(section, 'README.md has a "## Configuration" section');
  const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map(([, text]) => text as string);
  return section
    .split('\n')
    .filter((line) => /^\| `[A-Z]/.test(line))
    .map((line) => {
      const cells = line.split(' | ');
      return { variables: ticks(cells[0] ?? ''), defaults: ticks(cells.at(-1) ?? '') };
    });
}

describe("the README's configuration table", () => {
  const rows = configurationTable();

  test('lists every variable config.ts reads, once, and no other', () => {
    const listed = rows.flatMap((row) => row.variables);
    assert.deepEqual(
      listed.filter((name, index) => listed.indexOf(name) !== index),
      [],
      'listed once',
    );
    assert.deepEqual([...listed].sort(), Object.keys(CONFIG_VARIABLES).sort());
  });

  test("gives config.ts's defaults for the numbers and switches", () => {
    const defaults = loadConfig({}) as unknown as Record<string, unknown>;
    let compared = 0;
    for (const { variables, defaults: written } of rows) {
      if (written.length !== variables.length) continue;
      variables.forEach((variable, index) => {
        const value = defaults[CONFIG_VARIABLES[variable] as string];
        if (typeof value !== 'number' && typeof value !== 'boolean') return;
        assert.equal(written[index], String(value), variable);
        compared++;
      });
    }
    assert.ok(compared >= 15, `${compared} defaults compared`);
  });
});
