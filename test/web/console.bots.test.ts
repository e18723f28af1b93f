// The bot pages of the console (issue 17; CONTRACT.md "Bots"), end to end in a browser against the
// service as `npm start` runs it. No test opens a connection to anything but loopback: connection
// tests are either refused by the service before it connects, or (with DEBUG=true, which allows
// loopback) aimed at 127.0.0.1:9, where nothing listens. Public-looking URLs are stored (an IP
// literal: no DNS lookup) but never tested.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startService } from '../helpers/process.ts';
import type { ConsoleService, Watched } from './harness.ts';
import {
  accessibilityViolations,
  api,
  browserMissing,
  launchBrowser,
  openConsole,
  registerAdmin,
  screenshot,
  signIn,
  startConsole,
  strongPassword,
  tabTo,
  tokenFor,
  uniqueEmail,
} from './harness.ts';

/** Stored, never tested: a public address literal, so storing it needs no DNS lookup. */
const PUBLIC_URL = 'https://93.184.216.34/bots/beta';
/** Refused by the service (a loopback address) before any connection, unless DEBUG=true. */
const LOOPBACK_URL = 'http://127.0.0.1:9/x';

interface BotBody {
  name: string;
  kind: 'internal' | 'external';
  exchange: string;
  strategy: string;
  api_url?: string;
  api_token?: string;
}

interface StoredBot extends BotBody {
  id: string;
  status: string;
  has_api_token: boolean;
}

