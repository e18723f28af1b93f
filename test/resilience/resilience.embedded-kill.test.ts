// The embedded shape (PGlite under DATA_DIR) killed with SIGKILL in the middle of continuous writes,
// then started again on the same directory: it opens, every write it acknowledged is there with
// its audit record, a write cut off by the kill is there whole or not at all, and the audit chain
// verifies offline. Always the embedded shape, whatever DATABASE_URL says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { embeddedRunOnly } from '../helpers/app.ts';
import type { ServiceProcess } from '../helpers/process.ts';
import { startService } from '../helpers/process.ts';
import type { Sent } from './http-client.ts';
import { botNames, send, tokenFor } from './http-client.ts';
import { eventually, startLoad, within } from './load.ts';
import type { ServiceEnv } from './service-env.ts';
import { serviceEnv, tradewise } from './service-env.ts';

describe('the embedded shape killed mid-write', { skip: embeddedRunOnly }, () => {
  let shape: ServiceEnv;
  let service: ServiceProcess | undefined;

  before(() => {
    shape = serviceEnv({ DATABASE_URL: '', REDIS_URL: '' });
  });
  after(async () => {
    await service?.stop('SIGKILL');
    shape?.cleanup();
  });

  test('restarts on the same data directory with every acknowledged write and a verifiable audit chain', async () => {
    service = await startService(shape.env);
    const url = service.url;
    const email = `kill9-${Date.now()}@example.test`;
    const password = 'Kill-Nine-Desk!92';
    const registered = await send(`${url}/api/v1/auth/register`, 'POST', {
      email,
      password,
      full_name: 'Kill Nine',
    });
    assert.equal(registered.kind === 'response' && registered.status, 201, JSON.stringify(registered));
    const tenantId = JSON.parse((registered as { body: string }).body).tenant_id as string;
    const token = await tokenFor(url, email, password);

    const outcomes: Array<{ name: string; sent: Sent }> = [];
    const exited = new Promise<void>((resolve) => service?.child.once('exit', () => resolve()));
    const load = startLoad(6, async (n) => {
      if (service?.child.exitCode !== null || service.child.signalCode !== null) return;
      const name = `kill9-${n}`;
      const sent = await send(
        `${url}/api/v1/bots`,
        'POST',
        {
          name,
          kind: 'external',
          exchange: 'kraken',
          strategy: 'dca',
          api_url: 'https://93.184.215.14/x',
          api_token: `tok-${n}-0123456789`,
        },
        { authorization: `Bearer ${token}` },
      );
      outcomes.push({ name, sent });
    });
    try {
      const acknowledgedSoFar = () =>
        outcomes.filter((o) => o.sent.kind === 'response' && o.sent.status === 201);
      assert.ok(
        await eventually(async () => acknowledgedSoFar().length >= 40, 60_000),
        'the writes are served',
      );
      service.child.kill('SIGKILL');
      await within(exited, 30_000, 'the killed process exiting');
    } finally {
      await load.stop();
    }
    service = undefined;

    const acknowledged = new Set(
      outcomes.filter((o) => o.sent.kind === 'response' && o.sent.status === 201).map((o) => o.name),
    );
    const cutOff = new Set(outcomes.filter((o) => o.sent.kind !== 'response').map((o) => o.name));
    assert.ok(cutOff.size > 0, 'the kill came in the middle of writes');
    for (const { name, sent } of outcomes) {
      if (sent.kind === 'response') assert.equal(sent.status, 201, `${name}: ${sent.status} ${sent.body}`);
    }

    // Offline first: the command line opens the crashed directory (stale lock and pid file) and
    // recomputes the chain.
    const verify = tradewise(shape.env, 'verify-audit', '--tenant', tenantId, '--json');
    assert.equal(verify.code, 0, verify.output);
    const chain = JSON.parse(verify.output.trim().split('\n').at(-1) as string);
    assert.equal(chain.ok, true, verify.output);

    service = await startService(shape.env);
    const stored = await botNames(service.url, await tokenFor(service.url, email, password));
    assert.deepEqual(
      [...acknowledged].filter((n) => !stored.has(n)),
      [],
      'every acknowledged write survived',
    );
    const extra = [...stored].filter((n) => !acknowledged.has(n));
    assert.deepEqual(
      extra.filter((n) => !cutOff.has(n)),
      [],
      'only writes cut off by the kill may be there unacknowledged',
    );
    // register, the login, every stored bot: one record each, so no write is there without its record.
    assert.equal(chain.checked, 2 + stored.size, verify.output);
    assert.equal(await service.stop(), 0);
    service = undefined;
  });
});
