// Reads a V8 `.cpuprofile` (written by `--cpu-prof`) and lists where the samples fell: self time by
// function and by file / package. Open the profile in Chrome DevTools or speedscope for the flame graph.
// Also runnable: node --import tsx bench/profile-summary.ts <file.cpuprofile>
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

function where(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  if (path === '') return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg !== undefined) return pkg;
  const src = /\/(src\/.*)$/.exec(path)?.[1];
  return src ?? path;
}

function top(totals: Map<string, number>, all: number, count: number): string[] {
  return [...totals.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, hits]) => `  ${((hits / all) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

export async function summarizeProfile(file: string, count = 15): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as { nodes: ProfileNode[] };
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let all = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = where(url);
    const name = `${functionName || '(anonymous)'} ${url === '' ? '' : `${place}:${lineNumber + 1}`}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    if (functionName !== '(idle)') byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
    all += hits;
  }
  // Percentages are of the busy samples: the profile spans the whole process, idle phases included.
  const idle = byFunction.get('(idle)') ?? 0;
  const busy = all - idle;
  return [
    `${file}: ${all} samples, ${busy} busy; self time as a share of the busy samples:`,
    'by function:',
    ...top(byFunction, busy, count),
    'by file / package:',
    ...top(byPlace, busy, count),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) process.stdout.write(`${await summarizeProfile(file)}\n`);
}