describe('console: bots', { skip: browserMissing }, () => {
  let service: ConsoleService;
  let browser: Browser;

  before(async () => {
    service = await startConsole();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function signedIn(
    who: { email: string; password: string },
    options: { viewport?: { width: number; height: number }; url?: string } = {},
  ): Promise<Watched> {
    const watched = await openConsole(browser, options.url ?? service.url, options);
    await signIn(watched.page, who.email, who.password);
    return watched;
  }

  async function createBot(token: string, body: BotBody, url = service.url): Promise<StoredBot> {
    const made = await api(url, 'POST', '/bots', { token, body });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body as StoredBot;
  }

  /** The messages shown under the field labelled `label` (waits for them to appear). */
  async function fieldErrorsOf(page: Page, label: string): Promise<string> {
    const errors = page
      .locator('.field', { has: page.getByLabel(label, { exact: true }) })
      .locator('.field-errors');
    await errors.waitFor();
    return (await errors.textContent()) ?? '';
  }

  async function assertAccessible(page: Page, state: string): Promise<void> {
    assert.deepEqual(await accessibilityViolations(page), [], `axe on ${state}`);
  }

  async function fillBotForm(page: Page, bot: Partial<BotBody>): Promise<void> {
    if (bot.name !== undefined) await page.getByLabel('Name', { exact: true }).fill(bot.name);
    if (bot.kind !== undefined) await page.getByLabel('Kind', { exact: true }).selectOption(bot.kind);
    if (bot.exchange !== undefined) await page.getByLabel('Exchange', { exact: true }).fill(bot.exchange);
    if (bot.strategy !== undefined) await page.getByLabel('Strategy', { exact: true }).fill(bot.strategy);
    if (bot.api_url !== undefined) await page.getByLabel('API URL', { exact: true }).fill(bot.api_url);
    if (bot.api_token !== undefined) await page.getByLabel('API token', { exact: true }).fill(bot.api_token);
  }

  test('an empty list says to create the first bot; a bot made with the form opens its page and is listed', async () => {
    const admin = await registerAdmin(service.url, 'bots-create');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.getByRole('heading', { level: 1, name: 'Bots' }).waitFor();
    await page.getByText('No bots yet').waitFor();
    await assertAccessible(page, 'the empty bot list');

    await page.getByRole('link', { name: 'Create your first bot' }).click();
    await page.waitForURL('**/bots/new');
    await page.getByRole('heading', { level: 1, name: 'New bot' }).waitFor();
    await assertAccessible(page, 'the new bot form');
    await fillBotForm(page, { name: 'Momentum BTC', exchange: 'binance', strategy: 'momentum' });
    await page.getByRole('button', { name: 'Create bot' }).click();

    await page.getByRole('heading', { level: 1, name: 'Momentum BTC' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/bots\/[0-9a-f-]{36}$/);
    await page.getByRole('status').filter({ hasText: 'Bot “Momentum BTC” created.' }).waitFor();
    await page.getByText('No token', { exact: true }).waitFor();
    await assertAccessible(page, 'the bot page');

    await page.getByRole('link', { name: 'All bots' }).click();
    const row = page.getByRole('row', { name: /Momentum BTC/ });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    assert.deepEqual(cells.slice(0, 6), [
      'Momentum BTC',
      'Internal',
      'binance',
      'momentum',
      'Stopped',
      'None',
    ]);
    await assertAccessible(page, 'the bot list');
    await watched.assertClean();
  });

  test('search by name and the kind and status filters find the matching bots only, and a reload keeps them', async () => {
    const admin = await registerAdmin(service.url, 'bots-filter');
    await createBot(admin.token, {
      name: 'Alpha Momentum',
      kind: 'internal',
      exchange: 'binance',
      strategy: 'momentum',
    });
    const beta = await createBot(admin.token, {
      name: 'Beta Grid',
      kind: 'external',
      exchange: 'kraken',
      strategy: 'grid',
      api_url: PUBLIC_URL,
    });
    const gamma = await createBot(admin.token, {
      name: 'Gamma Mean',
      kind: 'internal',
      exchange: 'kraken',
      strategy: 'mean',
    });
    const running = await api(service.url, 'PATCH', `/bots/${gamma.id}`, {
      token: admin.token,
      body: { status: 'running' },
    });
    assert.equal(running.status, 200);
    const watched = await signedIn(admin);
    const { page } = watched;
    const names = async () => {
      await page.getByRole('table').waitFor();
      return page.locator('tbody tr td:first-child').allInnerTexts();
    };
    await page.getByRole('link', { name: 'Gamma Mean' }).waitFor();
    assert.deepEqual(await names(), ['Alpha Momentum', 'Beta Grid', 'Gamma Mean']);
    await screenshot(page, 'bots-list');

    await page.getByLabel('Search by name').fill('ALPHA');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL('**/bots?q=ALPHA');
    await page.getByRole('link', { name: 'Beta Grid' }).waitFor({ state: 'detached' });
    assert.deepEqual(await names(), ['Alpha Momentum']);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('link', { name: 'Beta Grid' }).waitFor();
    await page.getByLabel('Kind', { exact: true }).selectOption('external');
    await page.waitForURL('**/bots?kind=external');
    await page.getByRole('link', { name: 'Alpha Momentum' }).waitFor({ state: 'detached' });
    assert.deepEqual(await names(), ['Beta Grid']);
    assert.equal(beta.kind, 'external');

    await page.getByLabel('Kind', { exact: true }).selectOption('');
    await page.getByLabel('Status', { exact: true }).selectOption('running');
    await page.waitForURL('**/bots?status=running');
    await page.getByRole('link', { name: 'Beta Grid' }).waitFor({ state: 'detached' });
    assert.deepEqual(await names(), ['Gamma Mean']);

    await page.reload();
    await page.getByRole('link', { name: 'Gamma Mean' }).waitFor();
    assert.equal(await page.getByLabel('Status', { exact: true }).inputValue(), 'running');
    assert.deepEqual(await names(), ['Gamma Mean']);

    await page.getByLabel('Search by name').fill('alpha');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No bot matches the filters').waitFor();
    assert.equal(await page.getByRole('table').count(), 0);
    await assertAccessible(page, 'the list with no match');
    await watched.assertClean();
  });

  test('editing sends only the changed fields, and the page shows the saved bot', async () => {
    const admin = await registerAdmin(service.url, 'bots-edit');
    const bot = await createBot(admin.token, {
      name: 'Editable',
      kind: 'internal',
      exchange: 'binance',
      strategy: 'grid',
    });
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto(`/bots/${bot.id}`);
    await page.getByRole('heading', { level: 1, name: 'Editable' }).waitFor();
    // Someone else renames the bot after this page loaded it: a save of other fields keeps that.
    const elsewhere = await api(service.url, 'PATCH', `/bots/${bot.id}`, {
      token: admin.token,
      body: { name: 'Renamed elsewhere' },
    });
    assert.equal(elsewhere.status, 200);
    await page.getByLabel('Strategy', { exact: true }).fill('momentum');
    await page.getByLabel('Status', { exact: true }).selectOption('paused');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Changes saved.' }).waitFor();
    await page.locator('dl.details').getByText('Paused').waitFor();

    const stored = await api(service.url, 'GET', `/bots/${bot.id}`, { token: admin.token });
    const body = stored.body as StoredBot;
    assert.equal(body.strategy, 'momentum');
    assert.equal(body.status, 'paused');
    assert.equal(body.name, 'Renamed elsewhere', 'the name this page did not change is not sent');
    await page.getByRole('heading', { level: 1, name: 'Renamed elsewhere' }).waitFor();

    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Nothing changed.' }).waitFor();
    await watched.assertClean();
  });

  test('the API token is write-only: set, replaced and cleared, and never in the page', async () => {
    const admin = await registerAdmin(service.url, 'bots-token');
    const first = `tok_first_${strongPassword().replace(/[^A-Za-z0-9]/g, '')}`;
    const second = `tok_second_${strongPassword().replace(/[^A-Za-z0-9]/g, '')}`;
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto('/bots/new');
    await fillBotForm(page, { name: 'Tokened', exchange: 'binance', strategy: 'grid', api_token: first });
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tokened' }).waitFor();
    await page.locator('dl.details').getByText('Token stored').waitFor();
    assert.ok(!(await page.content()).includes(first), 'the first token is not in the page');
    assert.equal(await page.getByLabel('New API token').inputValue(), '');
    const id = new URL(page.url()).pathname.split('/').pop() ?? '';

    await page.getByLabel('New API token').fill(second);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'The new token is stored.' }).waitFor();
    // The audit record of the save names the token as the one field changed (never its value).
    const audit = await api(service.url, 'GET', '/admin/audit-log', { token: admin.token });
    const update = JSON.stringify(
      (audit.body as { items: { action: string }[] }).items.find((record) => record.action === 'bot.update'),
    );
    assert.match(update, /"fields":\["api_token"\]/);
    assert.ok(!update.includes(second));
    assert.equal(await page.getByLabel('New API token').inputValue(), '');
    const content = await page.content();
    assert.ok(!content.includes(first) && !content.includes(second), 'no token is in the page');

    await page.getByRole('button', { name: 'Clear stored token' }).click();
    await page
      .getByRole('dialog', { name: 'Remove the stored token?' })
      .getByRole('button', { name: 'Remove token' })
      .click();
    await page.getByRole('status').filter({ hasText: 'The stored token was removed.' }).waitFor();
    await page.locator('dl.details').getByText('No token').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Clear stored token' }).count(), 0);
    const stored = await api(service.url, 'GET', `/bots/${id}`, { token: admin.token });
    assert.equal((stored.body as StoredBot).has_api_token, false);
    await watched.assertClean();
  });

  test('a refused API URL is said next to its field, when tested and when saved', async () => {
    const admin = await registerAdmin(service.url, 'bots-refused');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto('/bots/new');
    await fillBotForm(page, {
      name: 'Local',
      kind: 'external',
      exchange: 'binance',
      strategy: 'grid',
      api_url: LOOPBACK_URL,
      api_token: 'tok_loopback_123',
    });
    await page.getByRole('button', { name: 'Test connection' }).click();
    assert.match(await fieldErrorsOf(page, 'API URL'), /api_url's host is a loopback address/);
    assert.equal(await page.getByRole('alert').count(), 0, 'no other error notice');
    assert.equal(await page.getByLabel('API URL', { exact: true }).getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'the form with a refused URL');

    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByRole('button', { name: 'Create bot' }).waitFor();
    assert.match(await fieldErrorsOf(page, 'API URL'), /loopback address/);
    assert.equal(new URL(page.url()).pathname, '/bots/new');
    assert.ok(!(await page.content()).includes('tok_loopback_123'));
    const list = await api(service.url, 'GET', '/bots', { token: admin.token });
    assert.deepEqual((list.body as { items: unknown[] }).items, []);
    await watched.assertClean();
  });

  test('a stored bot without URL and token says it cannot be tested', async () => {
    const admin = await registerAdmin(service.url, 'bots-untestable');
    const bot = await createBot(admin.token, {
      name: 'Offline',
      kind: 'internal',
      exchange: 'binance',
      strategy: 'grid',
    });
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto(`/bots/${bot.id}`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /URL|token/i);
    await watched.assertClean();
  });

  test("a stored bot's test shows Busy, then the result; a URL refused since it was stored is said next to its field", async () => {
    // DEBUG=true allows loopback targets: the stored URL is 127.0.0.1:9 (nothing listens there), so
    // the test connects to loopback only. The same data under DEBUG=false then refuses it at use.
    const debug = await startConsole({ env: { DEBUG: 'true' } });
    let restarted: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      const admin = await registerAdmin(debug.url, 'bots-stored');
      const bot = await createBot(
        admin.token,
        {
          name: 'Loopback',
          kind: 'external',
          exchange: 'binance',
          strategy: 'grid',
          api_url: LOOPBACK_URL,
          api_token: 'tok_loopback_123',
        },
        debug.url,
      );
      const watched = await signedIn(admin, { url: debug.url });
      const { page } = watched;
      await page.goto(`/bots/${bot.id}`);
      await page.getByRole('heading', { level: 1, name: 'Loopback' }).waitFor();
      // Hold the answer until the progress indicator has been seen.
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/test-connection', async (route) => {
        await held;
        await route.continue();
      });
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.getByRole('progressbar', { name: 'Testing the connection…' }).waitFor();
      release();
      const result = page.getByRole('status').filter({ hasText: 'Connection failed.' });
      await result.waitFor();
      const text = (await result.textContent()) ?? '';
      assert.match(text, /Status code\s*No answer/);
      assert.match(text, /Latency\s*\d+ ms/);
      assert.match(text, /Error\s*the connection was refused or dropped/);
      await page.getByRole('progressbar').waitFor({ state: 'detached' });
      await screenshot(page, 'bot-detail');
      await assertAccessible(page, 'the bot page with a test result');
      await watched.assertClean();
      await watched.context.close();

      await debug.service.stop();
      restarted = await startService({ ...debug.env, DEBUG: 'false' }, { bundle: true });
      const again = await signedIn(admin, { url: restarted.url });
      await again.page.goto(`/bots/${bot.id}`);
      await again.page.getByRole('button', { name: 'Test connection' }).click();
      assert.match(
        await fieldErrorsOf(again.page, 'API URL'),
        /the stored api_url's host is a loopback address/,
      );
      await again.page.getByText('The stored API URL was refused').waitFor();
      await again.assertClean();
    } finally {
      if (restarted !== undefined) {
        await restarted.stop();
        rmSync(debug.env.DATA_DIR ?? '', { recursive: true, force: true });
      } else {
        await debug.stop();
      }
    }
  });

  test('deleting asks first: cancel keeps the bot, confirming deletes it and the list says so', async () => {
    const admin = await registerAdmin(service.url, 'bots-delete');
    const bot = await createBot(admin.token, {
      name: 'Doomed',
      kind: 'internal',
      exchange: 'binance',
      strategy: 'grid',
    });
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto(`/bots/${bot.id}`);
    await page.getByRole('button', { name: 'Delete bot' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Doomed”?' });
    await dialog.waitFor();
    await assertAccessible(page, 'the delete confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const kept = await api(service.url, 'GET', `/bots/${bot.id}`, { token: admin.token });
    assert.equal(kept.status, 200);

    await page.getByRole('button', { name: 'Delete bot' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL('**/bots');
    await page.getByRole('status').filter({ hasText: 'Bot “Doomed” deleted.' }).waitFor();
    await page.getByText('No bots yet').waitFor();
    const gone = await api(service.url, 'GET', `/bots/${bot.id}`, { token: admin.token });
    assert.equal(gone.status, 404);
    await watched.assertClean();
  });

  test("another tenant's bot is not found, and not in the other tenant's list", async () => {
    const owner = await registerAdmin(service.url, 'bots-owner');
    const bot = await createBot(owner.token, {
      name: 'Private Alpha',
      kind: 'internal',
      exchange: 'binance',
      strategy: 'grid',
    });
    const stranger = await registerAdmin(service.url, 'bots-stranger');
    const watched = await signedIn(stranger);
    const { page } = watched;
    await page.getByText('No bots yet').waitFor();
    await page.goto(`/bots/${bot.id}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Not found/);
    assert.ok(!(await page.content()).includes('Private Alpha'));
    assert.equal(await page.getByRole('button', { name: 'Delete bot' }).count(), 0);
    const refused = await api(service.url, 'DELETE', `/bots/${bot.id}`, { token: stranger.token });
    assert.equal(refused.status, 404);
    await watched.assertClean();
  });

  test('a plain user of the tenant manages bots too (the API has no role guard on bots)', async () => {
    const admin = await registerAdmin(service.url, 'bots-roles');
    const email = uniqueEmail('bots-user');
    const password = strongPassword();
    const made = await api(service.url, 'POST', '/users', {
      token: admin.token,
      body: { email, password, full_name: 'Plain User', roles: ['user'] },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const watched = await signedIn({ email, password });
    const { page } = watched;
    await page.getByRole('link', { name: 'New bot' }).click();
    await fillBotForm(page, { name: 'Users Bot', exchange: 'kraken', strategy: 'grid' });
    await page.getByRole('button', { name: 'Create bot' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users Bot' }).waitFor();
    await page.getByRole('button', { name: 'Delete bot' }).waitFor();
    const list = await api(service.url, 'GET', '/bots', {
      token: await tokenFor(service.url, email, password),
    });
    assert.equal((list.body as { items: StoredBot[] }).items[0]?.name, 'Users Bot');
    await watched.assertClean();
  });

  test('422 issues are shown next to their fields', async () => {
    const admin = await registerAdmin(service.url, 'bots-invalid');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto('/bots/new');
    await page.getByRole('button', { name: 'Create bot' }).click();
    for (const label of ['Name', 'Exchange', 'Strategy']) {
      assert.notEqual(await fieldErrorsOf(page, label), '', `${label} has its error`);
      assert.equal(await page.getByLabel(label, { exact: true }).getAttribute('aria-invalid'), 'true');
    }
    assert.equal(await page.getByRole('alert').count(), 0, 'every issue sits on its field');
    await assertAccessible(page, 'the form with field errors');
    await watched.assertClean();
  });

  test('a bot can be created with the keyboard alone', async () => {
    const admin = await registerAdmin(service.url, 'bots-keyboard');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.getByText('No bots yet').waitFor();
    await tabTo(page, 'New bot');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/bots/new');
    await tabTo(page, 'Name');
    await page.keyboard.type('Keyboard Bot');
    await tabTo(page, 'Kind');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'Exchange');
    await page.keyboard.type('kraken');
    await tabTo(page, 'Strategy');
    await page.keyboard.type('grid');
    await tabTo(page, 'API URL');
    await page.keyboard.type(PUBLIC_URL);
    await tabTo(page, 'Create bot');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Keyboard Bot' }).waitFor();
    await page.locator('dl.details').getByText('External').waitFor();
    await watched.assertClean();
  });

  test('the list, the form and the bot page fit a 390 px wide screen', async () => {
    const admin = await registerAdmin(service.url, 'bots-narrow');
    const bot = await createBot(admin.token, {
      name: 'A bot with a rather long name that must wrap on a phone',
      kind: 'external',
      exchange: 'binance',
      strategy: 'momentum',
      api_url: `${PUBLIC_URL}/with/a/long/path/that/must/wrap/inside/its/box`,
    });
    const watched = await signedIn(admin, { viewport: { width: 390, height: 844 } });
    const { page } = watched;
    const fits = async (where: string) => {
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 390, `${where} is ${width} px wide`);
      await assertAccessible(page, `${where} at 390 px`);
    };
    await page.getByRole('link', { name: bot.name }).waitFor();
    await fits('the list');
    await page.goto('/bots/new');
    await page.getByRole('button', { name: 'Create bot' }).waitFor();
    await fits('the form');
    await page.goto(`/bots/${bot.id}`);
    await page.getByRole('heading', { level: 1, name: bot.name }).waitFor();
    await fits('the bot page');
    await watched.assertClean();
  });
});
