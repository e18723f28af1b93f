// Direct TLS from TLS_CERT_FILE/TLS_KEY_FILE, with a self-signed certificate made for the test.
// In production, a request over the service's own TLS is secure: served, with HSTS.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertSecurityHeaders } from './assert-headers.ts';

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = haveOpenssl() ? false : 'openssl is not installed (apt-get install openssl)';

function get(
  module: typeof http | typeof https,
  url: string,
  options: https.RequestOptions = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = module.get(url, options, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
    request.setTimeout(5_000, () => request.destroy(new Error('timeout')));
  });
}

describe('direct TLS', { skip }, () => {
  let dir: string;
  let t: TestApp;
  let port: number;
  let ca: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    t = await buildTestApp({
      NODE_ENV: 'production',
      PASSWORD_HASH_COST: '12',
      TLS_CERT_FILE: cert,
      TLS_KEY_FILE: key,
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the service answers over TLS with the configured certificate, and sends HSTS', async () => {
    const res = await get(https, `https://127.0.0.1:${port}/openapi.json`, { ca });
    assert.equal(res.status, 200);
    assert.match(JSON.parse(res.body).openapi, /^3\./);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assertSecurityHeaders(res.headers);
  });

  test('a client that does not trust the certificate cannot talk to it', async () => {
    await assert.rejects(get(https, `https://127.0.0.1:${port}/health`));
  });

  test('plain HTTP on the TLS port gets no answer from the app', async () => {
    const outcome = await get(http, `http://127.0.0.1:${port}/openapi.json`).then(
      (res) => res.status,
      () => 'refused',
    );
    assert.notEqual(outcome, 200);
  });
});
