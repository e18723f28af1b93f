// The console's Users and Tenant pages, end to end: an admin adds, promotes, demotes, deactivates,
// reactivates and deletes a user through the pages while the user's own browser follows; the API's
// last-admin rule is said in words; a plain user sees neither page and the API refuses them.
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

const LAST_ADMIN_WORDS = 'A tenant must keep at least one active admin: make another user admin first.';

interface ListedUser {
  email: string;
  roles: string[];
  is_active: boolean;
}

async function listedUsers(url: string, token: string): Promise<ListedUser[]> {
  const answer = await api(url, 'GET', '/users?limit=100', { token });
  assert.equal(answer.status, 200);
  return (answer.body as { items: ListedUser[] }).items;
}

async function addUserByApi(url: string, adminToken: string, label: string) {
  const email = uniqueEmail(label);
  const password = strongPassword();
  const made = await api(url, 'POST', '/users', {
    token: adminToken,
    body: { email, password, full_name: `${label} Person`, roles: ['user'] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { email, password };
}

/** The table row of one user on the Users page. */
function rowOf(page: Page, email: string): Locator {
  return page.getByRole('row').filter({ hasText: email });
}

/** The error list under the field labelled `label`. */
function errorsOf(page: Page, label: string): Locator {
  return page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-errors');
}

async function openUsersPage(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.getByRole('table', { name: 'Users of your tenant' }).waitFor();
}

describe('console: users and tenant pages', { skip: browserMissing }, () => {
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

  test('an admin adds a user through the form, bad input is shown at its field, and the user can sign in at once', async () => {
    const admin = await registerAdmin(service.url, 'adder');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await openUsersPage(page);
    assert.deepEqual(await accessibilityViolations(page), []);

    const email = uniqueEmail('added');
    const password = strongPassword();
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Full name').fill('Added Person');
    await form.getByLabel('E-mail').fill('not-an-address');
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Add user' }).click();
    await errorsOf(page, 'E-mail').waitFor();
    assert.equal(await form.getByLabel('E-mail').getAttribute('aria-invalid'), 'true');

    await form.getByLabel('E-mail').fill(email);
    await form.getByLabel('Password').fill('password');
    // The checklist follows the typing, before anything is sent.
    await form.getByText('An uppercase letter (A–Z) (not met yet)').waitFor();
    await form.getByRole('button', { name: 'Add user' }).click();
    await errorsOf(page, 'Password').waitFor();
    assert.equal(await errorsOf(page, 'E-mail').count(), 0);
    assert.deepEqual(await accessibilityViolations(page), []);

    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Add user' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${email} was added and can sign in now.` })
      .waitFor();
    const row = rowOf(page, email);
    await row.waitFor();
    assert.equal(await row.getByRole('checkbox', { name: 'User' }).isChecked(), true);
    assert.equal(await row.getByRole('checkbox', { name: 'Admin' }).isChecked(), false);
    await row.getByText('Active', { exact: true }).waitFor();
    assert.deepEqual(
      (await listedUsers(service.url, admin.token)).find((user) => user.email === email)?.roles,
      ['user'],
    );
    await screenshot(page, 'users');

    const other = await openConsole(browser, service.url);
    await signIn(other.page, email, password);
    await other.assertClean();
    await other.context.close();
    await watched.assertClean();
    await watched.context.close();
  });

  test('a plain user sees no Users or Tenant navigation, is told the pages are not for them, and the API refuses them', async () => {
    const admin = await registerAdmin(service.url, 'plainadmin');
    const member = await addUserByApi(service.url, admin.token, 'plain');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, member.email, member.password);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Bots' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Tenant' }).count(), 0);

    for (const path of ['/users', '/tenant']) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1, name: 'Not available to you' }).waitFor();
      await page.getByText('This page needs the admin role.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Add user' }).count(), 0);
    }

    const token = await tokenFor(service.url, member.email, member.password);
    assert.equal((await api(service.url, 'GET', '/users', { token })).status, 403);
    const create = await api(service.url, 'POST', '/users', {
      token,
      body: { email: uniqueEmail('sneak'), password: strongPassword(), full_name: 'Sneak' },
    });
    assert.equal(create.status, 403);
    assert.equal(
      (await api(service.url, 'PATCH', '/tenant', { token, body: { name: 'Taken' } })).status,
      403,
    );
    await watched.assertClean();
    await watched.context.close();
  });

  test("an admin's role changes, deactivation, reactivation and deletion reach the user's own browser", async () => {
    const admin = await registerAdmin(service.url, 'lifecycle');
    const member = await addUserByApi(service.url, admin.token, 'member');
    const adminWatched = await openConsole(browser, service.url);
    const memberWatched = await openConsole(browser, service.url);
    const adminPage = adminWatched.page;
    const memberPage = memberWatched.page;
    await signIn(adminPage, admin.email, admin.password);
    await signIn(memberPage, member.email, member.password);
    await openUsersPage(adminPage);
    const row = rowOf(adminPage, member.email);

    // user → admin: the member's console shows the admin pages after its next load.
    await row.getByRole('checkbox', { name: 'Admin' }).check();
    await row.getByRole('button', { name: `Save roles of ${member.email}` }).click();
    await row.getByRole('button', { name: `Save roles of ${member.email}` }).waitFor({ state: 'detached' });
    assert.equal(await row.getByRole('checkbox', { name: 'Admin' }).isChecked(), true);
    assert.deepEqual(
      (await listedUsers(service.url, admin.token)).find((user) => user.email === member.email)?.roles,
      ['admin', 'user'],
    );
    await memberPage.reload();
    const memberNav = memberPage.getByRole('navigation', { name: 'Main' });
    await memberNav.getByRole('link', { name: 'Users' }).waitFor();

    // admin → user again.
    await row.getByRole('checkbox', { name: 'Admin' }).uncheck();
    await row.getByRole('button', { name: `Save roles of ${member.email}` }).click();
    await row.getByRole('button', { name: `Save roles of ${member.email}` }).waitFor({ state: 'detached' });
    assert.deepEqual(
      (await listedUsers(service.url, admin.token)).find((user) => user.email === member.email)?.roles,
      ['user'],
    );
    await memberPage.reload();
    await memberNav.getByRole('link', { name: 'Bots' }).waitFor();
    assert.equal(await memberNav.getByRole('link', { name: 'Users' }).count(), 0);

    // Deactivated: the member's open console, at its next request (400 Inactive user), returns to
    // sign-in saying why; opened again, it stays there.
    await row.getByRole('button', { name: `Deactivate ${member.email}` }).click();
    await row.getByText('Deactivated', { exact: true }).waitFor();
    assert.equal(
      (await listedUsers(service.url, admin.token)).find((user) => user.email === member.email)?.is_active,
      false,
    );
    await memberNav.getByRole('link', { name: 'Subscriptions' }).click();
    await memberPage.getByRole('button', { name: 'Sign in' }).waitFor();
    await memberPage.getByRole('status').filter({ hasText: 'Your account is deactivated' }).waitFor();
    await memberPage.reload();
    await memberPage.getByRole('button', { name: 'Sign in' }).waitFor();
    // The refresh of a deactivated user's ended session is a 401: the console cannot tell why.
    await memberPage
      .getByRole('status')
      .filter({ hasText: /Your session has ended/ })
      .waitFor();
    const refused = await api(service.url, 'POST', '/auth/token', {
      body: { username: member.email, password: member.password },
    });
    assert.notEqual(refused.status, 200);

    // Reactivated: the member signs in again.
    await row.getByRole('button', { name: `Reactivate ${member.email}` }).click();
    await row.getByText('Active', { exact: true }).waitFor();
    await signIn(memberPage, member.email, member.password);

    // Deleted, after a confirmation that can be cancelled.
    await row.getByRole('button', { name: `Delete ${member.email}` }).click();
    const dialog = adminPage.getByRole('dialog', { name: `Delete ${member.email}?` });
    await dialog.waitFor();
    assert.deepEqual(await accessibilityViolations(adminPage), []);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await row.count(), 1);
    await row.getByRole('button', { name: `Delete ${member.email}` }).click();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(
      (await listedUsers(service.url, admin.token)).some((user) => user.email === member.email),
      false,
    );
    await memberPage.reload();
    await memberPage.getByRole('button', { name: 'Sign in' }).waitFor();

    await adminWatched.assertClean();
    await memberWatched.assertClean();
    await adminWatched.context.close();
    await memberWatched.context.close();
  });

  test('the last active admin cannot be deactivated, demoted or deleted, and the page says what to do instead', async () => {
    const admin = await registerAdmin(service.url, 'lastadmin');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await openUsersPage(page);
    const row = rowOf(page, admin.email);
    await row.getByText('You', { exact: true }).waitFor();

    await row.getByRole('button', { name: `Deactivate ${admin.email}` }).click();
    await row.getByRole('alert').filter({ hasText: LAST_ADMIN_WORDS }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);

    await row.getByRole('checkbox', { name: 'Admin' }).uncheck();
    await row.getByRole('button', { name: `Save roles of ${admin.email}` }).click();
    await row.getByRole('alert').filter({ hasText: LAST_ADMIN_WORDS }).waitFor();

    await row.getByRole('button', { name: `Delete ${admin.email}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete user' }).click();
    await row.getByRole('alert').filter({ hasText: LAST_ADMIN_WORDS }).waitFor();

    const [self] = (await listedUsers(service.url, admin.token)).filter((user) => user.email === admin.email);
    assert.deepEqual(self?.roles, ['admin', 'user']);
    assert.equal(self?.is_active, true);
    await watched.assertClean();
    await watched.context.close();
  });

  test('an admin renames the tenant with the keyboard alone, and the name stays after a reload', async () => {
    const admin = await registerAdmin(service.url, 'tenant');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenant' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tenant' }).waitFor();
    const tenant = (await api(service.url, 'GET', '/tenant', { token: admin.token })).body as {
      id: string;
      name: string;
    };
    await page.getByText(tenant.id).waitFor();
    await page.getByRole('definition').filter({ hasText: tenant.name }).waitFor();
    assert.equal(await page.getByText(/MFA/i).count(), 0);
    assert.deepEqual(await accessibilityViolations(page), []);

    const field = page.getByLabel('Tenant name');
    // An empty name is refused at the field.
    await tabTo(page, field);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Enter');
    await errorsOf(page, 'Tenant name').waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);

    await page.keyboard.type('Renamed Desk');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: "The tenant's name was saved." }).waitFor();
    await page.getByRole('definition').filter({ hasText: 'Renamed Desk' }).waitFor();
    await page.reload();
    await page.getByRole('definition').filter({ hasText: 'Renamed Desk' }).waitFor();
    const after = (await api(service.url, 'GET', '/tenant', { token: admin.token })).body as { name: string };
    assert.equal(after.name, 'Renamed Desk');
    await watched.assertClean();
    await watched.context.close();
  });

  test('the Users and Tenant pages fit a 390 px wide screen', async () => {
    const admin = await registerAdmin(service.url, 'narrow');
    await addUserByApi(service.url, admin.token, 'narrowmember');
    const watched = await openConsole(browser, service.url, { viewport: { width: 390, height: 844 } });
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    for (const [path, heading] of [
      ['/users', 'Users'],
      ['/tenant', 'Tenant'],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 390, `${path} scrolls sideways: ${width}px`);
      assert.deepEqual(await accessibilityViolations(page), []);
    }
    await watched.assertClean();
    await watched.context.close();
  });
});
