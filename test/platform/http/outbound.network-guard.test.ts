// The network guard that every outbound test relies on must itself be right. To test it without
// any real connection, Socket#connect is replaced by a recorder *before* the guard wraps it:
// whatever the guard lets through reaches the recorder, which opens nothing.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';

const reachedSocketLayer: unknown[] = [];
net.Socket.prototype.connect = function recordOnly(this: net.Socket, ...args: unknown[]) {
  reachedSocketLayer.push(args);
  return this;
} as typeof net.Socket.prototype.connect;
const { networkViolations } = await import('./fixtures/network-guard.ts');

function attempt(open: () => net.Socket): void {
  const before = reachedSocketLayer.length;
  assert.throws(open, /network guard/);
  assert.equal(reachedSocketLayer.length, before, 'the attempt reached the socket layer');
}

test('net.connect to a non-loopback address is stopped before the socket layer', () => {
  attempt(() => net.connect({ host: '192.0.2.1', port: 80 }));
  attempt(() => net.connect(80, '203.0.113.5'));
  attempt(() => net.createConnection({ host: '2001:db8::1', port: 443 }));
});

test('tls.connect to a non-loopback address is stopped too', () => {
  attempt(() => tls.connect({ host: '198.51.100.7', port: 443, servername: 'bot.example.com' }));
});

test('a host name is stopped even when it would resolve to loopback, since resolving is a query', () => {
  attempt(() => net.connect({ host: 'localhost', port: 80 }));
  attempt(() => net.connect({ port: 80 }));
});

test('a Unix socket path is stopped', () => {
  attempt(() => net.connect({ path: '/var/run/docker.sock' }));
});

test('loopback literals reach the socket layer', () => {
  const before = reachedSocketLayer.length;
  net.connect({ host: '127.0.0.1', port: 1 }).destroy();
  net.connect({ host: '::1', port: 1 }).destroy();
  assert.equal(reachedSocketLayer.length, before + 2);
});

test('DNS queries for names are stopped; looking up an IP literal asks nobody and passes', async () => {
  assert.throws(() => dns.lookup('example.com', () => undefined), /network guard/);
  await assert.rejects(dns.promises.lookup('example.com'), /network guard/);
  assert.deepEqual(await dns.promises.lookup('127.0.0.1'), { address: '127.0.0.1', family: 4 });
});

test('every stopped attempt is recorded for the after-all check of the other test files', () => {
  assert.equal(networkViolations().length, 9);
});
