// The verdict: each target of issue 9 with its measured value, printed as tables and written as JSON
// (the README quotes the JSON). A phase that did not run (`--only`) has no targets.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { FloodFigures } from './flood.ts';
import { FEW_ROWS, HEAP_GROWTH_MB, RSS_GROWTH_MB } from './flood.ts';
import type { Figures } from './load.ts';
import type { EmbeddedFigures, LoginFigures, ReadFigures } from './phases.ts';

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

export interface BenchResult {
  command: string;
  date: string;
  commit: string | null;
  machine: { cores: number; cpu: string; memoryMb: number; node: string; platform: string };
  options: Record<string, unknown>;
  /** What ran where during the measurements (nothing is pinned to a core). */
  placement: string;
  run: { database: string | null; redisPrefix: string | null; pids: Record<string, number> };
  read: ReadFigures | null;
  login: LoginFigures | null;
  /** The service's RSS once seeded, before any load, and its peak under the loads. */
  memory: { idleRssMb: number; peakRssMb: number } | null;
  embedded: EmbeddedFigures | null;
  /** The flood phase (--only=flood): stored rows, alerts and memory under forged tokens and CSRF-less logouts. */
  flood?: FloodFigures | null;
  targets: Verdict[];
  pass: boolean;
}

export function verdicts(result: Omit<BenchResult, 'targets' | 'pass'>): Verdict[] {
  const list: Verdict[] = [];
  const add = (target: string, measured: string, pass: boolean) => list.push({ target, measured, pass });
  const { read, login, memory, embedded } = result;
  if (read !== null) {
    add(
      'read req/s >= 0.7x floor',
      `${read.rpsRatio}x (${read.service.rps} / ${read.floor.rps})`,
      read.rpsRatio >= 0.7,
    );
    add(
      'read p99 <= 2x floor',
      `${read.p99Ratio}x (${read.service.p99Ms} / ${read.floor.p99Ms} ms)`,
      read.p99Ratio <= 2,
    );
  }
  if (login !== null) {
    const { bcrypt } = login;
    add(
      'logins/s >= 0.9x bcrypt limit',
      `${login.limitRatio}x (${login.login.rps} / ${bcrypt.limit}: ${bcrypt.cores} cores / ${bcrypt.hashMs} ms a hash, ${bcrypt.hashCpuMs} ms of it CPU)`,
      login.limitRatio >= 0.9,
    );
    const p99 = login.readDuringFlood.p99Ms;
    add('read p99 during login flood < 50 ms', `${p99} ms`, p99 < 50);
  }
  if (memory !== null) add('service peak RSS < 200 MB', `${memory.peakRssMb} MB`, memory.peakRssMb < 200);
  if (result.flood != null) floodVerdicts(result.flood, add);
  const runs: Figures[] = [
    ...(read === null ? [] : [read.floor, read.service]),
    ...(login === null ? [] : [login.login, login.readDuringFlood, login.loginDuringFlood]),
    ...(embedded === null ? [] : [embedded.read]),
  ];
  // The flood's answers are refusals by design: its own verdicts check their statuses.
  if (runs.length > 0) {
    const failed = runs.reduce((sum, run) => sum + run.failed, 0);
    add('every answer 2xx (else the figures are void)', `${failed} failed`, failed === 0);
  }
  return list;
}

