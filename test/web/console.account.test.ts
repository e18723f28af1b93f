// The console's My account page, end to end: the name, the password (this browser stays signed in,
// every other is signed out), the sessions with "This browser" and ending one, and signing out
// everywhere; each checked from the other browser too, which must land on sign-in with a message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
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

/** A user with role `user`, made by their tenant's admin, with no session yet. */
async function plainUser(url: string, label: string) {
  const admin = await registerAdmin(url, `${label}admin`);
  const email = uniqueEmail(label);
  const password = strongPassword();
  const made = await api(url, 'POST', '/users', {
    token: admin.token,
    body: { email, password, full_name: `${label} Person`, roles: ['user'] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { email, password };
}

async function openAccount(page: Page): Promise<void> {
  await page.locator('.who').getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
}

function sessionRows(page: Page): Locator {
  return page.getByRole('table', { name: 'Your sessions, newest first' }).locator('tbody tr');
}

/** The error list under the field labelled `label`. */
function errorsOf(page: Page, label: string): Locator {
  return page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-errors');
}

/** The other browser's next request finds its session over: sign-in, saying why. */
async function landsOnSignIn(page: Page): Promise<void> {
  await page.locator('.who').getByRole('link').click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page
    .getByRole('status')
    .filter({ hasText: /Your session has ended/ })
    .waitFor();
}

describe('console: my account page', { skip: browserMissing }, () => {
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

  test('a user changes their name with the keyboard alone, and it stays after a reload', async () => {
    const user = await plainUser(service.url, 'profile');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, user.email, user.password);
    await openAccount(page);
    await page.getByText(user.email).waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);

    const field = page.getByLabel('Full name');
    await tabTo(page, field);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Enter');
    await errorsOf(page, 'Full name').waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);

    await page.keyboard.type('Renée Keyboard');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Your name was saved.' }).waitFor();
    // The header follows at once.
    await page.locator('.who').getByRole('link', { name: 'Renée Keyboard' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Renée Keyboard');
    const token = await tokenFor(service.url, user.email, user.password);
    const me = (await api(service.url, 'GET', '/users/me', { token })).body as { full_name: string };
    assert.equal(me.full_name, 'Renée Keyboard');
    await watched.assertClean();
    await watched.context.close();
  });

  test('a password change keeps this browser signed in and signs the other browser out; bad input stays at its field', async () => {
    const user = await plainUser(service.url, 'password');
    const here = await openConsole(browser, service.url);
    const there = await openConsole(browser, service.url);
    await signIn(here.page, user.email, user.password);
    await signIn(there.page, user.email, user.password);
    const page = here.page;
    await openAccount(page);
    await sessionRows(page).nth(1).waitFor();
    const form = page.getByRole('form', { name: 'Password' });

    await form.getByLabel('Current password').fill('Wrong-Password-1!');
    await form.getByLabel('New password').fill(strongPassword());
    await form.getByRole('button', { name: 'Change password' }).click();
    await errorsOf(page, 'Current password')
      .filter({ hasText: 'The current password is not right.' })
      .waitFor();

    await form.getByLabel('Current password').fill(user.password);
    await form.getByLabel('New password').fill('weakpassword');
    await form.getByText('A digit (not met yet)').waitFor();
    await form.getByRole('button', { name: 'Change password' }).click();
    await errorsOf(page, 'New password').waitFor();
    assert.equal(await errorsOf(page, 'Current password').count(), 0);
    assert.deepEqual(await accessibilityViolations(page), []);

    const changed = strongPassword();
    await form.getByLabel('New password').fill(changed);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password was changed.' }).waitFor();
    // Every earlier session ended; this browser's new one is the only one left.
    await sessionRows(page).nth(1).waitFor({ state: 'detached' });
    await sessionRows(page).first().getByText('This browser').waitFor();

    // Still signed in here, after a reload too (the refresh cookie was replaced).
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    await sessionRows(page).first().getByText('This browser').waitFor();
    await landsOnSignIn(there.page);

    assert.notEqual(
      (
        await api(service.url, 'POST', '/auth/token', {
          body: { username: user.email, password: user.password },
        })
      ).status,
      200,
    );
    await tokenFor(service.url, user.email, changed);
    await here.assertClean();
    await there.assertClean();
    await here.context.close();
    await there.context.close();
  });

  test("the sessions list marks this browser, and ending the other browser's session signs it out", async () => {
    const user = await plainUser(service.url, 'sessions');
    const here = await openConsole(browser, service.url);
    const there = await openConsole(browser, service.url);
    await signIn(there.page, user.email, user.password);
    await signIn(here.page, user.email, user.password);
    const page = here.page;
    await openAccount(page);
    const rows = sessionRows(page);
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    const current = rows.filter({ hasText: 'This browser' });
    assert.equal(await current.count(), 1);
    // Playwright's Chromium, in words; the address of the test's loopback connection.
    await current.getByText('Chrome on Linux').waitFor();
    await current.getByText('127.0.0.1').waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'account');

    const other = rows.filter({ hasNotText: 'This browser' });
    await other.getByRole('button', { name: /^Sign out Chrome on Linux at / }).click();
    await other.waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 1);
    await landsOnSignIn(there.page);

    // Ending this browser's own session signs it out.
    await page.getByRole('button', { name: 'Sign out this browser' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await here.assertClean();
    await there.assertClean();
    await here.context.close();
    await there.context.close();
  });

  test('sign out everywhere ends every session of the user, after a confirmation', async () => {
    const user = await plainUser(service.url, 'everywhere');
    const here = await openConsole(browser, service.url);
    const there = await openConsole(browser, service.url);
    await signIn(here.page, user.email, user.password);
    await signIn(there.page, user.email, user.password);
    const page = here.page;
    await openAccount(page);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign out everywhere?' });
    await dialog.waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await landsOnSignIn(there.page);

    const token = await tokenFor(service.url, user.email, user.password);
    const sessions = (await api(service.url, 'GET', '/users/me/sessions', { token })).body as {
      items: unknown[];
    };
    // Only the session just opened for this check is left.
    assert.equal(sessions.items.length, 1);
    await here.assertClean();
    await there.assertClean();
    await here.context.close();
    await there.context.close();
  });

  test('the account page fits a 390 px wide screen', async () => {
    const user = await plainUser(service.url, 'narrow');
    const watched = await openConsole(browser, service.url, { viewport: { width: 390, height: 844 } });
    const { page } = watched;
    await signIn(page, user.email, user.password);
    await page.goto('/account');
    await sessionRows(page).first().waitFor();
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 390, `/account scrolls sideways: ${width}px`);
    assert.deepEqual(await accessibilityViolations(page), []);
    await watched.assertClean();
    await watched.context.close();
  });
});
