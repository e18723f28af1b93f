#!/usr/bin/env node
// `npm run budgets` (CI): the web console's budgets of issue 17, measured on the bundle `npm start`
// serves, printed, and the exit status 1 when one is missed.
//   1. Initial JavaScript ≤ 150 KB gzipped: what index.html makes the browser fetch before the
//      console can run (each <script type="module" src> and <link rel="modulepreload">), each file
//      gzip-compressed as scripts/build.js writes it (level 9).
//   2. Lighthouse (npm `lighthouse`, Debian's Chromium, headless) on sign-in (signed out), the bots
//      list (signed in, with bots) and the audit log (the tenant admin, with records): performance
//      ≥ 90, accessibility ≥ 95, best practices ≥ 95, in Lighthouse's default mobile form factor
//      with simulated throttling (a mid-range phone on slow 4G: the harder of its two presets).
// Offline: the service listens on loopback and Chromium resolves no host name, so nothing leaves the
// machine. The service runs as `npm start` runs it (test/helpers/process.ts), in the embedded
// shape with a fresh data directory and secrets, and is seeded through the API.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import lighthouse from 'lighthouse';
import { chromium, type Page } from 'playwright-core';
import { startService } from '../test/helpers/process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB = 'dist/web';
const INITIAL_JS_BUDGET = 150 * 1024;
const TARGETS = { performance: 90, accessibility: 95, 'best-practices': 95 } as const;
type Category = keyof typeof TARGETS;
const CATEGORIES = Object.keys(TARGETS) as Category[];

// From the process's start: tsx compiling this file and loading Lighthouse count too.
const seconds = () => process.uptime().toFixed(1);
/** Where the time goes (the run has a budget of its own in CI: about 90 s). */
const step = (what: string) => console.log(`[${seconds()} s] ${what}`);

interface Verdict {
  budget: string;
  met: boolean;
  detail: string;
}

// ---------------------------------------------------------------------------------------------
// 1. Initial JavaScript

/** The attributes of every `<tag ...>` in `html` (Vite writes plain, double-quoted attributes). */
function tags(html: string, tag: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'gi'))].map((found) =>
    Object.fromEntries(
      [...(found[1] ?? '').matchAll(/([a-z-]+)(?:\s*=\s*"([^"]*)")?/gi)].map((attribute) => [
        (attribute[1] ?? '').toLowerCase(),
        attribute[2] ?? '',
      ]),
    ),
  );
}

