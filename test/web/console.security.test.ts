// The console's security events (/security-events) and blocked IPs (/blocked-ips): a tenant admin
// sees the tenant's own events and no other tenant's, an operator every tenant's (filtered by
// tenant) and the platform's IP blocks, which only an operator may lift. Client addresses come
// from 198.18.0.0/15 (RFC 2544 benchmarking) through X-Forwarded-For, trusted from 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { testIp } from '../helpers/addresses.ts';
import type { ConsoleService } from './harness.ts';
import {
  accessibilityViolations,
  api,
  browserMissing,
  eventually,
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

const BRUTE_FORCE_MAX_ATTEMPTS = 3;
// Random within the range: the server shape's database is shared with other files and earlier runs.
const FAILED_LOGIN_IP = testIp();
const FORGED_TOKEN_IP = testIp();
const ATTACKER_IP = testIp();

type Admin = Awaited<ReturnType<typeof registerAdmin>>;

const events = (page: Page) =>
  page.getByRole('table', { name: 'Security events, newest first' }).locator('tbody tr');

const failedLogin = (url: string, email: string, ip: string) =>
  api(url, 'POST', '/auth/token', {
    body: { username: email, password: 'Wrong!password1' },
    headers: { 'x-forwarded-for': ip },
  });

describe('console: security events and blocked IPs', { skip: browserMissing }, () => {
  let service: ConsoleService;
  let browser: Browser;
  let tenantA: Admin;
  let tenantAId: string;
  let tenantB: Admin;
  let member: { id: string; email: string; password: string };
  const operator = { email: uniqueEmail('operator'), password: strongPassword() };

  before(async () => {
    service = await startConsole({
      operators: [operator],
      env: {
        TRUSTED_PROXIES: '127.0.0.1',
        BRUTE_FORCE_MAX_ATTEMPTS: String(BRUTE_FORCE_MAX_ATTEMPTS),
      },
    });
    browser = await launchBrowser();
    tenantA = await registerAdmin(service.url, 'alpha');
    tenantB = await registerAdmin(service.url, 'bravo');
    tenantAId = ((await api(service.url, 'GET', '/tenant', { token: tenantA.token })).body as { id: string })
      .id;
    const email = uniqueEmail('member');
    const password = strongPassword();
    const made = await api(service.url, 'POST', '/users', {
      token: tenantA.token,
      body: { email, password, full_name: 'Member User', roles: ['user'] },
    });
    assert.equal(made.status, 201);
    member = { id: (made.body as { id: string }).id, email, password };

    // Attacks on tenant A: two wrong passwords for its member (under the brute-force threshold), and
    // the member reaching for the admins' events (a 403 and an unauthorized_access_attempt).
    for (let i = 0; i < BRUTE_FORCE_MAX_ATTEMPTS - 1; i += 1)
      assert.equal((await failedLogin(service.url, email, FAILED_LOGIN_IP)).status, 401);
    const refused = await api(service.url, 'GET', '/admin/security-events', {
      token: await tokenFor(service.url, email, password),
    });
    assert.equal(refused.status, 403);
    // A forged token: no tenant can be trusted from it, so only operators see it.
    const forged = await api(service.url, 'GET', '/users/me', {
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.Zm9yZ2Vk',
      headers: { 'x-forwarded-for': FORGED_TOKEN_IP },
    });
    assert.equal(forged.status, 401);
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test("a tenant admin sees the attacks on the tenant's users, filters them by type and severity with the keyboard, and opens one", async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, tenantA.email, tenantA.password);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Security events' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Security events' }).waitFor();
    await events(page).filter({ hasText: 'Login failed' }).first().waitFor();
    await events(page).filter({ hasText: 'Unauthorized access attempt' }).first().waitFor();
    // The admin's view has no tenant column or filter: everything is the tenant's own.
    assert.equal(await page.getByLabel('Tenant id').count(), 0);
    assert.equal(await page.getByText(FORGED_TOKEN_IP).count(), 0);
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'security-events');

    // Keyboard only: Tab to the type, pick "Login failed" with the arrow keys, Tab on to the button, Enter.
    await tabTo(page, 'Type');
    const wanted = 'login_failed';
    for (let presses = 0; presses < 20; presses += 1) {
      if ((await page.getByLabel('Type').inputValue()) === wanted) break;
      await page.keyboard.press('ArrowDown');
    }
    assert.equal(await page.getByLabel('Type').inputValue(), wanted);
    await tabTo(page, 'Apply filters');
    await page.keyboard.press('Enter');
    await page.waitForURL(/event_type=login_failed/);
    await events(page).filter({ hasNotText: 'Login failed' }).first().waitFor({ state: 'detached' });
    const types = new Set(await events(page).locator('td:nth-child(2)').allTextContents());
    assert.deepEqual([...types], ['Login failed']);

    await events(page)
      .first()
      .getByRole('button', { name: /^Show details of Login failed/ })
      .click();
    const details = page.getByRole('region', { name: 'Security event: Login failed' });
    await details.waitFor();
    await details.getByText(FAILED_LOGIN_IP).waitFor();
    await details.getByText(member.id).waitFor();
    const json = JSON.parse((await details.locator('pre').textContent()) ?? 'null') as unknown;
    assert.equal(typeof json, 'object');
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'security-events-details');
    await details.getByRole('button', { name: 'Close details' }).click();

    // Severity high, any type: the unauthorized access attempt, not the failed logins (medium).
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Severity').selectOption('high');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((url) => url.search === '?severity=high');
    await events(page).filter({ hasText: 'Unauthorized access attempt' }).first().waitFor();
    assert.deepEqual([...new Set(await events(page).locator('td:nth-child(3)').allTextContents())], ['high']);

    // A window in the past: none, and the empty state says what to do.
    await page.getByLabel('Until').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No event matches these filters.').waitFor();
    await watched.assertClean();
  });

  test("another tenant's admin sees none of them, in the console or through the API", async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, tenantB.email, tenantB.password);
    await page.goto('/security-events');
    await page.getByRole('heading', { level: 1, name: 'Security events' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Events' }).waitFor();
    await page.getByRole('progressbar').waitFor({ state: 'detached' });
    assert.equal(await page.getByText(FAILED_LOGIN_IP).count(), 0);
    assert.equal(await events(page).filter({ hasText: 'Unauthorized access attempt' }).count(), 0);
    const listed = await api(service.url, 'GET', '/admin/security-events?limit=100', {
      token: tenantB.token,
    });
    assert.equal(listed.status, 200);
    const items = (listed.body as { items: { ip: string | null; tenant_id: string | null }[] }).items;
    assert.ok(items.every((item) => item.ip !== FAILED_LOGIN_IP && item.tenant_id !== tenantAId));
    await watched.assertClean();
  });

  test("an operator sees every tenant's events and those before login, and narrows them to one tenant", async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, operator.email, operator.password);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Security events' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Security events' }).waitFor();
    const forged = events(page).filter({ hasText: FORGED_TOKEN_IP });
    await forged.first().waitFor();
    assert.match((await forged.first().textContent()) ?? '', /none \(before login\)/);
    await events(page).filter({ hasText: tenantAId }).first().waitFor();

    await page.getByLabel('Tenant id').fill('not-a-tenant');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The API's 422 sits under the field it is about.
    await page.locator('.field-invalid').getByLabel('Tenant id').waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);

    await page.getByLabel('Tenant id').fill(tenantAId);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(new RegExp(`tenant_id=${tenantAId}`));
    await forged.first().waitFor({ state: 'detached' });
    await events(page).filter({ hasText: FAILED_LOGIN_IP }).first().waitFor();
    const tenants = new Set(await events(page).locator('td:nth-child(6)').allTextContents());
    assert.deepEqual([...tenants], [tenantAId]);
    assert.deepEqual(await accessibilityViolations(page), []);
    await watched.assertClean();
  });

  test('an operator sees an IP blocked after brute force and lifts the block after confirming', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, operator.email, operator.password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Blocked IPs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Blocked IPs' }).waitFor();
    const operatorToken = await tokenFor(service.url, operator.email, operator.password);
    const blocks = async () =>
      (
        (await api(service.url, 'GET', '/ops/blocked-ips', { token: operatorToken })).body as {
          items: { ip: string }[];
        }
      ).items;
    // Embedded, the storage is this file's alone and starts with no block; the server shape's
    // database may hold other files' blocks, which the page must then list.
    const before = await blocks();
    if (before.length === 0) await page.getByText('No address is blocked.').waitFor();
    else
      await page
        .getByRole('row')
        .filter({ hasText: before[0]?.ip ?? '' })
        .waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);

    for (let i = 0; i < BRUTE_FORCE_MAX_ATTEMPTS; i += 1)
      await failedLogin(service.url, uniqueEmail('nobody'), ATTACKER_IP);
    // Anything but another failed login (which would count toward a new block once lifted).
    const blocked = async () =>
      (await api(service.url, 'GET', '/users/me', { headers: { 'x-forwarded-for': ATTACKER_IP } })).status ===
      403;
    // The block is applied by a listener of the event, after the answer: wait for it.
    await eventually(async () => assert.ok(await blocked(), `${ATTACKER_IP} blocked`));

    await page.reload();
    const row = page.getByRole('row').filter({ hasText: ATTACKER_IP });
    await row.waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'blocked-ips');
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= 390, `page is ${width} px wide`);

    // Cancel first: nothing happens.
    await row.getByRole('button', { name: `Unblock ${ATTACKER_IP}` }).click();
    const dialog = page.getByRole('dialog', { name: `Unblock ${ATTACKER_IP}?` });
    await dialog.waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.ok(await blocked(), 'still blocked after Cancel');

    await row.getByRole('button', { name: `Unblock ${ATTACKER_IP}` }).click();
    await dialog.getByRole('button', { name: 'Unblock' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `The block on ${ATTACKER_IP} is lifted.` })
      .waitFor();
    await row.waitFor({ state: 'detached' });
    if (before.length === 0) await page.getByText('No address is blocked.').waitFor();
    assert.equal(await blocked(), false, 'the address is served again');
    assert.ok(!(await blocks()).some((block) => block.ip === ATTACKER_IP));
    await watched.assertClean();
  });

  test('a tenant admin gets no blocked IPs and a plain user no security events: hidden, not available, and 403 from the API', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, tenantA.email, tenantA.password);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Security events' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Blocked IPs' }).count(), 0);
    await page.goto('/blocked-ips');
    await page.getByRole('heading', { level: 1, name: 'Not available to you' }).waitFor();
    await page.getByText('This page needs the operator role.').waitFor();
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.equal((await api(service.url, 'GET', '/ops/blocked-ips', { token: tenantA.token })).status, 403);
    assert.equal(
      (await api(service.url, 'GET', '/ops/security-events', { token: tenantA.token })).status,
      403,
    );
    await watched.assertClean();

    const other = await openConsole(browser, service.url);
    await signIn(other.page, member.email, member.password);
    const memberNav = other.page.getByRole('navigation', { name: 'Main' });
    await memberNav.getByRole('link', { name: 'Bots' }).waitFor();
    assert.equal(await memberNav.getByRole('link', { name: 'Security events' }).count(), 0);
    await other.page.goto('/security-events');
    await other.page.getByRole('heading', { level: 1, name: 'Not available to you' }).waitFor();
    await other.assertClean();
  });

  test('at 390 px wide the security events and their details fit without scrolling the page sideways', async () => {
    const watched = await openConsole(browser, service.url, { viewport: { width: 390, height: 844 } });
    const { page } = watched;
    await signIn(page, tenantA.email, tenantA.password);
    await page.goto('/security-events');
    await events(page).first().waitFor();
    const width = () => page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok((await width()) <= 390, `page is ${await width()} px wide`);
    await events(page)
      .first()
      .getByRole('button', { name: /^Show details of/ })
      .click();
    await page.getByRole('region', { name: /^Security event: / }).waitFor();
    assert.ok((await width()) <= 390, `page with details is ${await width()} px wide`);
    assert.deepEqual(await accessibilityViolations(page), []);
    await watched.assertClean();
  });
});
