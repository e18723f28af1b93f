// The shape of src/ that STYLE.md asks for, kept by a test rather than by review (issue 15):
//   - a feature reaches another feature only through that feature's index.ts, its public surface;
//   - platform/ knows no feature (features build on the platform, never the other way round);
//   - nothing but the entry points imports the composition root (app.ts, services.ts): each route
//     plugin declares the services it needs;
//   - the features' import graph has no cycle, so each one can be read, tested and changed on top
//     of the ones below it.
// Every import and re-export counts, `import type` included: a cycle of types is still a cycle of
// concepts. Reads the files as text: one import per `from '…'` (or side-effect `import '…'`).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

export interface Edge {
  from: string;
  to: string;
}

/** Every relative import of `file`, resolved to an absolute path. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
  ].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
}

/** `features/<name>` for a file of a feature, `platform` for one of the platform, else undefined. */
export function areaOf(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  if (parts[0] === 'features' && parts.length > 2) return `features/${parts[1]}`;
  if (parts[0] === 'platform') return 'platform';
  return undefined;
}

const edges: Edge[] = sourceFiles(SRC).flatMap((from) => importsOf(from).map((to) => ({ from, to })));
const show = ({ from, to }: Edge) => `${relative(SRC, from)} -> ${relative(SRC, to)}`;

/** The cycles of a directed graph, each as the list of its nodes (Tarjan's strongly connected components). */
export function cyclesOf(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, indices.get(next) as number));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return components;
}

describe('import boundaries (issue 15)', () => {
  test('the reading of imports finds single-line, multi-line, type-only and re-exports', () => {
    const file = join(SRC, 'features', 'a', 'x.ts');
    const found = importsOf(
      file,
      [
        "import { a } from '../b/index.ts';",
        'import type {',
        '  C,',
        '  D,',
        "} from '../c/c.ts';",
        "export { e } from './e.ts';",
        "import './side-effect.ts';",
        "import Fastify from 'fastify';",
      ].join('\n'),
    ).map((path) => relative(SRC, path));
    assert.deepEqual(found, [
      'features/b/index.ts',
      'features/c/c.ts',
      'features/a/e.ts',
      'features/a/side-effect.ts',
    ]);
  });

  test("a feature imports another feature only through that feature's index.ts", () => {
    const reaching = edges.filter(({ from, to }) => {
      const [a, b] = [areaOf(from), areaOf(to)];
      return (
        a?.startsWith('features/') && b?.startsWith('features/') && a !== b && !to.endsWith(`${sep}index.ts`)
      );
    });
    assert.deepEqual(reaching.map(show), []);
  });

  test('no feature or platform file imports the composition root (app.ts, services.ts)', () => {
    const root = new Set([join(SRC, 'app.ts'), join(SRC, 'services.ts')]);
    const inward = edges.filter(({ from, to }) => areaOf(from) !== undefined && root.has(to));
    assert.deepEqual(inward.map(show), []);
  });

  test('platform/ imports no feature', () => {
    const upward = edges.filter(
      ({ from, to }) => areaOf(from) === 'platform' && areaOf(to)?.startsWith('features/'),
    );
    assert.deepEqual(upward.map(show), []);
  });

  test('the cycle finder finds a cycle of three and none in a chain', () => {
    const graph = (pairs: [string, string][]) => {
      const g = new Map<string, Set<string>>();
      for (const [a, b] of pairs) g.set(a, (g.get(a) ?? new Set()).add(b));
      return g;
    };
    assert.deepEqual(
      cyclesOf(
        graph([
          ['a', 'b'],
          ['b', 'c'],
          ['c', 'a'],
          ['c', 'd'],
        ]),
      ),
      [['a', 'b', 'c']],
    );
    assert.deepEqual(
      cyclesOf(
        graph([
          ['a', 'b'],
          ['b', 'c'],
          ['a', 'c'],
        ]),
      ),
      [],
    );
  });

  test("the features' import graph has no cycle", () => {
    const graph = new Map<string, Set<string>>();
    for (const { from, to } of edges) {
      const [a, b] = [areaOf(from), areaOf(to)];
      if (!a?.startsWith('features/') || !b?.startsWith('features/') || a === b) continue;
      graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
    assert.ok(graph.size > 0, 'the features import one another somewhere: the graph was read');
    assert.deepEqual(cyclesOf(graph), []);
  });
});
