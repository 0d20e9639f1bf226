// One IIFE, loaded by a classic <script async>: no chunks, no top-level import/export
// (see /work/shared/BROWSER-TESTING.md — library mode builds one entry per build).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // workbox-window's `module` field points at its ES5 build (2.3 KB gzip, regenerator-style
  // async); its own ES2017 production build is 1.4 KB and every push-capable browser runs it.
  resolve: {
    alias: {
      'workbox-window': fileURLToPath(
        import.meta.resolve('workbox-window/build/workbox-window.prod.mjs'),
      ),
    },
  },
  build: {
    target: 'es2020',
    lib: {
      entry: 'src/index.ts',
      formats: ['iife'],
      name: 'beckonSnippet',
      fileName: () => 'beckon.js',
    },
  },
});
