// The subscriptions page of the console (issue 17; CONTRACT.md "Subscriptions") and the Subscribe
// action on a bot's page, end to end in a browser against the service as `npm start` runs it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
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

interface Subscription {
  id: string;
  bot_id: string;
  plan: string;
  status: string;
}

describe('console: subscriptions', { skip: browserMissing }, () => {
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
    options: { viewport?: { width: number; height: number } } = {},
  ): Promise<Watched> {
    const watched = await openConsole(browser, service.url, options);
    await signIn(watched.page, who.email, who.password);
    return watched;
  }

  async function createBot(token: string, name: string): Promise<{ id: string; name: string }> {
    const made = await api(service.url, 'POST', '/bots', {
      token,
      body: { name, kind: 'internal', exchange: 'binance', strategy: 'grid' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body as { id: string; name: string };
  }

  async function subscriptionsOf(token: string): Promise<Subscription[]> {
    const list = await api(service.url, 'GET', '/subscriptions', { token });
    assert.equal(list.status, 200);
    return (list.body as { items: Subscription[] }).items;
  }

  async function assertAccessible(page: Page, state: string): Promise<void> {
    assert.deepEqual(await accessibilityViolations(page), [], `axe on ${state}`);
  }

  /** The cells of the subscriptions table's rows, without the actions column. */
  async function rows(page: Page): Promise<string[][]> {
    const all = await page.getByRole('table').getByRole('row').all();
    const cells = await Promise.all(all.slice(1).map((row) => row.getByRole('cell').allTextContents()));
    return cells.map((row) => [row[0] ?? '', row[1] ?? '', row[2] ?? '']);
  }

  test('a tenant without bots is told to create one first', async () => {
    const admin = await registerAdmin(service.url, 'subs-empty');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Subscriptions' }).waitFor();
    await page.getByText('No bots to subscribe to').waitFor();
    await page.getByText('No subscriptions yet').waitFor();
    await assertAccessible(page, 'the empty subscriptions page');
    await page.getByRole('link', { name: 'Create a bot' }).click();
    await page.waitForURL('**/bots/new');
    await watched.assertClean();
  });

  test('subscribing with a plan lists the subscription; a second one to the same bot is refused at the form', async () => {
    const admin = await registerAdmin(service.url, 'subs-create');
    await createBot(admin.token, 'Alpha Grid');
    const beta = await createBot(admin.token, 'Beta Momentum');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto('/subscriptions');
    await page.getByLabel('Bot', { exact: true }).selectOption({ label: 'Beta Momentum' });
    await page.getByLabel('Plan', { exact: true }).selectOption('pro');
    await assertAccessible(page, 'the subscribe form');
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Subscribed to “Beta Momentum” on the Pro plan.' })
      .waitFor();
    await page.getByRole('table').getByRole('link', { name: 'Beta Momentum' }).waitFor();
    assert.deepEqual(await rows(page), [['Beta Momentum', 'Pro', 'Active']]);
    const [stored] = await subscriptionsOf(admin.token);
    assert.equal(stored?.bot_id, beta.id);
    assert.equal(stored?.plan, 'pro');
    await screenshot(page, 'subscriptions');
    await assertAccessible(page, 'the subscriptions list');

    await page.getByLabel('Plan', { exact: true }).selectOption('free');
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    const alert = page.locator('.subscribe-form').getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Already subscribed to this bot/);
    assert.equal((await subscriptionsOf(admin.token)).length, 1);
    await assertAccessible(page, 'the subscribe form with the 409');
    await watched.assertClean();
  });

  test('cancelling asks first: cancel keeps the subscription, confirming cancels it and keeps it as history', async () => {
    const admin = await registerAdmin(service.url, 'subs-cancel');
    const bot = await createBot(admin.token, 'Gamma Mean');
    const made = await api(service.url, 'POST', '/subscriptions', {
      token: admin.token,
      body: { bot_id: bot.id, plan: 'free' },
    });
    assert.equal(made.status, 201);
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto('/subscriptions');
    const unsubscribe = page.getByRole('button', { name: 'Unsubscribe from Gamma Mean' });
    await unsubscribe.click();
    const dialog = page.getByRole('dialog', { name: 'Cancel the subscription to “Gamma Mean”?' });
    await dialog.waitFor();
    await assertAccessible(page, 'the cancel confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await subscriptionsOf(admin.token))[0]?.status, 'active');

    await unsubscribe.click();
    await dialog.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('status').filter({ hasText: 'Subscription to “Gamma Mean” cancelled.' }).waitFor();
    await unsubscribe.waitFor({ state: 'detached' });
    assert.deepEqual(await rows(page), [['Gamma Mean', 'Free', 'Cancelled']]);
    assert.equal((await subscriptionsOf(admin.token))[0]?.status, 'cancelled');
    await watched.assertClean();
  });

  test("a bot's page subscribes to that bot, and says so when already subscribed", async () => {
    const admin = await registerAdmin(service.url, 'subs-bot-page');
    const bot = await createBot(admin.token, 'Delta Scalper');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto(`/bots/${bot.id}`);
    await page.getByRole('heading', { level: 1, name: 'Delta Scalper' }).waitFor();
    await page.getByLabel('Plan', { exact: true }).selectOption('pro');
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Subscribed to “Delta Scalper” on the Pro plan.' })
      .waitFor();
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    const alert = page.locator('.subscribe-form').getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Already subscribed to this bot/);
    const subscriptions = await subscriptionsOf(admin.token);
    assert.deepEqual(
      subscriptions.map((s) => [s.bot_id, s.plan, s.status]),
      [[bot.id, 'pro', 'active']],
    );
    await watched.assertClean();
  });

  test("each user sees only their own subscriptions, and another tenant's bot cannot be chosen", async () => {
    const admin = await registerAdmin(service.url, 'subs-own');
    const bot = await createBot(admin.token, 'Epsilon Trend');
    const mine = await api(service.url, 'POST', '/subscriptions', {
      token: admin.token,
      body: { bot_id: bot.id, plan: 'pro' },
    });
    assert.equal(mine.status, 201);
    const email = uniqueEmail('subs-user');
    const password = strongPassword();
    const user = await api(service.url, 'POST', '/users', {
      token: admin.token,
      body: { email, password, full_name: 'Plain User', roles: ['user'] },
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const colleague = await signedIn({ email, password });
    await colleague.page.goto('/subscriptions');
    await colleague.page.getByText('No subscriptions yet').waitFor();
    // A plain user may subscribe (the subscription routes have no role guard).
    await colleague.page.getByLabel('Bot', { exact: true }).selectOption({ label: 'Epsilon Trend' });
    await colleague.page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await colleague.page.getByRole('table').getByRole('link', { name: 'Epsilon Trend' }).waitFor();
    assert.equal((await subscriptionsOf(await tokenFor(service.url, email, password))).length, 1);
    await colleague.assertClean();

    const stranger = await registerAdmin(service.url, 'subs-stranger');
    const other = await signedIn(stranger);
    await other.page.goto('/subscriptions');
    await other.page.getByText('No bots to subscribe to').waitFor();
    assert.ok(!(await other.page.content()).includes('Epsilon Trend'));
    const refused = await api(service.url, 'POST', '/subscriptions', {
      token: stranger.token,
      body: { bot_id: bot.id, plan: 'free' },
    });
    assert.equal(refused.status, 404);
    await other.assertClean();
  });

  test("a deleted bot's subscription stays listed as cancelled history", async () => {
    const admin = await registerAdmin(service.url, 'subs-deleted');
    const bot = await createBot(admin.token, 'Zeta Gone');
    await api(service.url, 'POST', '/subscriptions', {
      token: admin.token,
      body: { bot_id: bot.id, plan: 'free' },
    });
    const deleted = await api(service.url, 'DELETE', `/bots/${bot.id}`, { token: admin.token });
    assert.equal(deleted.status, 204);
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto('/subscriptions');
    await page.getByRole('table').getByText('Deleted bot').waitFor();
    assert.deepEqual(await rows(page), [['Deleted bot', 'Free', 'Cancelled']]);
    await watched.assertClean();
  });

  test('subscribing and cancelling work with the keyboard alone', async () => {
    const admin = await registerAdmin(service.url, 'subs-keyboard');
    await createBot(admin.token, 'Eta Keys');
    const watched = await signedIn(admin);
    const { page } = watched;
    await page.goto('/subscriptions');
    await page
      .getByLabel('Bot', { exact: true })
      .locator('option', { hasText: 'Eta Keys' })
      .waitFor({ state: 'attached' });
    await tabTo(page, 'Bot');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'Plan');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, 'Subscribe');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Subscribed to “Eta Keys” on the Pro plan.' }).waitFor();
    await page.getByRole('button', { name: 'Unsubscribe from Eta Keys' }).waitFor();
    await tabTo(page, 'Unsubscribe from Eta Keys');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    // The dialog takes the focus; its confirmation is after Cancel.
    await tabTo(page, 'Unsubscribe');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Subscription to “Eta Keys” cancelled.' }).waitFor();
    assert.equal((await subscriptionsOf(admin.token))[0]?.status, 'cancelled');
    await watched.assertClean();
  });

  test('the subscriptions page fits a 390 px wide screen', async () => {
    const admin = await registerAdmin(service.url, 'subs-narrow');
    const bot = await createBot(admin.token, 'Theta with a rather long name that must wrap on a phone');
    await api(service.url, 'POST', '/subscriptions', {
      token: admin.token,
      body: { bot_id: bot.id, plan: 'pro' },
    });
    const watched = await signedIn(admin, { viewport: { width: 390, height: 844 } });
    const { page } = watched;
    await page.goto('/subscriptions');
    await page.getByRole('table').getByRole('link', { name: bot.name }).waitFor();
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 390, `the page is ${width} px wide`);
    await assertAccessible(page, 'the subscriptions page at 390 px');
    await watched.assertClean();
  });
});
