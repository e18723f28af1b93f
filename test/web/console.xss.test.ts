// Stored XSS, tried against every page that shows what users type: a full name, a tenant name, a
// bot's name, exchange and strategy, a session's user agent, the audit trail's record page, and
// (in the server shape, where the test can write a row) a security event's description and
// details. Each payload would set window.__xss, open a dialog or trip the CSP if it ran; every
// page must show it as text and run nothing. Direction-override characters never get stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import {
  api,
  browserMissing,
  type ConsoleService,
  launchBrowser,
  openConsole,
  signIn,
  startConsole,
  strongPassword,
  tokenFor,
  uniqueEmail,
} from './harness.ts';

const PAYLOADS = {
  img: '<img src=x onerror="window.__xss=1;alert(1)">',
  script: '<script>window.__xss=2;alert(2)</script>',
  svg: '"><svg onload="window.__xss=3;alert(3)">',
  url: 'javascript:window.__xss=4;alert(4)',
  anchor: '<a href="javascript:window.__xss=5">win</a>',
  iframe: '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
};

/** Nothing ran, and no markup of a payload became an element or a link. */
async function assertInert(page: Page): Promise<void> {
  const state = await page.evaluate<{
    xss: unknown;
    img: number;
    svg: number;
    iframe: number;
    js: number;
  }>(`({
    xss: window.__xss,
    img: document.querySelectorAll('img[src="x"]').length,
    svg: document.querySelectorAll('svg[onload]').length,
    iframe: document.querySelectorAll('iframe').length,
    js: [...document.querySelectorAll('[href], [src], [action]')].filter((el) =>
      /^\\s*javascript:/i.test(el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action') || '')).length,
  })`);
  assert.deepEqual(state, { xss: undefined, img: 0, svg: 0, iframe: 0, js: 0 }, `on ${page.url()}`);
}

describe('what users type is shown as text and runs nothing', { skip: browserMissing }, () => {
  let service: ConsoleService;
  let browser: Browser;
  const admin = { email: uniqueEmail('xss'), password: strongPassword() };
  let token: string;
  let tenantId: string;
  let botId: string;

  before(async () => {
    service = await startConsole();
    browser = await launchBrowser();
    const made = await api(service.url, 'POST', '/auth/register', {
      body: { ...admin, full_name: PAYLOADS.img, tenant_name: PAYLOADS.script },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    tenantId = (made.body as { tenant_id: string }).tenant_id;
    token = await tokenFor(service.url, admin.email, admin.password);
    const bot = await api(service.url, 'POST', '/bots', {
      token,
      body: { name: PAYLOADS.svg, kind: 'internal', exchange: PAYLOADS.url, strategy: PAYLOADS.anchor },
    });
    assert.equal(bot.status, 201, JSON.stringify(bot.body));
    botId = (bot.body as { id: string }).id;
    assert.equal(
      (await api(service.url, 'POST', '/subscriptions', { token, body: { bot_id: botId, plan: 'pro' } }))
        .status,
      201,
    );
    // A session whose user agent is a payload (the sessions list shows where each one came from).
    const login = await api(service.url, 'POST', '/auth/token', {
      body: { username: admin.email, password: admin.password },
      headers: { 'user-agent': PAYLOADS.iframe },
    });
    assert.equal(login.status, 200);
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('lists, details, the account and the audit trail show every payload as text', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);

    await page.goto('/bots');
    await page.getByText(PAYLOADS.svg, { exact: true }).first().waitFor();
    await assertInert(page);

    await page.goto(`/bots/${botId}`);
    await page.getByRole('heading', { level: 1, name: PAYLOADS.svg }).waitFor();
    assert.ok(
      ((await page.locator('main').textContent()) ?? '').includes(PAYLOADS.url),
      'the exchange is shown as written',
    );
    await assertInert(page);

    await page.goto('/subscriptions');
    await page.locator('main td').filter({ hasText: PAYLOADS.svg }).first().waitFor();
    await assertInert(page);

    await page.goto('/users');
    await page.locator('main td').filter({ hasText: PAYLOADS.img }).first().waitFor();
    await assertInert(page);

    await page.goto('/tenant');
    await page.getByText(PAYLOADS.script, { exact: false }).first().waitFor();
    await assertInert(page);

    await page.goto('/account');
    await page.getByLabel('Full name').waitFor();
    assert.equal(await page.getByLabel('Full name').inputValue(), PAYLOADS.img);
    await page
      .getByText(/Program: <iframe/)
      .first()
      .waitFor();
    await assertInert(page);

    await page.goto('/audit-log');
    const create = page
      .getByRole('row')
      .filter({ hasText: 'bot.create' })
      .getByRole('button', { name: /^Show details of record/ });
    await create.first().click();
    const details = page
      .locator('main section')
      .filter({ has: page.getByRole('button', { name: 'Close details' }) });
    await details.waitFor();
    // The trail names the fields a change set, never their values: nothing typed reaches it.
    assert.match((await details.textContent()) ?? '', /"fields"/);
    await assertInert(page);

    await watched.assertClean();
    await watched.context.close();
  });

  test('a security event with markup in its description and details is shown as text', {
    skip: process.env.DATABASE_URL
      ? false
      : 'writes the event with SQL: needs DATABASE_URL (the embedded database is the service’s own)',
  }, async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO security_events (tenant_id, event_type, severity, ip, description, details)
         VALUES ($1, 'suspicious_api_usage', 'medium', '198.18.0.1', $2, $3)`,
        [tenantId, PAYLOADS.script, JSON.stringify({ note: PAYLOADS.img, link: PAYLOADS.url })],
      );
    } finally {
      await client.end();
    }
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.goto('/security-events');
    await page
      .getByRole('button', { name: /^Show details of/ })
      .first()
      .click();
    await page.getByText(PAYLOADS.img, { exact: false }).first().waitFor();
    await assertInert(page);
    await watched.assertClean();
    await watched.context.close();
  });

  test('direction overrides and invisible characters never get stored: the form says so at the field', async () => {
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await signIn(page, admin.email, admin.password);
    await page.goto('/bots/new');
    await page.getByLabel('Name').fill('report\u202Efdp.exe');
    await page.getByLabel('Exchange').fill('binance');
    await page.getByLabel('Strategy').fill('grid');
    await page.getByRole('button', { name: /^Create/ }).click();
    const nameField = page.locator('.field-invalid').filter({ has: page.getByLabel('Name') });
    await nameField.locator('.field-errors').waitFor();
    const bots = await api(service.url, 'GET', '/bots', { token });
    assert.equal((bots.body as { items: unknown[] }).items.length, 1, 'nothing stored');
    await assertInert(page);
    await watched.assertClean();
    await watched.context.close();
  });
});
