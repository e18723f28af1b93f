// The console's audit log (/audit-log): an admin's changes newest first, the filters (kept in the
// URL), cursor paging, one record's details and the chain verification; a plain user is refused
// by the console and by the API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ConsoleService } from './harness.ts';
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

type Admin = Awaited<ReturnType<typeof registerAdmin>>;

async function createBot(url: string, token: string, name: string): Promise<string> {
  const made = await api(url, 'POST', '/bots', {
    token,
    body: { name, kind: 'internal', exchange: 'binance', strategy: 'grid' },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return (made.body as { id: string }).id;
}

const records = (page: Page) =>
  page.getByRole('table', { name: 'Audit records, newest first' }).locator('tbody tr');

describe('console: audit log', { skip: browserMissing }, () => {
  let service: ConsoleService;
  let browser: Browser;
  let admin: Admin;
  let colleague: { email: string; password: string; token: string };
  const botIds: string[] = [];

  before(async () => {
    service = await startConsole();
    browser = await launchBrowser();
    admin = await registerAdmin(service.url, 'auditor');
    // A second admin of the same tenant, so the actor filter has something to leave out.
    const email = uniqueEmail('colleague');
    const password = strongPassword();
    const made = await api(service.url, 'POST', '/users', {
      token: admin.token,
      body: { email, password, full_name: 'Colleague Admin', roles: ['admin', 'user'] },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    colleague = { email, password, token: await tokenFor(service.url, email, password) };
    for (const name of ['Alpha grid', 'Beta grid', 'Gamma grid'])
      botIds.push(await createBot(service.url, admin.token, name));
    await createBot(service.url, colleague.token, 'Colleague bot');
    const renamed = await api(service.url, 'PATCH', `/bots/${botIds[0]}`, {
      token: admin.token,
      body: { name: 'Alpha renamed' },
    });
    assert.equal(renamed.status, 200);
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test("an admin's changes are listed newest first, and a record's details show every field and its changes as text", async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await records(page).first().waitFor();

    // Newest first: this sign-in's session, the rename, the colleague's bot, then Gamma, Beta, Alpha.
    const bots = records(page).filter({ hasText: /bot\.(create|update)/ });
    const actions = await bots.locator('td:nth-child(3)').allTextContents();
    assert.deepEqual(actions, ['bot.update', 'bot.create', 'bot.create', 'bot.create', 'bot.create']);
    assert.equal(await records(page).first().locator('td:nth-child(3)').textContent(), 'session.create');
    const resources = await bots.locator('td:nth-child(4)').allTextContents();
    assert.match(resources[0] ?? '', new RegExp(botIds[0] ?? 'missing'));
    assert.match(resources[2] ?? '', new RegExp(botIds[2] ?? 'missing'));
    assert.match(resources[3] ?? '', new RegExp(botIds[1] ?? 'missing'));
    assert.match(resources[4] ?? '', new RegExp(botIds[0] ?? 'missing'));
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'audit-log');

    const seqs = await page
      .getByRole('button', { name: /^Show details of record \d+$/ })
      .evaluateAll((buttons) => buttons.map((b) => Number(b.getAttribute('aria-label')?.split(' ').pop())));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => b - a),
      'records are in descending sequence',
    );
    // The rename's record (the newest bot record).
    const renameSeq = Number(
      (await bots.first().getByRole('button').getAttribute('aria-label'))?.split(' ').pop(),
    );
    await bots
      .first()
      .getByRole('button', { name: /^Show details of record/ })
      .click();
    const details = page.getByRole('region', { name: `Audit record ${renameSeq}` });
    await details.waitFor();
    // Focus moves to the details, so a keyboard user is where they appeared.
    assert.equal(
      await page.evaluate<string>('document.activeElement.textContent'),
      `Audit record ${renameSeq}`,
    );
    await details.getByText(admin.email).waitFor();
    await details.getByText(`/api/v1/bots/${botIds[0]}`).waitFor();
    const changes = JSON.parse((await details.locator('pre').textContent()) ?? '{}') as { fields: string[] };
    assert.deepEqual(changes.fields, ['name']);
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'audit-log-details');
    await details.getByRole('button', { name: 'Close details' }).click();
    await details.waitFor({ state: 'detached' });
    await watched.assertClean();
  });

  test('filters narrow the list by actor, action and time window, are kept in the URL, and are used by keyboard alone', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.goto('/audit-log');
    await records(page).first().waitFor();

    // Keyboard only: Tab to the actor field, type, Tab on to the action, type, Enter submits.
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await tabTo(page, 'Actor e-mail');
    await page.keyboard.type(colleague.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('bot.create');
    await page.keyboard.press('Enter');
    await page.waitForURL(/actor_email=/);
    await records(page).nth(1).waitFor({ state: 'detached' });
    assert.deepEqual(await records(page).locator('td:nth-child(2)').allTextContents(), [colleague.email]);
    assert.match(page.url(), /action=bot\.create/);

    // A reload (or a shared link) shows the same filtered list, the fields filled in.
    await page.reload();
    await records(page).first().waitFor();
    assert.equal(await records(page).count(), 1);
    assert.equal(await page.getByLabel('Actor e-mail').inputValue(), colleague.email);

    // The action alone: the admin's three creations and the colleague's.
    await page.getByLabel('Actor e-mail').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((url) => !url.search.includes('actor_email'));
    await records(page).nth(3).waitFor();
    assert.deepEqual(
      [...new Set(await records(page).locator('td:nth-child(3)').allTextContents())],
      ['bot.create'],
    );
    assert.equal(await records(page).count(), 4);

    // A window that ends before everything: nothing, and the empty state says what to do.
    await page.getByLabel('Until').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No record matches these filters.').waitFor();
    // The datetime-local value is sent as an ISO instant.
    assert.match(decodeURIComponent(page.url()), /until=2020-01-0[01]T\d\d:\d\d:00\.000Z/);
    assert.deepEqual(await accessibilityViolations(page), []);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
    await records(page).nth(4).waitFor();
    await watched.assertClean();
  });

  test('a list longer than a page is walked forward and back by cursor', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.goto('/audit-log?limit=2');
    await records(page).nth(1).waitFor();
    assert.equal(await records(page).count(), 2);
    const first = await records(page).locator('td:nth-child(4)').allTextContents();
    const pager = page.getByRole('navigation', { name: 'Audit log pages' });
    await pager.getByText('Page 1', { exact: true }).waitFor();
    await pager.getByRole('button', { name: 'Next' }).click();
    // Exactly "Page 2": its rows have arrived (until then the pager says it is loading).
    await pager.getByText('Page 2', { exact: true }).waitFor();
    await records(page).nth(1).waitFor();
    const second = await records(page).locator('td:nth-child(4)').allTextContents();
    assert.equal(second.length, 2);
    for (const resource of second) assert.ok(!first.includes(resource), 'no record repeats on the next page');
    await pager.getByRole('button', { name: 'Previous' }).click();
    await pager.getByText('Page 1', { exact: true }).waitFor();
    assert.deepEqual(await records(page).locator('td:nth-child(4)').allTextContents(), first);
    await watched.assertClean();
  });

  test('verifying the chain says it is intact with the number of records checked', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.goto('/audit-log');
    await records(page).first().waitFor();
    const head = Number(
      (await records(page).first().getByRole('button').getAttribute('aria-label'))?.split(' ').pop(),
    );
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const result = page.getByRole('status').filter({ hasText: 'The chain is intact' });
    await result.waitFor();
    // The first verification walks the whole chain: every record up to the newest.
    assert.match(
      (await result.textContent()) ?? '',
      new RegExp(`${head} records checked, up to record ${head}\\.`),
    );
    assert.deepEqual(await accessibilityViolations(page), []);
    await watched.assertClean();
  });

  test('a plain user sees no audit log: the navigation hides it, the page says it is not available, the API answers 403', async () => {
    const email = uniqueEmail('plain');
    const password = strongPassword();
    const made = await api(service.url, 'POST', '/users', {
      token: admin.token,
      body: { email, password, full_name: 'Plain User', roles: ['user'] },
    });
    assert.equal(made.status, 201);
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, email, password);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Bots' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 0);
    await page.goto('/audit-log');
    await page.getByRole('heading', { level: 1, name: 'Not available to you' }).waitFor();
    await page.getByText('This page needs the admin role.').waitFor();
    assert.equal(await page.getByRole('table').count(), 0);
    assert.deepEqual(await accessibilityViolations(page), []);
    const refused = await api(service.url, 'GET', '/admin/audit-log', {
      token: await tokenFor(service.url, email, password),
    });
    assert.equal(refused.status, 403);
    await watched.assertClean();
  });

  test('at 390 px wide the audit log and its details fit without scrolling the page sideways', async () => {
    const watched = await openConsole(browser, service.url, { viewport: { width: 390, height: 844 } });
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.goto('/audit-log');
    await records(page).first().waitFor();
    const width = () => page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok((await width()) <= 390, `page is ${await width()} px wide`);
    await records(page)
      .first()
      .getByRole('button', { name: /^Show details of record/ })
      .click();
    await page.getByRole('region', { name: /^Audit record \d+$/ }).waitFor();
    assert.ok((await width()) <= 390, `page with details is ${await width()} px wide`);
    assert.deepEqual(await accessibilityViolations(page), []);
    await watched.assertClean();
  });
});
