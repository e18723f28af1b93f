// What Node refuses before Fastify sees a request, on a real loopback socket: oversized headers,
// methods the parser does not know, CONNECT, and clients too slow to finish their request.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { clientErrorHandler, createServerFactory } from '../../../src/platform/hardening/index.ts';
import { DEFAULT_SERVER_LIMITS } from '../../../src/platform/hardening/server.ts';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertSecurityHeaders } from './assert-headers.ts';
import { rawRequest } from './raw-http.ts';

describe('the server in front of the app', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  test('an ordinary request over the socket works and carries the security headers', async () => {
    const res = await rawRequest(port, ['GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.equal(res.status, 200);
    assertSecurityHeaders(res.headers);
  });

  test('headers over 16 KiB are 431 in the contract shape, with the security headers', async () => {
    const big = 'a'.repeat(DEFAULT_SERVER_LIMITS.maxHeaderSize + 100);
    const res = await rawRequest(port, [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`]);
    assert.equal(res.status, 431);
    assert.deepEqual(JSON.parse(res.body), {
      detail: 'Request header fields too large',
      code: 'HEADERS_TOO_LARGE',
    });
    assertSecurityHeaders(res.headers);
  });

  test('a request line over 16 KiB is refused the same way', async () => {
    const res = await rawRequest(port, [`GET /health?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    assert.equal(res.status, 431);
  });

  test('a method the HTTP parser does not know (TRACK) is 501', async () => {
    const res = await rawRequest(port, ['TRACK /health HTTP/1.1\r\nHost: x\r\n\r\n']);
    assert.equal(res.status, 501);
    assert.deepEqual(JSON.parse(res.body), { detail: 'Method not implemented', code: 'NOT_IMPLEMENTED' });
  });

  test('CONNECT is answered 501, not tunnelled and not silently dropped', async () => {
    const res = await rawRequest(port, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n']);
    assert.equal(res.status, 501);
    assertSecurityHeaders(res.headers);
  });

  test('TRACE over the socket is 501 too', async () => {
    const res = await rawRequest(port, ['TRACE /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.equal(res.status, 501);
  });

  test('a malformed header line is 400 in the contract shape', async () => {
    const res = await rawRequest(port, ['GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n']);
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).code, 'BAD_REQUEST');
  });
});

describe('slow clients (slowloris)', () => {
  const limits = {
    ...DEFAULT_SERVER_LIMITS,
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
    connectionsCheckingIntervalMs: 50,
  };
  let server: ReturnType<ReturnType<typeof createServerFactory>>;
  let port: number;
  before(async () => {
    // Answers only once the whole body has arrived, as a JSON route does.
    server = createServerFactory(
      null,
      limits,
    )((request, response) => {
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    server.on('clientError', clientErrorHandler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('the default limits bound header and request time', () => {
    assert.ok(DEFAULT_SERVER_LIMITS.headersTimeoutMs > 0);
    assert.ok(DEFAULT_SERVER_LIMITS.requestTimeoutMs >= DEFAULT_SERVER_LIMITS.headersTimeoutMs);
    assert.equal(DEFAULT_SERVER_LIMITS.maxHeaderSize, 16 * 1024);
  });

  test('a client that never finishes its headers gets 408 and is disconnected', async () => {
    const res = await rawRequest(port, ['GET / HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n'], {
      pauseMs: 200,
      timeoutMs: 5_000,
    });
    assert.equal(res.status, 408);
    assert.equal(JSON.parse(res.body).code, 'REQUEST_TIMEOUT');
  });

  test('a client that trickles its body is cut off', async () => {
    const res = await rawRequest(
      port,
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', 'a', 'b', 'c', 'd', 'e', 'f'],
      { pauseMs: 200, timeoutMs: 5_000 },
    );
    assert.equal(res.status, 408);
  });
});