function initialJavaScript(): Verdict {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const entries = tags(html, 'script')
    .filter((script) => script.type === 'module' && script.src)
    .map((script) => script.src as string);
  const preloads = tags(html, 'link')
    .filter((link) => link.rel?.split(/\s+/).includes('modulepreload') && link.href)
    .map((link) => link.href as string);
  const paths = [...new Set([...entries, ...preloads])];
  if (entries.length === 0) throw new Error(`${WEB}/index.html loads no module script`);
  let total = 0;
  console.log('Initial JavaScript (loaded by index.html)');
  for (const path of paths) {
    if (!path.startsWith('/')) throw new Error(`index.html loads ${path}, not a file of the console`);
    const body = readFileSync(join(WEB, path));
    const gzipped = gzipSync(body, { level: 9 }).length;
    total += gzipped;
    console.log(`  ${path}  ${kb(body.length)} raw, ${kb(gzipped)} gzipped`);
  }
  const met = total <= INITIAL_JS_BUDGET;
  return {
    budget: 'initial JavaScript',
    met,
    detail: `${kb(total)} gzipped in ${paths.length} file(s) (budget ${kb(INITIAL_JS_BUDGET)})`,
  };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

// ---------------------------------------------------------------------------------------------
// The service and its data

async function api(url: string, method: string, path: string, body: unknown, token?: string) {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * A tenant admin with a few bots (each creation is also an audit record, beside the registration
 * and the sign-ins), so that the bots list and the audit log have rows to render.
 */
async function seed(url: string): Promise<{ email: string; password: string }> {
  const email = `budgets-${randomUUID().slice(0, 8)}@example.com`;
  const password = `Tw!${randomBytes(9).toString('base64url')}9a`;
  await api(url, 'POST', '/auth/register', {
    email,
    password,
    full_name: 'Budget Admin',
    tenant_name: 'Budget team',
  });
  const { access_token: token } = await api(url, 'POST', '/auth/token', { username: email, password });
  const bots = [
    ['Momentum BTC', 'internal', 'binance', 'momentum'],
    ['Mean reversion ETH', 'internal', 'kraken', 'mean-reversion'],
    ['Grid SOL', 'internal', 'coinbase', 'grid'],
    ['Arbitrage desk', 'internal', 'bitstamp', 'arbitrage'],
    ['Trend following', 'internal', 'binance', 'trend'],
  ];
  for (const [name, kind, exchange, strategy] of bots) {
    await api(url, 'POST', '/bots', { name, kind, exchange, strategy }, token as string);
  }
  // The audit log is the admins' page: audited as anyone else, it would score the role notice.
  const me = await api(url, 'GET', '/users/me', undefined, token as string);
  if (!(me.roles as string[]).includes('admin'))
    throw new Error(`the seeded user is not an admin: ${me.roles}`);
  return { email, password };
}

// ---------------------------------------------------------------------------------------------
// The browser

interface Browser {
  port: number;
  stop(): Promise<void>;
}

/**
 * Chromium with its DevTools port on loopback, one profile for every run (Lighthouse opens its tab
 * in it, so a session signed in here is the session Lighthouse's page refreshes). Host names do not
 * resolve (--host-resolver-rules): the audits can only reach 127.0.0.1.
 */
async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'tw-budgets-chromium-'));
  const child = spawn(
    CHROMIUM,
    [
      '--headless=new',
      // CI runs as root, where Chromium's sandbox cannot start; the pages are our own.
      '--no-sandbox',
      '--disable-dev-shm-usage',
      `--user-data-dir=${profile}`,
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-extensions',
      '--disable-sync',
      '--mute-audio',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // Its own process group (detached): Chromium's renderers and helpers end with it.
      process.kill(-(child.pid as number), 'SIGKILL');
      await exited;
    }
    rmSync(profile, { recursive: true, force: true });
  };
  let output = '';
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${output}`)), 30_000);
      child.stderr?.on('data', (chunk) => {
        output += chunk;
        const listening = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
        if (listening) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`Chromium (${CHROMIUM}) exited during start-up:\n${output}`));
      });
    });
    child.stderr?.removeAllListeners('data');
    child.stderr?.resume();
    return { port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Signs in through the console's own form in the shared profile, as a person would: the answer's
 * Set-Cookie leaves the HttpOnly refresh cookie and the CSRF cookie in the profile, and the tab is
 * then closed. Playwright disconnects before Lighthouse runs, so it never attaches to the audited tab.
 */
async function signIn(browser: Browser, url: string, who: { email: string; password: string }) {
  await inProfile(browser, async (page) => {
    await page.goto(`${url}/sign-in`);
    await page.getByLabel('E-mail').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });
}

/**
 * Empties the HTTP cache and keeps the cookies: with disableStorageReset Lighthouse keeps both, and
 * a signed-in page audited with the bundle already cached (by the sign-in, by the page before)
 * would measure a repeat visit, not the first one the budget is about.
 */
async function clearHttpCache(browser: Browser) {
  await inProfile(browser, async (page) => {
    const session = await page.context().newCDPSession(page);
    await session.send('Network.clearBrowserCache');
  });
}

/** Runs `work` in a new tab of the shared profile, then closes it and disconnects. */
async function inProfile(browser: Browser, work: (page: Page) => Promise<void>) {
  const connected = await chromium.connectOverCDP(`http://127.0.0.1:${browser.port}`);
  try {
    const context = connected.contexts()[0];
    if (context === undefined) throw new Error('Chromium has no default profile');
    const page = await context.newPage();
    await work(page);
    await page.close();
  } finally {
    await connected.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Lighthouse

interface Audited {
  page: string;
  scores: Record<Category, number>;
  /** Per category below its target: its weighted audits short of full marks, the costliest first. */
  failing: Partial<Record<Category, string[]>>;
  /** First and largest contentful paint, total blocking time, layout shift, as Lighthouse shows them. */
  metrics: string;
  /** The element of the largest paint and its text: what the page showed. */
  largest: string;
}

const METRICS = {
  FCP: 'first-contentful-paint',
  LCP: 'largest-contentful-paint',
  TBT: 'total-blocking-time',
  CLS: 'cumulative-layout-shift',
};

/** The API calls of the audited load that prove it was signed in: the cookie refresh, then who. */
const SIGNED_IN = ['/api/v1/auth/refresh', '/api/v1/users/me'];

async function audit(browser: Browser, name: string, url: string, signedIn: boolean): Promise<Audited> {
  const result = await lighthouse(url, {
    port: browser.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: CATEGORIES,
    // The signed-in pages need the profile's session cookies; Lighthouse would clear them first.
    disableStorageReset: signedIn,
    // Not scored (a picture of the whole page for the HTML report); a second or more per page.
    skipAudits: ['full-page-screenshot'],
  });
  if (result === undefined) throw new Error(`Lighthouse returned no result for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError)
    throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  // A signed-out console shows sign-in for every page: scores of that page under another name
  // would be worthless, so the audited page must be the one asked for, and a signed-in one must
  // have been signed in by its own load (the refresh cookie answered, the user read).
  if (new URL(lhr.finalDisplayedUrl).pathname !== new URL(url).pathname)
    throw new Error(`Lighthouse audited ${lhr.finalDisplayedUrl} instead of ${url} (not signed in?)`);
  if (signedIn) {
    const requests = (lhr.audits['network-requests']?.details as { items?: NetworkRequest[] } | undefined)
      ?.items;
    for (const path of SIGNED_IN) {
      const answered = requests?.find((request) => new URL(request.url).pathname === path);
      if (answered?.statusCode !== 200)
        throw new Error(
          `${url} was audited signed out: ${path} answered ${answered?.statusCode ?? 'nothing'}`,
        );
    }
  }
  const scores = {} as Record<Category, number>;
  const failing: Audited['failing'] = {};
  for (const category of CATEGORIES) {
    const scored = lhr.categories[category];
    const score = Math.round((scored?.score ?? 0) * 100);
    scores[category] = score;
    if (score >= TARGETS[category]) continue;
    // Every weighted audit short of full marks, the costliest first: in performance the metrics
    // score on a curve, so "failing" is whatever loses points; elsewhere audits pass or fail.
    failing[category] = (scored?.auditRefs ?? [])
      .flatMap((ref) => {
        const found = lhr.audits[ref.id];
        if (ref.weight === 0 || found === undefined || found.score === null || found.score >= 1) return [];
        return [{ found, lost: ref.weight * (1 - found.score) }];
      })
      .sort((a, b) => b.lost - a.lost)
      .map(({ found }) => {
        const value = found.displayValue ? `, ${found.displayValue}` : '';
        return `${found.title} (score ${Math.round((found.score ?? 0) * 100)}${value})`;
      });
  }
  const metrics = Object.entries(METRICS)
    .map(([label, id]) => `${label} ${lhr.audits[id]?.displayValue ?? '?'}`)
    .join(', ');
  const element = (
    lhr.audits['largest-contentful-paint-element']?.details as
      | { items?: { items?: { node?: { snippet?: string; nodeLabel?: string } }[] }[] }
      | undefined
  )?.items?.[0]?.items?.[0]?.node;
  const largest = element ? `${element.snippet} ${JSON.stringify(element.nodeLabel ?? '')}` : 'none';
  return { page: name, scores, failing, metrics, largest };
}

interface NetworkRequest {
  url: string;
  statusCode: number;
}

function printTable(rows: Audited[]): void {
  const header = ['page', ...CATEGORIES];
  const lines = [
    header,
    ['', ...CATEGORIES.map((category) => `target ≥ ${TARGETS[category]}`)],
    ...rows.map((row) => [row.page, ...CATEGORIES.map((category) => String(row.scores[category]))]),
  ];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  console.log('\nLighthouse (mobile, simulated throttling)');
  for (const line of lines) console.log(`  ${line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`);
  for (const row of rows) {
    console.log(`  ${row.page}: ${row.metrics}; largest paint ${row.largest}`);
    for (const category of CATEGORIES) {
      const titles = row.failing[category];
      if (titles === undefined) continue;
      console.log(
        `  ${row.page} ${category} ${row.scores[category]} < ${TARGETS[category]}, failing audits:`,
      );
      for (const title of titles) console.log(`    - ${title}`);
      if (titles.length === 0) console.log('    (none: every weighted audit has full marks)');
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const build = spawnSync(process.execPath, ['scripts/build.js'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/build.js failed:\n${build.stdout}${build.stderr}`);
  step('built');
  const verdicts = [initialJavaScript()];

  const dataDir = mkdtempSync(join(tmpdir(), 'tw-budgets-data-'));
  // Both start at once (each takes seconds); whichever started is stopped even when the other failed.
  const starting = [
    startService(
      {
        DATA_DIR: dataDir,
        SECRET_KEY: randomBytes(32).toString('base64url'),
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        PASSWORD_HASH_COST: '4',
        // Not quieter: startService waits for the 'tradewise ready' line, logged at info.
        LOG_LEVEL: 'info',
      },
      { bundle: true },
    ),
    launchChromium(),
  ] as const;
  try {
    const [service, browser] = await Promise.all(starting);
    const { url } = service;
    step(`service and Chromium started (${url})`);
    const admin = await seed(url);
    step('seeded: a tenant admin with 5 bots');
    const rows = [await audit(browser, 'sign-in', `${url}/sign-in`, false)];
    step('audited sign-in');
    await signIn(browser, url, admin);
    await clearHttpCache(browser);
    rows.push(await audit(browser, 'bots', `${url}/bots`, true));
    step('audited bots');
    await clearHttpCache(browser);
    rows.push(await audit(browser, 'audit-log', `${url}/audit-log`, true));
    step('audited audit-log');
    printTable(rows);
    for (const row of rows) {
      const missed = CATEGORIES.filter((category) => row.scores[category] < TARGETS[category]);
      verdicts.push({
        budget: `Lighthouse ${row.page}`,
        met: missed.length === 0,
        detail: CATEGORIES.map((category) => `${category} ${row.scores[category]}`).join(', '),
      });
    }
  } finally {
    const [service, browser] = await Promise.allSettled(starting);
    if (browser.status === 'fulfilled') await browser.value.stop();
    if (service.status === 'fulfilled') await service.value.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  console.log('\nBudgets');
  for (const verdict of verdicts)
    console.log(`  ${verdict.met ? 'met   ' : 'MISSED'}  ${verdict.budget}: ${verdict.detail}`);
  console.log(`Measured in ${seconds()} s`);
  return verdicts.every((verdict) => verdict.met) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    console.error(`Budgets not measured (${seconds()} s)`);
    process.exitCode = 1;
  },
);
