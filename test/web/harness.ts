// End-to-end tests of the web console: Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium)
// driven by playwright-core, against the service started as `npm start` starts it (the bundle
// dist/main.js with the built console), in the shape of the run: embedded without DATABASE_URL,
// PostgreSQL + Redis with it. Every page a test opens is watched: a CSP violation, an uncaught
// error, a dialog (alert/confirm/prompt: what an XSS payload would open) or a console error fails
// the test in `assertClean`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { finished, type ServiceProcess, startService } from '../helpers/process.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `describe(..., { skip: browserMissing })`: says why when there is no Chromium to drive. */
export const browserMissing: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

const serverShape = Boolean(process.env.DATABASE_URL);

/** A password the policy accepts, different on every call. */
export function strongPassword(): string {
  return `Tw!${randomBytes(9).toString('base64url')}9a`;
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

let built = false;

/** What `npm start` runs first (fast when nothing changed). */
export function ensureBuilt(): void {
  if (built) return;
  const build = spawnSync(process.execPath, ['scripts/build.js'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/build.js failed:\n${build.stdout}${build.stderr}`);
  built = true;
}

export interface ConsoleService {
  url: string;
  service: ServiceProcess;
  env: Record<string, string>;
  /** Runs `npx tradewise <args>` against this service's storage (with `stdin` piped in). */
  cli(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export interface ConsoleOptions {
  /** Extra configuration (limits, TRUSTED_PROXIES, ...). */
  env?: Record<string, string>;
  /** Operators to create with the command line before the service starts (the only way to make one). */
  operators?: { email: string; password: string }[];
}

function cliRun(env: Record<string, string>, args: string[], stdin?: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(stdin ?? '');
  return finished(child);
}

/** Starts the service with its console, in this run's shape, with its own secrets and data. */
export async function startConsole(options: ConsoleOptions = {}): Promise<ConsoleService> {
  ensureBuilt();
  const dataDir = join(tmpdir(), `tw-web-${randomUUID()}`);
  mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    SECRET_KEY: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PASSWORD_HASH_COST: '4',
    // Every test signs up and in from 127.0.0.1: the limits of a public deployment would make the
    // tests wait on each other, not test the console. Tests of limits set their own.
    REGISTER_RATE_LIMIT: '1000/minute',
    LOGIN_RATE_LIMIT: '1000/minute',
    REFRESH_RATE_LIMIT: '1000/minute',
    ...(serverShape
      ? {
          DATABASE_URL: process.env.DATABASE_URL as string,
          ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
          REDIS_KEY_PREFIX: `tw-web:${randomUUID()}:`,
        }
      : {}),
    ...options.env,
  };
  // Embedded: the command line opens the data directory before the service holds it.
  for (const operator of options.operators ?? []) {
    const made = await cliRun(
      env,
      ['create-operator', '--email', operator.email, '--password-stdin'],
      `${operator.password}\n`,
    );
    if (made.code !== 0) throw new Error(`create-operator failed:\n${made.stdout}${made.stderr}`);
  }
  const service = await startService(env, { bundle: true });
  return {
    url: service.url,
    service,
    env,
    cli: (args, stdin) => cliRun(env, args, stdin),
    async stop() {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // CI runs as root, where Chromium's sandbox cannot start; the pages are our own.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** CSP violations, uncaught errors, dialogs and console errors seen so far. */
  problems(): Promise<string[]>;
  /** Fails with every problem seen (call at the end of a test, and after each risky step). */
  assertClean(): Promise<void>;
}

/** Console messages that are the API answering as designed (a refusal, a backing service down), not a fault: a 500 is. */
const EXPECTED_CONSOLE_ERRORS = /Failed to load resource: the server responded with a status of (4\d\d|503)/;

/** Watches a page for anything an XSS or a broken page would show (see the file's comment). */
export async function watch(page: Page): Promise<Watched> {
  const problems: string[] = [];
  // Runs before the page's own script; the console's code never touches __cspViolations.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      (window.__cspViolations = window.__cspViolations || []).push(
        event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sample + ')');
    });`,
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !EXPECTED_CONSOLE_ERRORS.test(text))
      problems.push(`console error: ${text}`);
    if (/Content Security Policy|Trusted Type/i.test(text)) problems.push(`csp: ${text}`);
  });
  return {
    page,
    context: page.context(),
    async problems() {
      const violations = await cspViolations(page).catch(() => [] as string[]);
      return [...new Set([...problems, ...violations.map((v) => `csp violation: ${v}`)])];
    },
    async assertClean() {
      const violations = await cspViolations(page).catch(() => [] as string[]);
      const seen = [...new Set([...problems, ...violations.map((v) => `csp violation: ${v}`)])];
      if (seen.length > 0) throw new Error(`the page misbehaved:\n${seen.join('\n')}`);
    },
  };
}

