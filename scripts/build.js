#!/usr/bin/env node
// Bundles the service's own TypeScript into dist/main.js (dependencies stay in node_modules).
// `npm start` runs it: plain JavaScript starts faster and uses about half the memory of running
// the sources through tsx (measured: ~115 MB against ~210 MB RSS for an idle server-shape
// instance). Takes well under a second; runs before every `npm start`.
import { buildSync } from 'esbuild';

buildSync({
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
