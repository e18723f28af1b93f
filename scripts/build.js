#!/usr/bin/env node
// Builds what `npm start` serves; runs before every `npm start` (and `npm test`, whose browser tests
// drive the built console).
//   - dist/main.js: the service's own TypeScript bundled by esbuild (dependencies stay in
//     node_modules). Plain JavaScript starts faster and uses about half the memory of running the
//     sources through tsx (measured: ~115 MB against ~210 MB RSS for an idle server-shape
//     instance). Well under a second.
//   - dist/web: the web console (web/, Vite), rebuilt only when one of its inputs changed (a hash of
//     them is kept in dist/web/.inputs), each text file also written brotli- and gzip-compressed so
//     the server sends them without compressing per request.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';

// Written by rename, and only when changed: test files run in parallel start `node dist/main.js`
// while another may run this script (a browser test alone, the embedded-process test), and a file
// truncated mid-write is an empty program that exits at once, saying nothing.
const bundle = buildSync({
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
});
mkdirSync('dist', { recursive: true });
for (const file of bundle.outputFiles) {
  const current = existsSync(file.path) ? readFileSync(file.path) : undefined;
  if (current !== undefined && Buffer.compare(current, file.contents) === 0) continue;
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
}

/** Everything the console's bundle is made from: its sources, what they import from outside web/, the lock file. */
const CONSOLE_INPUTS = [
  'web',
  'src/platform/passwords/policy-rules.ts',
  'clients/typescript/src',
  'package-lock.json',
];
const OUT = 'dist/web';
const STAMP = join(OUT, '.inputs');

function inputsHash() {
  const hash = createHash('sha256');
  for (const input of CONSOLE_INPUTS) {
    for (const path of statSync(input).isDirectory() ? files(input) : [input]) {
      if (path.includes('node_modules')) continue;
      hash.update(path).update('\0').update(readFileSync(path)).update('\0');
    }
  }
  return hash.digest('hex');
}

const COMPRESSIBLE = /\.(html|js|css|svg|json|txt|webmanifest)$/;

const wanted = inputsHash();
const built = existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : undefined;
if (built !== wanted || process.argv.includes('--force')) {
  const { build } = await import('vite');
  await build({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
  for (const path of files(OUT)) {
    if (!COMPRESSIBLE.test(path)) continue;
    const body = readFileSync(path);
    writeFileSync(
      `${path}.br`,
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
  }
  writeFileSync(STAMP, wanted);
}