/** The CSP violations the page has reported since it loaded. */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__cspViolations || []');
}

/** A new browser context (its own cookies: another person) with one watched page. */
export async function openConsole(
  browser: Browser,
  url: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<Watched> {
  const context = await browser.newContext({
    baseURL: url,
    viewport: options.viewport ?? { width: 1280, height: 800 },
  });
  return watch(await context.newPage());
}

/** Signs up through the console's form (a new tenant with this user as its admin). */
export async function signUp(
  page: Page,
  who: { email: string; password: string; fullName: string; tenant?: string },
): Promise<void> {
  await page.goto('/sign-up');
  if (who.tenant !== undefined) await page.getByLabel('Team (tenant) name').fill(who.tenant);
  await page.getByLabel('Full name').fill(who.fullName);
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/bots');
}

/** The top bar's "Sign out" (a page may have others: a session's, "Sign out everywhere"). */
export function signOutButton(page: Page): Locator {
  return page.locator('header').getByRole('button', { name: 'Sign out', exact: true });
}

/** Signs in through the console's form and waits for the first signed-in page. */
export async function signIn(page: Page, email: string, password: string, path = '/sign-in'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signOutButton(page).waitFor();
}

/** Calls the API directly (test set-up: users, bots, events), with a bearer token when given. */
export async function api(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body, headers: response.headers };
}

/** An access token for `email` (API set-up beside the browser). */
export async function tokenFor(url: string, email: string, password: string): Promise<string> {
  const answer = await api(url, 'POST', '/auth/token', { body: { username: email, password } });
  if (answer.status !== 200)
    throw new Error(`login of ${email} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as { access_token: string }).access_token;
}

/** A tenant admin made through the API (faster than the form when the form is not under test). */
export async function registerAdmin(
  url: string,
  label: string,
): Promise<{ email: string; password: string; token: string; fullName: string }> {
  const email = uniqueEmail(label);
  const password = strongPassword();
  const fullName = `${label[0]?.toUpperCase() ?? ''}${label.slice(1)} Admin`;
  const made = await api(url, 'POST', '/auth/register', {
    body: { email, password, full_name: fullName, tenant_name: `${label} team ${randomUUID().slice(0, 4)}` },
  });
  if (made.status !== 201) throw new Error(`register answered ${made.status}: ${JSON.stringify(made.body)}`);
  return { email, password, fullName, token: await tokenFor(url, email, password) };
}

const AXE_SOURCE = () => readFileSync(join('node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * axe-core on the page as it is now: the serious and critical violations (WCAG 2.x A and AA rules,
 * best practices). Evaluated through the DevTools protocol, which the page's CSP does not govern.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE());
  const results = await page.evaluate("window.axe.run(document, { resultTypes: ['violations'] })");
  const violations = (
    results as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }
  ).violations;
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Where the e2e run writes its screenshots (SCREENSHOT_DIR; the README's come from docs/screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR ?? join('dist', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/**
 * Retries `check` until it passes (for what the service does in the background: security events
 * are stored in batches). Fails with the last error after `timeoutMs`, a bound for a hang only.
 */
export async function eventually(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

// Evaluated in the page (a string: this project's Node types know no DOM): the focused control's
// accessible name as a user hears it — its aria-label, else its <label>, else its own text.
const FOCUSED_NAME = `(() => {
  const element = document.activeElement;
  if (element === null || element === document.body) return '';
  const label = element.labels && element.labels[0] ? element.labels[0].textContent : null;
  return (element.getAttribute('aria-label') ?? label ?? element.textContent ?? '').trim();
})()`;

/**
 * Presses Tab until the control named `target` (or matched by the locator) has the focus: the way a
 * keyboard user gets there. Fails after 60 presses.
 */
export async function tabTo(page: Page, target: string | Locator): Promise<void> {
  const focused = () =>
    typeof target === 'string'
      ? page.evaluate<string>(FOCUSED_NAME).then((name) => name === target)
      : target.evaluate((element) => element.matches(':focus'));
  for (let presses = 0; presses < 60; presses += 1) {
    if (await focused()) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${typeof target === 'string' ? target : 'the control'}`);
}
