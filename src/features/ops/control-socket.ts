// The embedded server's control socket: `DATA_DIR/control.sock`, a Unix domain socket through
// which `npx tradewise list-blocked-ips` and `unblock-ip` reach the running server. The embedded
// shape keeps its blocks in the process (in-process store) and its database is held by that one
// process (PGlite, data-dir-lock.ts), so a separate command could neither read nor lift a block
// while the server runs. Filesystem permission is the authentication, as for PostgreSQL's and
// Docker's local sockets: mode 0600 inside DATA_DIR (0700), so only the server's own user connects.
//
// Protocol: one JSON object on one line per connection, answered by one JSON line, then the
// connection ends. A fixed set of commands, no SQL, a request of at most 4 KiB, 5 s to send it.
//   {"command":"list-blocked-ips"}          → {"ok":true,"blocks":[{ip, reason, blocked_at, expires_at}…]}
//   {"command":"unblock-ip","ip":"<ip>"}     → {"ok":true,"ip":"<key>","lifted":true|false}
//   anything else                            → {"ok":false,"error":"<what was wrong>"}
// The socket is replaced when stale at start-up and removed on close.
import { chmodSync, lstatSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { clientKey, isClientKey } from '../../platform/client-key.ts';
import type { IpBlock, IpBlocks } from '../protection/index.ts';

export const controlSocketPath = (dataDir: string): string => join(dataDir, 'control.sock');

const MAX_REQUEST_BYTES = 4096;
const REQUEST_TIMEOUT_MS = 5_000;
const MAX_CONNECTIONS = 4;
// sockaddr_un holds 108 bytes on Linux (104 on macOS), the terminating NUL included.
const MAX_PATH_BYTES = 103;

export type ControlRequest = { command: 'list-blocked-ips' } | { command: 'unblock-ip'; ip: string };

export type ControlResponse =
  | { ok: true; blocks: IpBlock[] }
  | { ok: true; ip: string; lifted: boolean }
  | { ok: false; error: string };

/** Reads a request, refusing anything outside the fixed set (shape, command, address). */
export function parseControlRequest(line: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'the request is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the request is not an object';
  const { command, ...rest } = value as Record<string, unknown>;
  const extra = (allowed: string[]) => Object.keys(rest).filter((key) => !allowed.includes(key));
  if (command === 'list-blocked-ips') {
    return extra([]).length === 0 ? { command } : `unknown field(s): ${extra([]).join(', ')}`;
  }
  if (command === 'unblock-ip') {
    if (extra(['ip']).length > 0) return `unknown field(s): ${extra(['ip']).join(', ')}`;
    const { ip } = rest;
    if (typeof ip !== 'string' || ip.length > 64 || !isClientKey(ip)) return 'ip is not an IP address';
    return { command, ip };
  }
  return 'unknown command';
}

async function answer(
  request: ControlRequest,
  deps: { ipBlocks: IpBlocks; log: FastifyBaseLogger },
): Promise<ControlResponse> {
  if (request.command === 'list-blocked-ips') return { ok: true, blocks: await deps.ipBlocks.list() };
  const key = clientKey(request.ip);
  const lifted = await deps.ipBlocks.lift(request.ip);
  // The same lift as the offline command and DELETE /ops/blocked-ips; the service logs who asked.
  if (lifted) deps.log.warn({ lifted: key, via: 'control socket' }, 'IP block lifted from the command line');
  return { ok: true, ip: key, lifted };
}

function serve(socket: Socket, deps: { ipBlocks: IpBlocks; log: FastifyBaseLogger }): void {
  let received = '';
  let done = false;
  const reply = (response: ControlResponse) => {
    done = true;
    socket.end(`${JSON.stringify(response)}\n`);
  };
  socket.setEncoding('utf8');
  socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    if (done) return;
    received += chunk;
    const end = received.indexOf('\n');
    if (end === -1) {
      if (Buffer.byteLength(received) > MAX_REQUEST_BYTES) reply({ ok: false, error: 'request too large' });
      return;
    }
    if (end > MAX_REQUEST_BYTES) return reply({ ok: false, error: 'request too large' });
    const request = parseControlRequest(received.slice(0, end));
    if (typeof request === 'string') return reply({ ok: false, error: request });
    done = true;
    answer(request, deps).then(reply, (error: unknown) => {
      deps.log.error({ err: error, command: request.command }, 'control socket command failed');
      reply({ ok: false, error: 'the command failed; see the service log' });
    });
  });
}

/** Listens on `path`: a stale socket is replaced, anything else there stops start-up. */
async function listen(path: string, server: Server): Promise<void> {
  try {
    if (!lstatSync(path).isSocket()) throw new Error(`${path} exists and is not a socket: remove it`);
    // The data directory is locked by this process (data-dir-lock.ts): a socket there is a
    // crashed run's.
    rmSync(path, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Created 0600 (the umask applies while binding, which happens synchronously within listen),
  // then set again: nobody but this user ever connects.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
}

/** Opens the control socket when the app is ready; closes and removes it when the app closes. */
export async function controlSocketPlugin(
  app: FastifyInstance,
  options: { path: string; ipBlocks: IpBlocks },
): Promise<void> {
  const { path, ipBlocks } = options;
  const server = createServer((socket) => serve(socket, { ipBlocks, log: app.log }));
  server.maxConnections = MAX_CONNECTIONS;
  let open = false;
  app.addHook('onReady', async () => {
    if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
      app.log.warn(
        { path },
        'control socket not opened: DATA_DIR is too long a path for a Unix socket; list-blocked-ips and unblock-ip need the server stopped',
      );
      return;
    }
    await listen(path, server);
    open = true;
  });
  app.addHook('onClose', async () => {
    if (!open) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(path, { force: true });
  });
}

/**
 * Sends one command to a running embedded server. Undefined when none listens there (no socket,
 * or a stale one): the caller then works on the data directory itself.
 */
export async function sendControlCommand(
  path: string,
  request: ControlRequest,
  timeoutMs = 30_000,
): Promise<ControlResponse | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let received = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`the server at ${path} did not answer within ${timeoutMs / 1000} s`));
    });
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.length > 10 * 1024 * 1024) socket.destroy(new Error('the answer is too large'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') return resolve(undefined);
      if (error.code === 'EACCES') {
        return reject(new Error(`permission denied on ${path}: run this as the user the server runs as`));
      }
      reject(error);
    });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(received) as ControlResponse);
      } catch {
        reject(new Error(`the server at ${path} sent an unreadable answer`));
      }
    });
  });
}
