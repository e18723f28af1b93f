// One load run = autocannon against one endpoint with fixed connections. The run is continuous: a
// warm-up (JIT, pool connections, caches) and then the measured window, without reconnecting, so
// that neither ramp-up nor the last in-flight requests bias the figures. Answers are counted and
// timed here from autocannon's per-response events (its own histogram keeps whole milliseconds).
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { cpuSeconds } from './processes.ts';

export interface Target {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface Figures {
  /** 2xx answers per second completed inside the measured window. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  ok: number;
  /** Non-2xx answers in the window plus connection errors and timeouts of the whole run. */
  failed: number;
  seconds: number;
  /**
   * Cores busy on average during the window: the bench process (autocannon) and the server; and the
   * server's CPU per 2xx answer, which contention from other processes changes far less than req/s.
   */
  cpu: { generator: number; server: number | null; serverMsPerRequest: number | null };
}

interface CpuSnapshot {
  at: number;
  generator: number;
  server: number | undefined;
}

async function snapshot(serverPid: number | undefined): Promise<CpuSnapshot> {
  const { user, system } = process.cpuUsage();
  const server = serverPid === undefined ? undefined : await cpuSeconds(serverPid);
  return { at: performance.now(), generator: (user + system) / 1e6, server };
}

function cpu(first: CpuSnapshot, last: CpuSnapshot, answers: number): Figures['cpu'] {
  const seconds = (last.at - first.at) / 1_000;
  const share = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? null : Math.round(((b - a) / seconds) * 100) / 100;
  const server = share(first.server, last.server);
  const perAnswer = (last.server ?? 0) - (first.server ?? 0);
  return {
    generator: share(first.generator, last.generator) ?? 0,
    server,
    serverMsPerRequest:
      server === null || answers === 0 ? null : Math.round((perAnswer / answers) * 1e5) / 100,
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);
}

export async function measureLoad(
  target: Target,
  connections: number,
  window: { warmup: number; duration: number },
  serverPid?: number,
): Promise<Figures> {
  const start = performance.now();
  const from = start + window.warmup * 1_000;
  const to = from + window.duration * 1_000;
  const first = new Promise<CpuSnapshot>((resolve) =>
    setTimeout(() => resolve(snapshot(serverPid)), from - start),
  );
  const last = new Promise<CpuSnapshot>((resolve) =>
    setTimeout(() => resolve(snapshot(serverPid)), to - start),
  );
  const latencies: number[] = [];
  let failed = 0;
  const run = autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    headers: target.headers ?? {},
    ...(target.body === undefined ? {} : { body: target.body }),
    connections,
    // One second beyond the window: autocannon's own timer starts a little after `start`.
    duration: window.warmup + window.duration + 1,
    timeout: 30,
  });
  run.on('response', (_client: unknown, status: number, _bytes: number, responseMs: number) => {
    const now = performance.now();
    if (now < from || now > to) return;
    if (status >= 200 && status < 300) latencies.push(responseMs);
    else failed++;
  });
  const result = await run;
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: round(latencies.length / window.duration),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: percentile(sorted, 100),
    ok: latencies.length,
    failed: failed + result.errors, // errors include timeouts
    seconds: window.duration,
    cpu: cpu(await first, await last, latencies.length),
  };
}
