// The console's sessions, in a real browser against the real service: sign-up with the server's
// policy shown live, sign-in, reload, sign-out, sign-out everywhere, a session that ends elsewhere
// or expires, two tabs refreshing at once, the back button after sign-out, and a forged
// cross-site form. Where tokens live is checked from the browser's side (cookies, storage).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  accessibilityViolations,
  api,
  browserMissing,
  type ConsoleService,
  launchBrowser,
  openConsole,
  registerAdmin,
  screenshot,
  signIn,
  signOutButton,
  signUp,
  startConsole,
  strongPassword,
  tokenFor,
  uniqueEmail,
} from './harness.ts';

describe('the console keeps a session as the cookie mode requires', { skip: browserMissing }, () => {
  let service: ConsoleService;
  let browser: Browser;

  before(async () => {
    // No grace for a spent refresh token: two tabs that presented the same one would revoke the
    // session at once, so the two-tab test sees any refresh that is not serialised.
    service = await startConsole({ env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('signing up shows the password rules live, refuses what the server refuses at the field, and signs in', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await page.goto('/sign-up');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), "Create your team's account");
    assert.deepEqual(await accessibilityViolations(page), []);
    const rules = page.locator('.rules li');
    assert.equal(
      await page.locator('.rules li.rule-met').count(),
      1,
      'only "at most 72 bytes" holds for an empty password',
    );
    await page.getByLabel('Password').fill('abc');
    assert.equal(await page.locator('.rules li.rule-met').count(), 2);
    await page.getByLabel('Password').fill('Abcdef1!');
    assert.equal(await page.locator('.rules li.rule-met').count(), await rules.count());

    // Every rule met but a common password: the server's 422 is shown under the password field.
    const email = uniqueEmail('signup');
    await page.getByLabel('Full name').fill('Sam Signup');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('Password1!');
    await page.getByRole('button', { name: 'Create account' }).click();
    const fieldError = page.locator('.field-invalid .field-errors');
    await fieldError.waitFor();
    assert.match((await fieldError.textContent()) ?? '', /Password is too common/);
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await accessibilityViolations(page), []);

    const password = strongPassword();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/bots');
    await signOutButton(page).waitFor();

    // The same e-mail again is the API's 409, said on the form.
    const second = await openConsole(browser, service.url);
    await second.page.goto('/sign-up');
    await second.page.getByLabel('Full name').fill('Sam Again');
    await second.page.getByLabel('E-mail').fill(email);
    await second.page.getByLabel('Password').fill(strongPassword());
    await second.page.getByRole('button', { name: 'Create account' }).click();
    await second.page.getByRole('alert').filter({ hasText: 'Email already registered' }).waitFor();
    await watched.assertClean();
    await second.assertClean();
    await watched.context.close();
    await second.context.close();
  });

  test('the refresh token is an HttpOnly SameSite=Strict cookie; the access token is in no storage script can read', async () => {
    const admin = await registerAdmin(service.url, 'cookies');
    const watched = await openConsole(browser, service.url);
    const { page, context } = watched;
    await signIn(page, admin.email, admin.password);
    const cookies = await context.cookies();
    const refresh = cookies.find((cookie) => cookie.name === 'tw_refresh');
    assert.ok(refresh, 'a refresh cookie is set');
    assert.equal(refresh.httpOnly, true);
    assert.equal(refresh.sameSite, 'Strict');
    assert.equal(refresh.path, '/api/v1/auth');
    const stored = await page.evaluate<string>(
      'JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])',
    );
    assert.doesNotMatch(stored, /eyJ/, 'no JWT in localStorage, sessionStorage or a readable cookie');
    assert.doesNotMatch(stored, new RegExp(refresh.value.slice(0, 16)), 'the refresh token is not readable');

    // A reload keeps the session: the console asks for a new access token with the cookie.
    await page.reload();
    await signOutButton(page).waitFor();
    assert.match(page.url(), /\/bots$/);
    await screenshot(page, 'sign-in-done');
    await watched.assertClean();
    await context.close();
  });

  test('wrong credentials are said on the form, and a bookmarked page comes back after sign-in', async () => {
    const admin = await registerAdmin(service.url, 'bookmark');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await page.goto('/subscriptions');
    await page.waitForURL('**/sign-in?next=%2Fsubscriptions');
    assert.deepEqual(await accessibilityViolations(page), []);
    await screenshot(page, 'sign-in');
    await page.getByLabel('E-mail').fill(admin.email);
    await page.getByLabel('Password').fill('Not-the-password1!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Incorrect username or password' }).waitFor();
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/subscriptions');
    // An off-site `next` is never followed (open redirect).
    await signOutButton(page).click();
    await page.waitForURL('**/sign-in**');
    await signIn(page, admin.email, admin.password, '/sign-in?next=%2F%2Fevil.example%2Fx');
    assert.equal(new URL(page.url()).origin, service.url);
    assert.match(page.url(), /\/bots$/);
    await watched.assertClean();
    await watched.context.close();
  });

  test('after signing out, the back button shows sign-in and none of the data', async () => {
    const admin = await registerAdmin(service.url, 'backbutton');
    const botName = `Back-button bot ${Date.now()}`;
    const made = await api(service.url, 'POST', '/bots', {
      token: admin.token,
      body: { name: botName, kind: 'internal', exchange: 'binance', strategy: 'grid' },
    });
    assert.equal(made.status, 201);
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    // In-console navigation, so that Back stays in this document (no reload hides the data).
    await page.getByRole('link', { name: admin.fullName }).click();
    await page.waitForURL('**/account');
    await signOutButton(page).click();
    await page.waitForURL('**/sign-in**');
    await page.getByText('You signed out.').waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Sign in to TradeWise' }).waitFor();
    const content = await page.content();
    assert.ok(
      !content.includes(admin.fullName) && !content.includes(admin.email),
      'no personal data after Back',
    );
    assert.ok(!content.includes(botName), 'no bot after Back');
    // The session is over on the server too: the cookie no longer refreshes.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to TradeWise' }).waitFor();
    await watched.assertClean();
    await watched.context.close();
  });

  test('a session ended elsewhere returns to sign-in with a message, not a blank page or a loop', async () => {
    const admin = await registerAdmin(service.url, 'elsewhere');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    // Sign out everywhere from a script: the browser's access token and refresh cookie are revoked.
    const ended = await api(service.url, 'POST', '/auth/logout-all', {
      token: await tokenFor(service.url, admin.email, admin.password),
    });
    assert.equal(ended.status, 204);
    let requests = 0;
    page.on('request', (request) => {
      if (request.url().includes('/api/v1/')) requests += 1;
    });
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    await page.waitForURL('**/sign-in**');
    await page.getByText('Your session has ended').waitFor();
    const settled = requests;
    // No loop: nothing more is asked of the API while the sign-in page stands.
    await page.getByLabel('E-mail').fill(admin.email);
    assert.equal(requests, settled);
    assert.ok(requests <= 6, `the console gave up only after ${requests} requests`);
    await watched.assertClean();
    await watched.context.close();
  });

  test('a session whose cookie is gone (expired) returns to sign-in saying so', async () => {
    const admin = await registerAdmin(service.url, 'expired');
    const watched = await openConsole(browser, service.url);
    const { page, context } = watched;
    await signIn(page, admin.email, admin.password);
    await context.clearCookies();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to TradeWise' }).waitFor();
    // The first load of a tab never had a session to lose: sign-in, without a message.
    assert.equal(await page.getByRole('status').count(), 0);
    await watched.assertClean();
    await context.close();
  });

  test('two tabs refreshing at once both stay signed in, and the session is not revoked', async () => {
    const admin = await registerAdmin(service.url, 'twotabs');
    const watched = await openConsole(browser, service.url);
    const { page: first, context } = watched;
    await signIn(first, admin.email, admin.password);
    const second = await context.newPage();
    await second.goto('/bots');
    await signOutButton(second).waitFor();
    // Both reload together: each asks for an access token with the one refresh cookie.
    for (let round = 0; round < 3; round += 1) {
      await Promise.all([first.reload(), second.reload()]);
      await Promise.all([signOutButton(first).waitFor(), signOutButton(second).waitFor()]);
    }
    // A spent refresh token presented again would have revoked the session: a third tab opened
    // now still gets in with it.
    const third = await context.newPage();
    await third.goto('/account');
    await signOutButton(third).waitFor();
    await watched.assertClean();
    await context.close();
  });

  test('signing out in one tab signs the other tabs out', async () => {
    const admin = await registerAdmin(service.url, 'tabsout');
    const watched = await openConsole(browser, service.url);
    const { page: first, context } = watched;
    await signIn(first, admin.email, admin.password);
    const second = await context.newPage();
    await second.goto('/bots');
    await signOutButton(second).waitFor();
    await signOutButton(first).click();
    await second.getByText('You signed out in another tab.').waitFor();
    await watched.assertClean();
    await context.close();
  });

  describe('a forged cross-site form', () => {
    let attacker: Server;
    let attackerUrl: string;
    before(async () => {
      // Another origin on loopback (another port: the same site, so SameSite alone would not stop it).
      attacker = createServer((request, response) => {
        const target = new URL(request.url ?? '/', 'http://x').searchParams.get('target') ?? '';
        response.setHeader('content-type', 'text/html');
        response.end(`<!doctype html><title>win a prize</title>
          <form id="f" method="POST" action="${service.url}${target}" enctype="text/plain">
          <input name='{"name":"pwned","kind":"internal","exchange":"x","strategy":"y","a":"' value='"}'></form>
          <script>document.getElementById('f').submit()</script>`);
      });
      attacker.listen(0, '127.0.0.1');
      await once(attacker, 'listening');
      const address = attacker.address();
      assert.ok(address !== null && typeof address === 'object');
      attackerUrl = `http://127.0.0.1:${address.port}`;
    });
    after(() => {
      attacker?.close();
    });

    test('changes nothing: every forgery is refused, the session survives and no bot is made', async () => {
      const admin = await registerAdmin(service.url, 'csrf');
      const watched = await openConsole(browser, service.url);
      const { page, context } = watched;
      await signIn(page, admin.email, admin.password);
      const attack = await context.newPage();
      const targets = [
        '/api/v1/auth/logout',
        '/api/v1/auth/refresh',
        '/api/v1/auth/logout-all',
        '/api/v1/bots',
      ];
      for (const mode of ['text', 'form', 'fetch']) {
        for (const target of targets) {
          const answered = attack.waitForResponse((response) =>
            response.url().startsWith(`${service.url}${target}`),
          );
          await attack.goto(`${attackerUrl}/?mode=${mode}&target=${encodeURIComponent(target)}`);
          const status = (await answered).status();
          // 415: not a body the API takes; 401: no bearer token; 403: no CSRF proof.
          assert.ok([401, 403, 415].includes(status), `${mode} ${target} answered ${status}`);
        }
      }
      await attack.close();
      // Still signed in, after a reload that needs the refresh cookie.
      await page.reload();
      await signOutButton(page).waitFor();
      const bots = await api(service.url, 'GET', '/bots', { token: admin.token });
      assert.deepEqual((bots.body as { items: unknown[] }).items, []);
      await watched.assertClean();
      await context.close();
    });
  });

  test('sign out everywhere ends the sessions of every browser', async () => {
    const email = uniqueEmail('everywhere');
    const password = strongPassword();
    const one = await openConsole(browser, service.url);
    await signUp(one.page, { email, password, fullName: 'Eve Everywhere' });
    const two = await openConsole(browser, service.url);
    await signIn(two.page, email, password);
    await one.page.goto('/account');
    await one.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    // It asks first (a modal dialog): confirm there.
    await one.page.getByRole('dialog').getByRole('button', { name: 'Sign out everywhere' }).click();
    await one.page.waitForURL('**/sign-in**');
    await two.page.reload();
    await two.page.getByRole('heading', { name: 'Sign in to TradeWise' }).waitFor();
    await one.assertClean();
    await two.assertClean();
    await one.context.close();
    await two.context.close();
  });
});
