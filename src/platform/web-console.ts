// The web console at `/` (CONTRACT.md): the files `npm run build` writes to dist/web, held in memory
// with their gzip and brotli forms (written by the build), served with
//   - index.html for every console path (web/src/routes.ts), `Cache-Control: no-store` (it is the
//     entry to a signed-in application: no cache keeps a copy, and the back button after sign-out
//     loads it afresh, where the signed-out console shows sign-in), and the console's CSP;
//   - hashed files under /assets/ cached for a year as immutable (their name changes with their
//     content), the few unhashed files (the icon) for an hour.
// Without a build (the sources run through tsx, tests that build the app) `/` stays the redirect to
// the API reference, and the start-up log says how to build the console.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_ROUTES } from '../../web/src/routes.ts';
import { CONSOLE_CONTENT_SECURITY_POLICY } from './hardening/index.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=3600';

interface Asset {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  type: string;
  cacheControl: string;
}

export interface ConsoleFiles {
  index: Asset;
  /** By URL path (`/assets/index-1a2b3c.js`). */
  files: ReadonlyMap<string, Asset>;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function read(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** The built console in `dir` (dist/web), or undefined when it has not been built. */
export function loadConsoleFiles(dir: string): ConsoleFiles | undefined {
  const indexBody = read(join(dir, 'index.html'));
  if (indexBody === undefined) return undefined;
  const asset = (path: string, body: Buffer, cacheControl: string): Asset => {
    const br = read(`${path}.br`);
    const gzip = read(`${path}.gz`);
    return {
      body,
      ...(br === undefined ? {} : { br }),
      ...(gzip === undefined ? {} : { gzip }),
      type: TYPES[extname(path)] ?? 'application/octet-stream',
      cacheControl,
    };
  };
  const files = new Map<string, Asset>();
  for (const path of walk(dir)) {
    const name = relative(dir, path).split(sep).join('/');
    if (name === 'index.html' || name.endsWith('.br') || name.endsWith('.gz') || name.startsWith('.'))
      continue;
    const body = read(path);
    if (body === undefined) continue;
    files.set(`/${name}`, asset(path, body, name.startsWith('assets/') ? IMMUTABLE : SHORT));
  }
  return { index: asset(join(dir, 'index.html'), indexBody, 'no-store'), files };
}

/** The encoding to send: brotli, then gzip, when the client accepts it and the build made it. */
function encoded(request: FastifyRequest, asset: Asset): { body: Buffer; encoding?: 'br' | 'gzip' } {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (asset.br !== undefined && /\bbr\b/.test(accepted)) return { body: asset.br, encoding: 'br' };
  if (asset.gzip !== undefined && /\bgzip\b/.test(accepted)) return { body: asset.gzip, encoding: 'gzip' };
  return { body: asset.body };
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  const { body, encoding } = encoded(request, asset);
  reply.header('content-type', asset.type).header('cache-control', asset.cacheControl);
  // Caches must keep the encodings apart, beside the Origin the security headers already vary on.
  reply.header('vary', 'Origin, Accept-Encoding');
  if (encoding !== undefined) reply.header('content-encoding', encoding);
  return reply.send(body);
}

/** Serves the console's pages and files; every route is hidden from the API document. */
export async function webConsolePlugin(
  app: FastifyInstance,
  options: { files: ConsoleFiles },
): Promise<void> {
  const { index, files } = options.files;
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('content-security-policy', CONSOLE_CONTENT_SECURITY_POLICY);
    return send(request, reply, index);
  };
  for (const path of CONSOLE_ROUTES) app.get(path, { schema: { hide: true } }, page);
  for (const [path, asset] of files) {
    app.get(path, { schema: { hide: true } }, async (request, reply) => send(request, reply, asset));
  }
}
