// SIGTERM under load (a rolling deploy): the service started as a process (`src/main.ts`) gets
// concurrent POST /bots, then SIGTERM. Requests already accepted finish with a complete answer,
// later ones are refused (connection refused, or 503 in the contract's shape), the process exits
// 0, and every acknowledged bot is stored with its audit record: the chain verifies offline.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceProcess } from '../helpers/process.ts';
import { startService } from '../helpers/process.ts';
import type { Sent } from './http-client.ts';
import { botNames, send, tokenFor } from './http-client.ts';
import { eventually, startLoad, within } from './load.ts';
import type { ServiceEnv } from './service-env.ts';
import { serviceEnv, tradewise } from './service-env.ts';

interface HeldBot {
  url: string;
  /** Resolves when the service's connection test reaches the bot. */
  called: Promise<void>;
  /** Lets the bot answer 200. */
  answer(): void;
  close(): Promise<void>;
}

/** A loopback bot that holds the first request until `answer()`: a request surely in flight. */
async function heldBot(): Promise<HeldBot> {
  let reached: () => void = () => {};
  let release: () => void = () => {};
  const called = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = createServer((_req, res) => {
    reached();
    void released.then(() => res.end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    called,
    answer: release,
    async close() {
      release();
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('SIGTERM under load', () => {
  let shape: ServiceEnv;
  let service: ServiceProcess | undefined;
  let bot: HeldBot | undefined;

  before(async () => {
    shape = serviceEnv({ DEBUG: 'true' });
    bot = await heldBot();
  });
  after(async () => {
    await service?.stop('SIGKILL');
    await bot?.close();
    shape?.cleanup();
  });

  test('in-flight requests finish, new ones are refused, the process exits 0 and no audit record is lost', async () => {
    service = await startService(shape.env);
    const url = service.url;
    const held = bot as HeldBot;
    const email = `sigterm-${Date.now()}@example.test`;
    const password = 'Sigterm-Desk!92';
    const registered = await send(`${url}/api/v1/auth/register`, 'POST', {
      email,
      password,
      full_name: 'Sig Term',
    });
    assert.equal(registered.kind === 'response' && registered.status, 201);
    const tenantId = JSON.parse((registered as { body: string }).body).tenant_id as string;
    const login = await send(`${url}/api/v1/auth/token`, 'POST', { username: email, password });
    const token = JSON.parse((login as { body: string }).body).access_token as string;

    const outcomes: Array<{ name: string; sent: Sent }> = [];
    const exited = new Promise<number | null>((resolve) =>
      service?.child.once('exit', (code) => resolve(code)),
    );
    let signalledAt = Number.POSITIVE_INFINITY;
    let heldAnswer: Promise<Sent> | undefined;
    let exitedAt = Number.POSITIVE_INFINITY;
    void exited.then(() => {
      exitedAt = Date.now();
    });
    const load = startLoad(8, async (n) => {
      const name = `sigterm-${n}`;
      const sent = await send(
        `${url}/api/v1/bots`,
        'POST',
        { name, kind: 'internal', exchange: 'kraken', strategy: 'dca' },
        { authorization: `Bearer ${token}` },
      );
      outcomes.push({ name, sent });
      if (sent.kind === 'refused') await sleep(20);
    });
    try {
      const acknowledgedSoFar = () =>
        outcomes.filter((o) => o.sent.kind === 'response' && o.sent.status === 201);
      assert.ok(await eventually(async () => acknowledgedSoFar().length >= 30, 60_000), 'the load is served');
      // One request certainly in flight: a connection test whose bot answers only when told to.
      heldAnswer = send(
        `${url}/api/v1/external-bots/test-connection`,
        'POST',
        { api_url: `${held.url}/status`, api_token: 'held-token-0123456789' },
        { authorization: `Bearer ${token}` },
      );
      await within(held.called, 30_000, 'the held connection test reaching the bot');
      signalledAt = Date.now();
      service.child.kill('SIGTERM');
      const refusing = () => outcomes.some((o) => o.sent.endedAt > signalledAt && o.sent.kind !== 'response');
      const answering503 = () => outcomes.some((o) => o.sent.kind === 'response' && o.sent.status === 503);
      assert.ok(
        await eventually(async () => refusing() || answering503(), 30_000),
        'new requests are refused',
      );
      held.answer();
      assert.equal(await within(exited, 30_000, 'the exit'), 0, service.output());
      // Keep knocking a moment after the exit: nobody answers any more.
      assert.ok(
        await eventually(async () => outcomes.filter((o) => o.sent.startedAt > exitedAt).length >= 8, 30_000),
      );
    } finally {
      await load.stop();
    }

    // A connection the kernel had queued but the process never accepted is reset when the
    // listener closes: a refusal, as long as it left nothing behind (checked below). Every answer
    // that did come is whole: 201, or 503 in the contract's shape for a request after the signal.
    const acknowledged = new Set<string>();
    const unanswered = new Set<string>();
    for (const { name, sent } of outcomes) {
      if (sent.kind !== 'response') {
        unanswered.add(name);
        if (sent.kind === 'broken') assert.equal(sent.code, 'ECONNRESET', `${name}: ${JSON.stringify(sent)}`);
        continue;
      }
      if (sent.status === 201) acknowledged.add(name);
      else {
        assert.equal(sent.status, 503, `${name}: ${sent.status} ${sent.body}`);
        assert.ok(sent.endedAt >= signalledAt, `${name} got 503 before the signal`);
        assert.equal(JSON.parse(sent.body).code, 'SERVICE_UNAVAILABLE', sent.body);
      }
    }
    const inFlight = (await heldAnswer) as Sent;
    assert.equal(
      inFlight.kind,
      'response',
      `the request in flight at the signal: ${JSON.stringify(inFlight)}`,
    );
    assert.equal((inFlight as { status: number }).status, 200, JSON.stringify(inFlight));
    assert.equal(JSON.parse((inFlight as { body: string }).body).ok, true);
    assert.ok(
      outcomes.some((o) => o.sent.kind === 'refused'),
      'after the exit, connections are refused',
    );

    // Offline, on the same storage: every acknowledged bot has its audit record, and the chain holds.
    const verify = tradewise(shape.env, 'verify-audit', '--tenant', tenantId, '--json');
    assert.equal(verify.code, 0, verify.output);
    const line = JSON.parse(verify.output.trim().split('\n').at(-1) as string);
    assert.equal(line.ok, true);
    // register, login, the held connection test and every acknowledged bot: one record each.
    assert.equal(line.checked, 3 + acknowledged.size, verify.output);

    // Restarted on the same storage: exactly the acknowledged bots are there.
    service = await startService(shape.env);
    const stored = await botNames(service.url, await tokenFor(service.url, email, password));
    assert.deepEqual(
      [...acknowledged].filter((n) => !stored.has(n)),
      [],
      'every acknowledged bot is stored',
    );
    assert.deepEqual(
      [...unanswered].filter((n) => stored.has(n)),
      [],
      'nothing unanswered was stored',
    );
    assert.equal(await service.stop(), 0);
    service = undefined;
  });
});
