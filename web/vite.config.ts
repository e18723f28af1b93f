// The console's build: one hashed bundle under dist/web/assets (served with a year's immutable
// caching) and an index.html that loads it by <script type="module" src>, never inline, so the
// console runs under the same strict CSP as the API (src/platform/web-console.ts).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  publicDir: 'public',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No data: URLs for fonts or images: the CSP allows files from our own origin.
    assetsInlineLimit: 0,
    // Every browser the console supports has <link rel="modulepreload">; the polyfill is code we'd ship for nothing.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
