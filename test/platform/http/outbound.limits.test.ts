// Time and size bounds: a bot that drips, hangs, floods or speaks garbage ends the test with a
// fixed category, never by holding the request open or by handing its content back.
import assert from 'node:assert/strict';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ConnectionTestResult } from '../../../src/platform/http/index.ts';
import { testConnection } from '../../../src/platform/http/index.ts';
import type { FakeBot } from './fixtures/fake-bot-server.ts';
import {
  BOT_TOKEN,
  hangRoute,
  largeBodyRoute,
  REMOTE_SECRET,
  slowDripRoute,
  startFakeBot,
} from './fixtures/fake-bot-server.ts';
import { networkViolations } from './fixtures/network-guard.ts';

let bot: FakeBot;
before(async () => {
  bot = await startFakeBot({
    '/drip': slowDripRoute(50),
    '/hang': hangRoute,
    '/one-mebibyte': largeBodyRoute(1024 * 1024),
    '/exactly-1024': (_req, res) => res.end(Buffer.alloc(1024, 0x61)),
    '/exactly-1025': (_req, res) => res.end(Buffer.alloc(1025, 0x61)),
    '/declares-10MB': (_req, res) => res.writeHead(200, { 'content-length': '10000000' }).flushHeaders(),
    '/huge-headers': (_req, res) => res.writeHead(200, { 'x-filler': 'a'.repeat(20_000) }).end(REMOTE_SECRET),
  });
});

// Raw TCP servers for what an HTTP server would not do.
const rawServers: Server[] = [];
const rawSockets = new Set<Socket>();
async function rawServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    rawSockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

after(async () => {
  for (const socket of rawSockets) socket.destroy();
  await Promise.all(rawServers.map((s) => new Promise((resolve) => s.close(resolve))));
  await bot.close();
  assert.deepEqual(networkViolations(), []);
});

const local = { allowPrivateNetworks: true };
const outcome = (r: ConnectionTestResult) => ({ ok: r.ok, status_code: r.status_code, error: r.error });

describe('testConnection is bounded in time', () => {
  test('a slow-drip body ends at the total timeout', { timeout: 10_000 }, async () => {
    const result = await testConnection(`${bot.origin}/drip`, BOT_TOKEN, { ...local, totalTimeoutMs: 1_000 });
    assert.deepEqual(outcome(result), { ok: false, status_code: 200, error: 'timeout' });
  });

  test('a bot that never answers ends at the total timeout', { timeout: 10_000 }, async () => {
    const result = await testConnection(`${bot.origin}/hang`, BOT_TOKEN, { ...local, totalTimeoutMs: 300 });
    assert.deepEqual(outcome(result), { ok: false, status_code: null, error: 'timeout' });
  });

  test('a connection that never completes its TLS handshake ends at the connect timeout', {
    timeout: 15_000,
  }, async () => {
    const port = await rawServer(() => undefined); // accepts TCP, never speaks TLS
    const result = await testConnection(`https://127.0.0.1:${port}/`, BOT_TOKEN, {
      ...local,
      connectTimeoutMs: 200,
      totalTimeoutMs: 10_000,
    });
    assert.deepEqual(outcome(result), { ok: false, status_code: null, error: 'connect_timeout' });
  });
});

describe('testConnection is bounded in size', () => {
  test('a streamed body larger than maxBytes stops the read with response_too_large', async () => {
    const result = await testConnection(`${bot.origin}/one-mebibyte`, BOT_TOKEN, local);
    assert.deepEqual(outcome(result), { ok: false, status_code: 200, error: 'response_too_large' });
  });

  test('a body of exactly maxBytes is read in full and is ok', async () => {
    const result = await testConnection(`${bot.origin}/exactly-1024`, BOT_TOKEN, {
      ...local,
      maxBytes: 1024,
    });
    assert.deepEqual(outcome(result), { ok: true, status_code: 200, error: undefined });
  });

  test('one byte more than maxBytes is too large', async () => {
    const result = await testConnection(`${bot.origin}/exactly-1025`, BOT_TOKEN, {
      ...local,
      maxBytes: 1024,
    });
    assert.deepEqual(outcome(result), { ok: false, status_code: 200, error: 'response_too_large' });
  });

  test('a declared Content-Length over maxBytes is refused without waiting for the body', {
    timeout: 10_000,
  }, async () => {
    const result = await testConnection(`${bot.origin}/declares-10MB`, BOT_TOKEN, {
      ...local,
      totalTimeoutMs: 3_000,
    });
    assert.deepEqual(outcome(result), { ok: false, status_code: 200, error: 'response_too_large' });
  });

  test('response headers over 16 KiB are too large', async () => {
    const result = await testConnection(`${bot.origin}/huge-headers`, BOT_TOKEN, local);
    assert.deepEqual(outcome(result), { ok: false, status_code: null, error: 'response_too_large' });
  });
});

describe('testConnection reports a broken bot with a fixed category', () => {
  test('a response that is not HTTP is invalid_response, and its bytes are not returned', async () => {
    const port = await rawServer((socket) => socket.end(`${REMOTE_SECRET}\r\n\r\n`));
    const result = await testConnection(`http://127.0.0.1:${port}/`, BOT_TOKEN, local);
    assert.deepEqual(outcome(result), { ok: false, status_code: null, error: 'invalid_response' });
    assert.ok(!JSON.stringify(result).includes(REMOTE_SECRET));
  });

  test('a connection reset before any response is connection_failed', async () => {
    const port = await rawServer((socket) => socket.resetAndDestroy());
    const result = await testConnection(`http://127.0.0.1:${port}/`, BOT_TOKEN, local);
    assert.deepEqual(outcome(result), { ok: false, status_code: null, error: 'connection_failed' });
  });
});
