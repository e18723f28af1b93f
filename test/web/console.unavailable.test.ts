// A backing service down, as the console's user meets it: the state store (Redis) is unreachable,
// so every request with an access token is the contract's 503. The console says "service
// unavailable, retrying" while it retries, then says what failed and offers to try again; once
// Redis is back, the same action works. Redis runs on loopback, started by the test.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { freePort } from '../helpers/process.ts';
import { clusterMissing } from '../helpers/redis-topology.ts';
import {
  browserMissing,
  type ConsoleService,
  eventually,
  launchBrowser,
  openConsole,
  registerAdmin,
  signOutButton,
  startConsole,
} from './harness.ts';

// Once per CI, in the run with DATABASE_URL: PostgreSQL with its Redis down is the deployment this
// is about (the embedded shape has no Redis to lose), and the test brings its own Redis either way.
const skip =
  browserMissing ||
  clusterMissing ||
  (process.env.DATABASE_URL ? false : 'needs DATABASE_URL: the server shape with its Redis down');

describe('the console while the state store is down', { skip }, () => {
  let service: ConsoleService;
  let browser: Browser;
  let port: number;
  let redis: ChildProcess | undefined;

  before(async () => {
    port = await freePort();
    // Nothing listens on the port yet: the service starts with its store unavailable.
    service = await startConsole({ env: { REDIS_URL: `redis://127.0.0.1:${port}/0` } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
    redis?.kill('SIGKILL');
  });

  test('says the service is unavailable and retrying, then works once Redis is back', async () => {
    const admin = await registerAdmin(service.url, 'outage');
    const watched = await openConsole(browser, service.url);
    const { page } = watched;
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Log-in works without the store; reading the user needs it: 503, retried with the banner up.
    await page.getByText(/Service unavailable, retrying \(attempt 1\)/).waitFor();
    await page.getByRole('alert').filter({ hasText: 'The service is unavailable right now.' }).waitFor();
    assert.equal(
      await page.locator('.retry-banner').isHidden(),
      true,
      'the banner goes once the retries end',
    );

    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    redis.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      redis?.stdout?.on('data', () => {
        if (output.includes('Ready to accept connections')) resolve();
      });
      void once(redis as ChildProcess, 'exit').then(() =>
        reject(new Error(`redis-server exited:\n${output}`)),
      );
    });
    // The service reconnects by itself (its /ready turns 200); then the same action succeeds.
    await eventually(async () => assert.equal((await fetch(`${service.url}/ready`)).status, 200));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signOutButton(page).waitFor();
    // The API's 503s are the expected answers here, not the page misbehaving.
    await watched.assertClean();
    await watched.context.close();
  });
});