function floodVerdicts(flood: FloodFigures, add: (target: string, measured: string, pass: boolean) => void) {
  const sent = {
    token_invalid: flood.sent.forgedTokens,
    unauthorized_access_attempt: flood.sent.csrfLessLogouts,
  };
  for (const [type, count] of Object.entries(sent)) {
    const stored = flood.rows[type] ?? { rows: 0, countSum: 0 };
    add(
      `flood: ${type} rows <= ${FEW_ROWS}, counts = requests`,
      `${stored.rows} rows, counts ${stored.countSum} / ${count} requests`,
      stored.rows >= 1 && stored.rows <= FEW_ROWS && stored.countSum === count,
    );
  }
  const alerts = Object.entries(flood.alerts);
  const logoutAlerts = alerts.filter(([key]) => key.startsWith('security_unauthorized_access_attempt '));
  add(
    'flood: one alert per event type and subject',
    alerts.map(([key, n]) => `${key}: ${n}`).join(', ') || 'none',
    logoutAlerts.length === 1 && alerts.every(([, n]) => n === 1),
  );
  // Forged tokens are 401s, CSRF-less logouts 403s; anything else (a 429, a 5xx) voids the figures.
  const expected = { '401': flood.sent.forgedTokens, '403': flood.sent.csrfLessLogouts };
  add(
    'flood: every answer the refusal it should be (401 forged, 403 no CSRF proof)',
    JSON.stringify(flood.statuses),
    JSON.stringify(flood.statuses) === JSON.stringify(expected),
  );
  const { memory } = flood;
  const rss = Math.round((memory.rssAfterMb - memory.rssBeforeMb) * 10) / 10;
  const heap = Math.round((memory.heapAfterMb - memory.heapBeforeMb) * 10) / 10;
  add(
    `flood: no memory growth (RSS <= +${RSS_GROWTH_MB} MB, heap <= +${HEAP_GROWTH_MB} MB)`,
    `RSS ${memory.rssBeforeMb} -> ${memory.rssAfterMb} MB (${rss}), heap ${memory.heapBeforeMb} -> ${memory.heapAfterMb} MB (${heap})`,
    rss <= RSS_GROWTH_MB && heap <= HEAP_GROWTH_MB,
  );
}

const pad = (cells: string[], widths: number[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [
    pad(header, widths),
    pad(
      widths.map((w) => '-'.repeat(w)),
      widths,
    ),
    ...rows.map((r) => pad(r, widths)),
  ]
    .map((line) => line.trimEnd())
    .join('\n');
}

export function render(result: BenchResult): string {
  const rows: string[][] = [];
  const row = (name: string, f: Figures, conns: number) =>
    rows.push([
      name,
      String(conns),
      f.rps.toFixed(1),
      String(f.p50Ms),
      String(f.p99Ms),
      String(f.failed),
      f.cpu.server === null ? '-' : f.cpu.server.toFixed(2),
      f.cpu.serverMsPerRequest === null ? '-' : f.cpu.serverMsPerRequest.toFixed(2),
      f.cpu.generator.toFixed(2),
    ]);
  const conns = Number(result.options.connections);
  const loginConns = Number(result.options.loginConnections);
  if (result.read !== null) {
    row('floor: bare Fastify + pg', result.read.floor, conns);
    row('service: GET /api/v1/bots', result.read.service, conns);
  }
  if (result.login !== null) {
    row('service: POST /api/v1/auth/token', result.login.login, loginConns);
    row('  reads during login flood', result.login.readDuringFlood, conns);
    row('  logins during that flood', result.login.loginDuringFlood, loginConns);
  }
  if (result.embedded !== null) row('embedded: GET /api/v1/bots', result.embedded.read, conns);
  const header = [
    'load',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'failed',
    'server cores',
    'server CPU ms/req',
    'autocannon cores',
  ];
  const figures = table(header, rows);
  const targets = table(
    ['target', 'measured', 'result'],
    result.targets.map((t) => [t.target, t.measured, t.pass ? 'PASS' : 'MISS']),
  );
  const rss = [
    result.memory === null
      ? ''
      : `service (server shape) RSS: ${result.memory.idleRssMb} MB idle, ${result.memory.peakRssMb} MB peak`,
    result.read === null ? '' : `floor peak RSS: ${result.read.floorPeakRssMb} MB`,
    result.embedded === null ? '' : `embedded shape peak RSS: ${result.embedded.peakRssMb} MB`,
  ].filter((line) => line !== '');
  if (result.flood != null) {
    const f = result.flood;
    rss.push(
      `flood (${f.shape}): ${f.sent.forgedTokens} forged tokens + ${f.sent.csrfLessLogouts} CSRF-less logouts in ${f.seconds} s; statuses ${JSON.stringify(f.statuses)}`,
    );
  }
  const verdict = result.pass ? 'all targets met' : 'TARGETS MISSED';
  return `\n${figures}\n\n${rss.join('\n')}\n\n${targets}\n\n${verdict}\n`;
}

export async function writeResult(path: string, result: BenchResult): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  // The committed result must pass `npm run lint` as written; outside the project Biome declines, harmlessly.
  await promisify(execFile)('node_modules/.bin/biome', ['format', '--write', path]).catch(() => undefined);
}
