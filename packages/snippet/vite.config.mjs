// One IIFE, loaded by a classic <script async>: no chunks, no top-level import/export
// (see /work/shared/BROWSER-TESTING.md — library mode builds one entry per build).
import { defineConfig } from 'vite';

export default defineConfig({
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
